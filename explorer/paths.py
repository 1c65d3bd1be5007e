"""Where the project's folders are: one definition each, used by the engine, the CLI and the app."""

from __future__ import annotations

from pathlib import Path

#: The checkout (the folder holding ``explorer/`` and ``checkpoints/``).
ROOT = Path(__file__).resolve().parents[1]
#: Shipped checkpoints and their model cards.
CHECKPOINT_DIR = ROOT / "checkpoints"
#: Shipped GP kernel presets (GP kernel JSON files).
GP_PRESET_DIR = CHECKPOINT_DIR / "gp"
#: Training runs: states for ``--resume``, logs and sample dumps (ignored by git).
RUNS_DIR = ROOT / "runs"
#: Datasets made by ``python -m explorer dataset`` (ignored by git).
DATA_DIR = ROOT / "data"
