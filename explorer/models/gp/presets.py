"""The shipped GP presets: GP kernel JSON files in ``checkpoints/gp/`` (:data:`explorer.paths.GP_PRESET_DIR`).

How they are made: :mod:`explorer.models.gp.recipes`.
"""

from __future__ import annotations

import os
from pathlib import Path

from explorer.errors import CheckpointError
from explorer.models.gp.model import GPModel, load
from explorer.paths import GP_PRESET_DIR

#: The shipped presets' folder (the one definition is :data:`explorer.paths.GP_PRESET_DIR`).
PRESET_DIR = GP_PRESET_DIR


def list_gp_presets() -> list[str]:
    """Names of the shipped GP presets (files in checkpoints/gp/, without .json)."""
    return sorted(p.stem for p in PRESET_DIR.glob("*.json"))


def load_gp(name_or_path: str | os.PathLike) -> GPModel:
    """A shipped preset by name (``"gp-middle-c"``) or a GP kernel JSON file path."""
    p = Path(name_or_path)
    if p.suffix == ".json" or len(p.parts) > 1 or p.is_file():
        return load(p)
    name = str(name_or_path)
    if name not in list_gp_presets():
        raise CheckpointError(f"unknown GP preset {name!r}; choose one of {', '.join(list_gp_presets())}")
    return load(PRESET_DIR / f"{name}.json")

