"""How smooth are interpolation paths? (issue 7's measurements, reported by ``eval``.)

For ``n_paths`` random pairs of prior latents, render 9-step slerp and lerp paths and measure the
log-mel distance (dB, mean absolute difference) between consecutive steps, the latent norm at the
midpoint, and how far the midpoint sounds from the model's "average" sound (the render of z = 0
at the same pitch). A smooth morph has small, even steps; the midpoint norm shows lerp drifting
towards the origin while slerp stays near sqrt(d), and the last figure says what that does to
the sound (a smaller distance = a blander, more generic middle).
"""

from __future__ import annotations

import numpy as np

from explorer.audio.features import log_mel_db
from explorer.latent.interpolation import interpolate, norms
from explorer.models.base import AudioModel

PITCHES = (48, 60, 72)


def path_smoothness(model: AudioModel, *, n_paths: int = 20, steps: int = 9, seed: int = 2024) -> dict:
    """Flat dict of path_{slerp,lerp}_step_db_{mean,max} and path_{slerp,lerp}_mid_norm (+ sqrt(d))."""
    from explorer.audio.safety import make_safe

    ends = model.sample_latent(2 * n_paths, seed)
    out: dict[str, float] = {"path_n": n_paths, "path_steps": steps, "path_typical_norm": float(np.sqrt(model.latent_dim))}
    for method in ("slerp", "lerp"):
        step_db, mid, to_origin = [], [], []
        for k in range(n_paths):
            path = interpolate(ends[2 * k], ends[2 * k + 1], steps=steps, method=method)
            path = np.concatenate([path, np.zeros_like(path[:1])])  # + the origin, for reference
            pitch = None if model.pitch_range is None else np.full(steps + 1, PITCHES[k % len(PITCHES)])
            audio = make_safe(model.render(path, pitch), sr=model.sample_rate)
            mels = log_mel_db(audio, sr=model.sample_rate, n_mels=64, amin=1e-8)  # dB, floored 80 dB below 1.0
            origin, mels = mels[-1], mels[:-1]
            step_db.extend(np.mean(np.abs(np.diff(mels, axis=0)), axis=(1, 2)))
            mid.append(norms(path[steps // 2 : steps // 2 + 1])[0])
            to_origin.append(np.mean(np.abs(mels[steps // 2] - origin)))
        out[f"path_{method}_step_db_mean"] = round(float(np.mean(step_db)), 3)
        out[f"path_{method}_step_db_max"] = round(float(np.max(step_db)), 3)
        out[f"path_{method}_mid_norm"] = round(float(np.mean(mid)), 3)
        out[f"path_{method}_mid_to_origin_db"] = round(float(np.mean(to_origin)), 3)
    return out
