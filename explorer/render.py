"""The one render path: latent (+ pitch) -> model -> safety -> audio a person can hear.

Pages, the CLI and interpolation all go through :func:`render_safe`, so every sound that leaves
the engine is finite, faded and at most -1 dBFS.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explorer.audio.safety import is_silent, make_safe, rms_dbfs
from explorer.errors import ParameterError, PresetError
from explorer.models.base import DEFAULT_PITCH, AudioModel, LatentAudioModel
from explorer.presets import Preset



@dataclass
class Sound:
    """Safe audio plus what made it."""

    y: np.ndarray  # float32 [samples], after safety
    sr: int
    z: np.ndarray  # float32 [latent_dim]
    pitch: int | None
    silent: bool
    level_db: float  # RMS of the raw render before safety, dBFS (how loud the model itself made it)


def check_pitch(model: AudioModel, pitch: int | None) -> int | None:
    """The one note a render plays: a whole MIDI number in the model's range (None for unconditioned
    models); ``None`` means the model's default pitch."""
    if model.pitch_range is None:
        return None
    if pitch is None:
        pitch = getattr(model, "default_pitch", None) or DEFAULT_PITCH
    lo, hi = model.pitch_range
    if isinstance(pitch, bool) or not np.isfinite(pitch) or int(pitch) != pitch or not lo <= int(pitch) <= hi:
        raise ParameterError(f"pitch {pitch} is outside this model's range (MIDI {lo}..{hi})")
    return int(pitch)


def check_latent(model: AudioModel, z: np.ndarray) -> np.ndarray:
    """z as float32 [n x latent_dim] (see :meth:`LatentAudioModel.check_latent`)."""
    if isinstance(model, LatentAudioModel):
        return model.check_latent(z)
    return LatentAudioModel.check_latent(model, z)


def render_safe(model: AudioModel, z: np.ndarray, pitch: int | None = None) -> Sound:
    """Render one latent vector at one pitch and pass it through the safety step."""
    z = check_latent(model, z)
    pitch = check_pitch(model, pitch)
    y = model.render(z, None if pitch is None else np.array([pitch]))
    y_safe = make_safe(y[0], sr=model.sample_rate)
    level = float(rms_dbfs(np.nan_to_num(y[0], nan=0.0, posinf=0.0, neginf=0.0)))
    return Sound(y=y_safe, sr=model.sample_rate, z=z[0], pitch=pitch, silent=is_silent(y_safe), level_db=level)


def preset_latent(model: AudioModel, preset: Preset) -> np.ndarray:
    """The latent a preset stands for: its ``latent`` if given, else ``sample_latent(1, seed)``."""
    if preset.latent is not None:
        if len(preset.latent) != model.latent_dim:
            raise PresetError(
                f"preset latent has {len(preset.latent)} values; the {preset.model} model needs {model.latent_dim}"
            )
        return np.asarray(preset.latent, dtype=np.float32)
    return model.sample_latent(1, preset.seed)[0]
