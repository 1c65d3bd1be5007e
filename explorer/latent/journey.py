"""Latent journeys: a smooth random walk through waypoints, rendered as one continuous sound.

After the user's "babbling agent" notes and GANSynth's timbre-over-time demo: notes (VAE, GAN)
are struck at a steady rate while the latent glides along a slerp path through random
waypoints; for the GP the draws are crossfaded into one evolving texture.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explorer.audio.safety import make_safe
from explorer.errors import ParameterError
from explorer.latent.interpolation import path_through
from explorer.models.base import AudioModel
from explorer.latent.morph import join_with_crossfades
from explorer.render import check_pitch

MAX_JOURNEY_S = 60.0


@dataclass
class Journey:
    path: np.ndarray  # float32 [points x latent_dim]
    waypoints: np.ndarray  # float32 [n_waypoints x latent_dim]
    y: np.ndarray  # safe audio [samples]
    sr: int


def overlap_notes(notes: np.ndarray, *, hop: int) -> np.ndarray:
    """Overlap-add notes [n x samples] struck every ``hop`` samples: [samples + (n-1) * hop]."""
    n, length = notes.shape
    out = np.zeros(length + (n - 1) * hop, dtype=np.float64)
    for k in range(n):
        out[k * hop : k * hop + length] += notes[k]
    return out


def render_journey(
    model: AudioModel,
    *,
    seed: int,
    n_waypoints: int = 4,
    duration_s: float = 12.0,
    note_every_s: float = 0.5,
    pitches: list[int] | None = None,
) -> Journey:
    """Render a journey of about ``duration_s`` seconds through ``n_waypoints`` random waypoints.

    pitches : MIDI notes cycled through for pitched models (default: the model's default pitch).
    For models without pitch (GP) each point is a draw, crossfaded over half its length.
    """
    if not 2 <= n_waypoints <= 16:
        raise ParameterError("a journey needs 2-16 waypoints")
    if not 2.0 <= duration_s <= MAX_JOURNEY_S:
        raise ParameterError(f"journey length must be 2-{MAX_JOURNEY_S:.0f} s")
    sr = model.sample_rate
    waypoints = model.sample_latent(n_waypoints, seed)
    if model.pitch_range is None:
        clip = model.render(waypoints[:1])[0]
        clip_s = len(clip) / sr
        points = max(int(np.ceil(duration_s / (clip_s / 2))), n_waypoints)
        path = path_through(waypoints, steps_per_leg=max(1, points // (n_waypoints - 1)))
        clips = [make_safe(c, sr=sr) for c in model.render(path)]
        y = join_with_crossfades(clips, sr=sr, crossfade_s=clip_s / 2)
    else:
        pitches = [check_pitch(model, p) for p in (pitches or [None])]
        hop = int(note_every_s * sr)
        points = max(int(duration_s / note_every_s), n_waypoints)
        path = path_through(waypoints, steps_per_leg=max(1, points // (n_waypoints - 1)))
        pitch = np.array([pitches[k % len(pitches)] for k in range(len(path))])
        notes = make_safe(model.render(path, pitch), sr=sr)
        y = overlap_notes(notes, hop=hop)
    return Journey(path=path, waypoints=waypoints, y=make_safe(y, sr=sr), sr=sr)
