"""``python -m explorer eval``: model quality, measured the same way for every run.

Each family keeps its measurements in ``explorer/models/<family>/evaluation.py`` with
``evaluate(model, *, data, quick) -> dict`` (flat, JSON-able; field names are named in the
family's issue), names there, in ``SHARED_MEASURES``, the measures of :data:`SHARED` that apply
to it (e.g. ``("path_smoothness", "independent")``), and optionally ``real_data_metrics(model, *,
real, quick) -> dict`` (figures on the real corpus). The "independent" measure is the protocol of
DESIGN.md section 8b (:func:`explorer.evaluation.protocol.independent_metrics`: CREPE pitch,
classifier embedding, listener failure rates; real vs real beside each). This module only
resolves the model and data, runs them and prints the report.
"""

from __future__ import annotations

import importlib
import json
import platform
import time
from pathlib import Path

from explorer.errors import ExplorerError
from explorer.paths import DATA_DIR
from explorer.models.registry import load_model

DEFAULT_DATA = DATA_DIR / "synth"


def _path_smoothness(model, *, quick: bool, context: "_Context") -> dict:
    from explorer.evaluation.paths import path_smoothness

    return path_smoothness(model, n_paths=4 if quick else 20)


def _independent(model, *, quick: bool, context: "_Context") -> dict:
    from explorer.evaluation.classifier import load_classifier
    from explorer.evaluation.protocol import independent_metrics

    return independent_metrics(model, data=context.real(), quick=quick,
                               classifier=load_classifier(context.classifier), log=context.log)


def _timbre_across_pitch(model, *, quick: bool, context: "_Context") -> dict:
    from explorer.evaluation.classifier import load_classifier
    from explorer.evaluation.timbre import timbre_across_pitch

    from explorer.evaluation.timbre import real_timbre_across_pitch

    classifier = load_classifier(context.classifier)
    out = timbre_across_pitch(model, classifier=classifier, n=8 if quick else 40)
    return {**out, **real_timbre_across_pitch(context.real(), classifier=classifier, max_groups=4 if quick else None)}


class _Context:
    """What shared measures may need, found once per run: the real corpus and the classifier."""

    def __init__(self, real_data: Path | None, classifier: str | None, log):
        self.classifier, self.log, self._real_data, self._real = classifier, log, real_data, None

    def real(self) -> Path:
        from explorer.evaluation.reference import locate_real_data

        if self._real is None:
            self._real = locate_real_data(self._real_data, log=self.log)
        return self._real


#: Measures any family can ask for by name, ``(model, *, quick, context) -> dict`` of flat fields.
SHARED = {"path_smoothness": _path_smoothness, "independent": _independent,
          "timbre_across_pitch": _timbre_across_pitch}


def run(family: str, *, checkpoint: str | None = None, data: Path | None = None, quick: bool = False,
        real_data: Path | None = None, audio: Path | None = None, classifier: str | None = None,
        log=None) -> dict:
    """Evaluate one model; returns a flat dict (the ``--json`` object).

    data : synthetic dataset of the older figures (default data/synth, built in the user cache
        folder when missing); real_data : the real corpus (see
        :func:`explorer.evaluation.reference.locate_real_data`); audio : a recording, for a GP fit;
        classifier : the family classifier's checkpoint (default: the shipped one).
    """
    import sys

    log = log or (lambda m: print(m, file=sys.stderr, flush=True))
    try:
        module = importlib.import_module(f"explorer.models.{family}.evaluation")
    except ModuleNotFoundError as exc:
        if exc.name == f"explorer.models.{family}.evaluation":
            raise ExplorerError(f"evaluation of the {family.upper()} is not available yet") from None
        raise
    if audio is not None:
        if not hasattr(module, "evaluate_fit"):
            raise ExplorerError(f"--audio evaluates a GP fit of a recording; the {family.upper()} has no such figure")
        start = time.perf_counter()
        result = module.evaluate_fit(Path(audio), quick=quick)
        return {"model": family, "audio": str(audio), **result, "quick": quick,
                "eval_seconds": round(time.perf_counter() - start, 1), "machine": platform.machine()}
    model = load_model(family, checkpoint)
    start = time.perf_counter()
    from explorer.evaluation.reference import locate_synth_data

    context = _Context(real_data, classifier, log)
    result = module.evaluate(model, data=Path(data) if data else locate_synth_data(DEFAULT_DATA, log=log), quick=quick)
    for measure in getattr(module, "SHARED_MEASURES", ()):
        result.update(SHARED[measure](model, quick=quick, context=context))
    if hasattr(module, "real_data_metrics"):
        result.update(module.real_data_metrics(model, real=context.real(), quick=quick))
    return {
        "model": family,
        "checkpoint": checkpoint or "default",
        **result,
        "quick": quick,
        "eval_seconds": round(time.perf_counter() - start, 1),
        "machine": platform.machine(),
    }


def format_report(result: dict) -> str:
    width = max(len(k) for k in result)
    return "\n".join(f"{k:<{width}}  {json.dumps(v)}" for k, v in result.items())
