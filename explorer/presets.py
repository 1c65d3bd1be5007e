"""Preset (bookmark) JSON: the contract of DESIGN.md section 5.

The app's "save preset" writes it, "load preset" and ``render --preset`` read it, and the URL
query string carries the same fields. Parsing is strict about types and ranges and lenient
about extra fields (a later version may add some).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from explorer.errors import PresetError
from explorer.jsonfile import read_json

FORMAT = "latent-audio-explorer/preset@1"
MODELS = ("vae", "gan", "gp")
MAX_LATENT = 4096
MAX_PRESET_BYTES = 1_000_000
MAX_SEED = 2**32 - 1


@dataclass
class Preset:
    """One reproducible sound: model, checkpoint (or GP kernel), pitch, latent and/or seed."""

    model: str
    checkpoint: str | None = None
    pitch: int | None = None
    latent: list[float] | None = None
    seed: int | None = None
    gp: dict[str, Any] | None = None
    velocity: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"format": FORMAT, "model": self.model}
        for key in ("checkpoint", "pitch", "velocity", "latent", "seed", "gp"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        out.update(self.extra)
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)


def _int(value: Any, what: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value != int(value):
        raise PresetError(f"preset {what} must be a whole number, got {value!r}")
    if not lo <= int(value) <= hi:
        raise PresetError(f"preset {what} {int(value)} is out of range ({lo}..{hi})")
    return int(value)


def parse_preset(data: Any) -> Preset:
    """Validate a preset given as a dict, JSON text or bytes.

    Raises :class:`PresetError` with a message for a person on any problem. Model-specific checks
    (latent length, pitch range of the checkpoint, GP kernel) happen where the model is known.
    """
    data = read_json(data, what="preset", max_bytes=MAX_PRESET_BYTES)
    if not isinstance(data, dict):
        raise PresetError("preset must be a JSON object")
    fmt = data.get("format", FORMAT)
    if fmt != FORMAT:
        raise PresetError(f"unknown preset format {fmt!r} (expected {FORMAT!r})")
    model = data.get("model")
    if model not in MODELS:
        raise PresetError(f"preset model must be one of {', '.join(MODELS)}, got {model!r}")
    checkpoint = data.get("checkpoint")
    if checkpoint is not None and (not isinstance(checkpoint, str) or not checkpoint or len(checkpoint) > 200):
        raise PresetError("preset checkpoint must be a checkpoint name")
    pitch = data.get("pitch")
    pitch = None if pitch is None else _int(pitch, "pitch", 0, 127)
    seed = data.get("seed")
    seed = None if seed is None else _int(seed, "seed", 0, MAX_SEED)
    velocity = data.get("velocity")
    velocity = None if velocity is None else _int(velocity, "velocity", 1, 127)
    latent = data.get("latent")
    if latent is not None:
        if not isinstance(latent, list) or not latent or len(latent) > MAX_LATENT:
            raise PresetError(f"preset latent must be a non-empty list of at most {MAX_LATENT} numbers")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in latent):
            raise PresetError("preset latent must hold only finite numbers")
        if max(abs(v) for v in latent) > 100:
            raise PresetError("preset latent has values beyond +-100: not a latent of these models")
        latent = [float(v) for v in latent]
    gp = data.get("gp")
    if model == "gp":
        if not isinstance(gp, dict):
            raise PresetError('a GP preset needs a "gp" object (the GP kernel JSON)')
    elif gp is not None:
        raise PresetError(f'a {model} preset must not carry a "gp" object')
    if latent is None and seed is None:
        raise PresetError('preset needs a "latent" or a "seed"')
    known = {"format", "model", "checkpoint", "pitch", "velocity", "latent", "seed", "gp"}
    extra = {k: v for k, v in data.items() if k not in known}
    return Preset(model=model, checkpoint=checkpoint, pitch=pitch, latent=latent, seed=seed, gp=gp,
                  velocity=velocity, extra=extra)
