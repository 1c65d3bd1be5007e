"""``python -m explorer eval``: model quality, measured the same way for every run.

Each family keeps its measurements in ``explorer/models/<family>/evaluation.py`` with
``evaluate(model, *, data, quick) -> dict`` (flat, JSON-able; field names are named in the
family's issue), and names there, in ``SHARED_MEASURES``, the measures of :data:`SHARED` that
apply to it (e.g. ``("path_smoothness",)``). This module only resolves the model, runs both and
prints the report.
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


def _path_smoothness(model, *, quick: bool) -> dict:
    from explorer.evaluation.paths import path_smoothness

    return path_smoothness(model, n_paths=4 if quick else 20)


#: Measures any family can ask for by name, ``(model, *, quick) -> dict`` of flat fields.
SHARED = {"path_smoothness": _path_smoothness}


def run(family: str, *, checkpoint: str | None = None, data: Path | None = None, quick: bool = False) -> dict:
    """Evaluate one model; returns a flat dict (the ``--json`` object)."""
    try:
        module = importlib.import_module(f"explorer.models.{family}.evaluation")
    except ModuleNotFoundError as exc:
        if exc.name == f"explorer.models.{family}.evaluation":
            raise ExplorerError(f"evaluation of the {family.upper()} is not available yet") from None
        raise
    model = load_model(family, checkpoint)
    start = time.perf_counter()
    result = module.evaluate(model, data=Path(data) if data else DEFAULT_DATA, quick=quick)
    for measure in getattr(module, "SHARED_MEASURES", ()):
        result.update(SHARED[measure](model, quick=quick))
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
