"""Morphs: render every step of a latent path and join them into one sound."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass

import numpy as np

from explorer.audio.io import audio_bytes
from explorer.audio.safety import make_safe
from explorer.latent.interpolation import interpolate, norms
from explorer.models.base import AudioModel
from explorer.render import Sound, render_safe

CROSSFADE_S = 0.05


@dataclass
class Morph:
    steps: list[Sound]
    path: np.ndarray  # float32 [steps x latent_dim]
    method: str
    y: np.ndarray  # the joined morph, safe, float32 [samples]
    sr: int

    def path_json(self) -> dict:
        return {
            "method": self.method,
            "steps": len(self.steps),
            "pitch": self.steps[0].pitch,
            "pitches": [s.pitch for s in self.steps],
            "norms": [float(n) for n in norms(self.path)],
            "latents": self.path.astype(float).round(6).tolist() if self.path.shape[1] <= 4096 else None,
        }


def join_with_crossfades(clips: list[np.ndarray], *, sr: int, crossfade_s: float = CROSSFADE_S) -> np.ndarray:
    """Concatenate clips with equal-power crossfades of ``crossfade_s`` seconds: float32 [samples]."""
    n = int(crossfade_s * sr)
    out = np.asarray(clips[0], dtype=np.float64)
    t = np.linspace(0.0, np.pi / 2, n)
    fade_out, fade_in = np.cos(t), np.sin(t)
    for clip in clips[1:]:
        clip = np.asarray(clip, dtype=np.float64)
        k = min(n, len(out), len(clip))
        overlap = out[len(out) - k :] * fade_out[n - k :] + clip[:k] * fade_in[:k]
        out = np.concatenate([out[: len(out) - k], overlap, clip[k:]])
    return out.astype(np.float32)


def render_morph(
    model: AudioModel,
    za: np.ndarray,
    zb: np.ndarray,
    *,
    steps: int = 9,
    method: str = "slerp",
    pitch: int | None | list = None,
    step_models: list[AudioModel] | None = None,
) -> Morph:
    """Interpolate from za to zb in ``steps`` points and render each; step 0 is ``render_safe(za)``.

    pitch : one MIDI pitch for every step, or one per step (see :func:`step_pitches`)
    step_models : optional model per step (same latent_dim), e.g. a GP whose kernel moves from
        A's to B's alongside the latent; by default every step uses ``model``.
    """
    path = interpolate(np.asarray(za, np.float32), np.asarray(zb, np.float32), steps=steps, method=method)
    models = step_models or [model] * steps
    if len(models) != steps:
        raise ValueError(f"step_models has {len(models)} models for {steps} steps")
    pitches = list(pitch) if isinstance(pitch, (list, tuple, np.ndarray)) else [pitch] * steps
    if len(pitches) != steps:
        raise ValueError(f"{len(pitches)} pitches for {steps} steps")
    sounds = [render_safe(m, z, p) for m, z, p in zip(models, path, pitches)]
    joined = make_safe(join_with_crossfades([s.y for s in sounds], sr=model.sample_rate), sr=model.sample_rate)
    return Morph(steps=sounds, path=path, method=method, y=joined, sr=model.sample_rate)


#: How a morph goes from A's pitch to B's: one semitone grid glide, or a step half way.
PITCH_MOVES = ("glide", "step")


def step_pitches(pitch_a: int, pitch_b: int, *, steps: int, how: str = "glide") -> list[int]:
    """The MIDI pitch of each step of a morph between endpoints at their own pitches: ``"glide"``
    moves in whole semitones evenly from A's to B's; ``"step"`` plays A's pitch for the first half
    of the steps and B's for the rest. Step 0 is A's pitch and the last step B's."""
    if how not in PITCH_MOVES:
        raise ValueError(f"how must be one of {PITCH_MOVES}, got {how!r}")
    t = np.linspace(0.0, 1.0, steps)
    if how == "glide":
        return [int(round(pitch_a + (pitch_b - pitch_a) * x)) for x in t]
    return [int(pitch_a) if x < 0.5 else int(pitch_b) for x in t]


def sample_pack(morph: Morph, *, extra: dict | None = None) -> bytes:
    """A ZIP with step_00.wav ... plus morph.wav and path.json, as bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for i, s in enumerate(morph.steps):
            zf.writestr(f"step_{i:02d}.wav", audio_bytes(s.y, sr=s.sr))
        zf.writestr("morph.wav", audio_bytes(morph.y, sr=morph.sr))
        zf.writestr("path.json", json.dumps({**morph.path_json(), **(extra or {})}, indent=1))
    return buf.getvalue()
