"""The one render path: latent (+ pitch) -> model -> safety -> audio a person can hear.

Pages, the CLI and interpolation all go through :func:`render_safe`, so every sound that leaves
the engine is finite, faded and at most -1 dBFS.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explorer.audio.safety import is_silent, make_safe, rms_dbfs
from explorer.budget import check_time
from explorer.errors import ParameterError, PresetError
from explorer.models.base import DEFAULT_PITCH, AudioModel  # noqa: F401  (DEFAULT_PITCH: re-exported for pages)
from explorer.presets import Preset


@dataclass
class Sound:
    """Safe audio plus what made it."""

    y: np.ndarray  # float32 [samples], after safety
    sr: int
    z: np.ndarray  # float32 [latent_dim]
    pitch: float | None  # MIDI; an int for whole notes, None for unconditioned models
    silent: bool
    level_db: float  # RMS of the raw render before safety, dBFS (how loud the model itself made it)


def check_pitch(model: AudioModel, pitch: float | None) -> float | None:
    """The one note a render plays, by the model's own pitch rule
    (:meth:`~explorer.models.base.LatentAudioModel.check_pitch`: finite, in ``pitch_range``, whole
    MIDI notes for models with ``whole_pitch``): None for unconditioned models, the model's
    default pitch for None; a whole note comes back as an ``int``."""
    if model.pitch_range is None:
        return None
    p = float(model.check_pitch(pitch, 1)[0])
    return int(p) if p == int(p) else p


def check_velocity(model: AudioModel, velocity: int | None) -> int | None:
    """A MIDI velocity for this model: None when the model has no velocity knob or none is asked
    for (the model's default); else a whole number 1-127 or a :class:`ParameterError`."""
    if velocity is None or getattr(model, "velocity_range", None) is None:
        return None
    if isinstance(velocity, bool) or not isinstance(velocity, (int, np.integer)) or not 1 <= int(velocity) <= 127:
        raise ParameterError(f"velocity must be a whole MIDI velocity 1-127, got {velocity!r}")
    return int(velocity)


def render_safe(model: AudioModel, z: np.ndarray, pitch: float | None = None, *, velocity: int | None = None) -> Sound:
    """Render one latent vector z [latent_dim] (or [1 x latent_dim]) at one MIDI pitch (None: the
    model's default) and, for models conditioned on it, one MIDI ``velocity`` (None: the model's
    default; ignored by the others), and pass it through the safety step."""
    check_time()  # a morph or a sample pack stops between its sounds when its budget runs out
    z = model.check_latent(z)
    pitch = check_pitch(model, pitch)
    velocity = check_velocity(model, velocity)
    p = None if pitch is None else np.array([pitch])
    y = model.render(z, p) if velocity is None else model.render(z, p, velocity=velocity)
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
