"""``python -m explorer eval``: model quality, measured the same way for every run.

Each family keeps its measurements in ``explorer/models/<family>/evaluation.py`` with
``evaluate(model, *, data, quick) -> dict`` (flat, JSON-able; field names are named in the
family's issue), and optionally ``real_data_metrics(model, *, real, quick) -> dict`` (figures on
the real corpus). For the VAE and GAN, :func:`explorer.evaluation.protocol.independent_metrics`
adds the protocol of DESIGN.md section 8b (CREPE pitch, classifier embedding, listener failure
rates; real vs real beside each). This module only resolves the model and data and prints the report.
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

    result = module.evaluate(model, data=Path(data) if data else locate_synth_data(DEFAULT_DATA, log=log), quick=quick)
    if family in ("vae", "gan"):
        from explorer.evaluation.classifier import load_classifier
        from explorer.evaluation.paths import path_smoothness
        from explorer.evaluation.protocol import independent_metrics
        from explorer.evaluation.reference import locate_real_data

        result.update(path_smoothness(model, n_paths=4 if quick else 20))
        real = locate_real_data(real_data, log=log)
        result.update(independent_metrics(model, data=real, quick=quick, classifier=load_classifier(classifier),
                                          log=log))
        if hasattr(module, "real_data_metrics"):
            result.update(module.real_data_metrics(model, real=real, quick=quick))
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
