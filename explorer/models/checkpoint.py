"""Checkpoint files: self-describing, safe to load (DESIGN.md section 7).

A checkpoint is ``{"format", "format_version", "family", "config", "state", "card"}`` saved with
``torch.save`` and read back with ``torch.load(weights_only=True)``, which refuses any pickled
code: loading a file never executes anything from it. Models are rebuilt only through their
family's ``build_model(config)``.
"""

from __future__ import annotations

import os
import pickle
import warnings
from pathlib import Path
from typing import Any

import torch

from explorer.errors import CheckpointError
from explorer.models.config_check import check_state
from explorer.outputs import atomic_path

FORMAT = "latent-audio-explorer/checkpoint"
FORMAT_VERSION = 1
#: A shipped checkpoint must stay below this size (DESIGN.md section 7).
MAX_BYTES = 20 * 1024 * 1024


def save_checkpoint(
    path: str | os.PathLike,
    *,
    family: str,
    config: dict[str, Any],
    state: dict[str, torch.Tensor],
    card: dict[str, Any] | None = None,
) -> Path:
    """Write a checkpoint atomically (temp file + rename), so a crash never leaves half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "family": family,
        "config": config,
        "state": {k: v.detach().cpu().contiguous() for k, v in state.items()},
        "card": card or {},
    }
    with atomic_path(path) as tmp:  # an interrupted write leaves the previous file, and no temp file
        torch.save(payload, tmp)
    return path


def load_checkpoint(path: str | os.PathLike, *, family: str | None = None) -> dict[str, Any]:
    """Read and validate a checkpoint; every failure is a :class:`CheckpointError` with a clear message.

    Parameters
    ----------
    path : checkpoint file (``.pt``)
    family : if given, the checkpoint must belong to this family (``"vae"``, ``"gan"``)

    Returns
    -------
    ckpt : dict with keys ``family, config, state, card, format_version``
    """
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise CheckpointError(f"checkpoint {name} not found")
    if path.stat().st_size == 0:
        raise CheckpointError(f"checkpoint {name} is empty")
    try:
        with warnings.catch_warnings():
            # a refused or foreign file is answered by the CheckpointError below; torch's note about
            # its pickle protocol would only reach the console as noise
            warnings.filterwarnings("ignore", message="Detected pickle protocol", category=UserWarning)
            ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        if "weights only" in str(exc).lower() or "unsupported global" in str(exc).lower():
            raise CheckpointError(
                f"checkpoint {name} was refused: it contains Python objects other than weights "
                "(loading it could run code)"
            ) from None
        raise CheckpointError(f"checkpoint {name} is truncated or not a checkpoint ({_short(exc)})") from None
    except Exception as exc:  # torch raises many types for damaged files; all mean the same to a user
        raise CheckpointError(f"checkpoint {name} is truncated or not a checkpoint ({_short(exc)})") from None
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise CheckpointError(f"{name} is not a Latent Audio Explorer checkpoint")
    if ckpt.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(
            f"checkpoint {name} has format version {ckpt.get('format_version')!r}; "
            f"this version of the app reads version {FORMAT_VERSION}"
        )
    if family is not None and ckpt.get("family") != family:
        raise CheckpointError(f"checkpoint {name} holds a {ckpt.get('family')!r} model, not a {family!r} model")
    if not isinstance(ckpt.get("config"), dict) or not isinstance(ckpt.get("state"), dict):
        raise CheckpointError(f"checkpoint {name} is incomplete (no config or weights)")
    check_state(ckpt["state"], name=name)
    return ckpt


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
