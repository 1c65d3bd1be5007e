"""What each of a GAN's principal directions does to the sound, in words that hold for most notes.

For every direction, ``n`` random seeds at pitches 40-76 are rendered at -``amount`` and
+``amount`` standard deviations along it (through the model's own decoding, harmonic lock
included). Per note pair: the RMS log-mel change at equal loudness (``effect_db``) and the change of
each timbre descriptor (:data:`explorer.audio.features.DESCRIPTORS`) in standard deviations of
that descriptor over every note rendered here. The label follows the rule of
:func:`explorer.latent.labels.honest_label` (shared with the VAE's sliders).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from explorer.audio.constants import HOP_LENGTH, N_FFT, SR
from explorer.audio.features import DESCRIPTORS, descriptors, log_mel_db
from explorer.audio.stft import stft
from explorer.latent.labels import honest_label


def _timbre(y: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Log-mel (dB, at equal RMS) [n x 64 x T] and descriptors {name: [n]} of audio [n x samples]."""
    y = y / np.maximum(np.sqrt(np.mean(y**2, axis=1, keepdims=True)), 1e-9)  # loudness is not timbre
    mel = log_mel_db(y, sr=SR, n_fft=2048, hop_length=512, n_mels=64, amin=1e-6)
    return mel, descriptors(np.abs(stft(y, n_fft=N_FFT, hop_length=HOP_LENGTH)), sr=SR, hop_length=HOP_LENGTH)


def direction_report(model, *, n: int = 24, amount: float = 2.0, seed: int = 1) -> list[dict[str, Any]]:
    """One entry per principal direction, in the model's order: ``effect_db`` (float, dB),
    ``label`` (str, "" when no word holds for most notes) and ``moves`` (mean change of each
    descriptor, standard deviations). [] for a model without directions."""
    dirs = model.directions
    if dirs is None or len(dirs.vectors) == 0:
        return []
    z = model.sample_latent(n, seed)
    pitch = np.resize(np.arange(40, 77, 3), n).astype(np.float64)
    effects, changes, seen = [], [], {k: [] for k in DESCRIPTORS}
    for u, sd in zip(dirs.vectors, dirs.stdev):
        shift = (u * sd * amount)[None, :].astype(np.float32)
        y = model.render(np.concatenate([z - shift, z + shift]), np.concatenate([pitch, pitch]))
        mel, desc = _timbre(np.nan_to_num(y))
        mel = np.maximum(mel, mel.max() - 80.0)  # one floor for the whole batch
        effects.append(float(np.sqrt(np.mean((mel[:n] - mel[n:]) ** 2))))
        changes.append({k: desc[k][n:] - desc[k][:n] for k in DESCRIPTORS})
        for k in DESCRIPTORS:
            seen[k].append(desc[k])
    # in units of each descriptor's spread over every note rendered here (all moves pooled)
    spread = {k: max(float(np.std(np.concatenate(seen[k]))), 1e-9) for k in DESCRIPTORS}
    out = []
    for effect, change in zip(effects, changes):
        scaled = {k: change[k] / spread[k] for k in DESCRIPTORS}
        out.append({"effect_db": round(effect, 2), "label": honest_label(scaled),
                    "moves": {k: round(float(v.mean()), 2) for k, v in scaled.items()}})
    return out
