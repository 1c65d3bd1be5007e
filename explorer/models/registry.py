"""Where models come from: the shipped checkpoints and a user's own files.

``load_model(family, checkpoint)`` is the one entry point for pages, the CLI, evaluation and
the benchmark. Each family module provides ``load(path) -> AudioModel`` and
``debug_model() -> AudioModel`` (a tiny random model for tests); the GP's "checkpoints" are
kernel JSON presets.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from explorer.errors import CheckpointError, ParameterError
from explorer.models.base import AudioModel
from explorer.paths import CHECKPOINT_DIR, GP_PRESET_DIR  # noqa: F401  (CHECKPOINT_DIR: re-exported for pages)

FAMILIES = ("vae", "gan", "gp")

DEFAULT_CHECKPOINT = {"vae": "vae-synth-v3", "gan": "gan-synth-v1", "gp": "gp-middle-c"}
#: Name that selects the tiny random model of a family (tests, and a machine without weights).
DEBUG = "debug"


def _family_module(family: str):
    if family not in FAMILIES:
        raise ParameterError(f"unknown model {family!r}; choose one of {', '.join(FAMILIES)}")
    try:
        return importlib.import_module(f"explorer.models.{family}")
    except ModuleNotFoundError as exc:
        if exc.name == f"explorer.models.{family}":
            raise CheckpointError(f"the {family.upper()} model family is not built yet") from None
        raise


def checkpoint_path(family: str, checkpoint: str | None = None) -> Path:
    """Resolve a checkpoint name (a file in checkpoints/, no extension) or a path."""
    name = checkpoint or DEFAULT_CHECKPOINT[family]
    suffix = ".json" if family == "gp" else ".pt"
    as_path = Path(name)
    if as_path.suffix in (".pt", ".json") or len(as_path.parts) > 1:
        return as_path
    if any(c in name for c in "\\:*?\"<>|") or name.startswith("."):
        raise ParameterError(f"invalid checkpoint name {name!r}")
    sub = CHECKPOINT_DIR / "gp" if family == "gp" else CHECKPOINT_DIR
    return sub / f"{name}{suffix}"


def load_model(family: str, checkpoint: str | None = None) -> AudioModel:
    """Load a model of ``family`` from a shipped checkpoint name, a file path, or ``"debug"``."""
    module = _family_module(family)
    if checkpoint == DEBUG:
        return module.debug_model()
    return module.load(checkpoint_path(family, checkpoint))


def available_checkpoints() -> dict[str, list[str]]:
    """Names of the checkpoints present on disk, per family (defaults first)."""
    found: dict[str, list[str]] = {}
    for family in FAMILIES:
        sub, pattern = (CHECKPOINT_DIR / "gp", "*.json") if family == "gp" else (CHECKPOINT_DIR, f"{family}-*.pt")
        names = sorted(p.stem for p in sub.glob(pattern))
        default = DEFAULT_CHECKPOINT[family]
        found[family] = sorted(names, key=lambda n: n != default)
    return found


def model_from_gp_spec(spec: object) -> AudioModel:
    """A GP model from a GP kernel JSON object (DESIGN.md section 5), validated."""
    return _family_module("gp").from_spec(spec)
