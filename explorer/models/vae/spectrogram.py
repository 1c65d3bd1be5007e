"""The VAE's spectrogram: log|S| of a level-normalised note, and the way back to audio.

Analysis: the log-magnitude STFT (``n_fft=1024, hop_length=256``, periodic Hann, centred
frames with the ends mirrored, ``pad_mode="reflect"``, as the shipped models were trained),
513 bins x 128 frames (the 129th, after the release tail, is left out for the network).

Synthesis: the decoded magnitude is turned into audio by the audio core's fast Griffin-Lim
(:func:`explorer.audio.phase.griffin_lim_from`, momentum 0.99) started from a *pitch-locked*
phase: every bin gets the phase of the harmonic of f0 nearest to it, advancing at that
harmonic's frequency (a phase-vocoder-style initial guess that is already nearly consistent
for harmonic notes), so a handful of iterations suffice.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import torch

from explorer.audio.phase import griffin_lim_from
from explorer.audio.pitch import midi_to_hz
from explorer.audio.stft import stft_t

#: Every note is brought to this RMS before analysis (so encodings ignore the recording level).
TARGET_RMS = 0.1
#: How the centred STFT pads the ends of a note (torch's default, which the models were trained with).
PAD_MODE = "reflect"


def normalize_level(y: np.ndarray | torch.Tensor, *, rms: float = TARGET_RMS):
    """Scale each row of ``y`` [..., n] to the given RMS (silent rows are left alone)."""
    if isinstance(y, torch.Tensor):
        level = y.pow(2).mean(-1, keepdim=True).sqrt()
        return y * (rms / level.clamp_min(1e-8))
    y = np.asarray(y, dtype=np.float32)
    level = np.sqrt(np.mean(y.astype(np.float64) ** 2, axis=-1, keepdims=True))
    return (y * (rms / np.maximum(level, 1e-8))).astype(np.float32)


def log_magnitude(y: torch.Tensor, *, config: dict[str, Any]) -> torch.Tensor:
    """Log-magnitude STFT of level-normalised notes.

    y : Tensor[B x N_SAMPLES] (float32, any level; normalised to ``TARGET_RMS`` here)
    Returns Tensor[B x 513 x 128]: log(|STFT| + log_eps), natural log, not yet standardised.
    """
    y = normalize_level(y.float())
    spec = stft_t(y, n_fft=config["n_fft"], hop_length=config["hop_length"], pad_mode=PAD_MODE).transpose(1, 2)
    return torch.log(spec.abs()[..., : config["n_frames"]] + config["log_eps"])


def magnitude(logmag: np.ndarray | torch.Tensor, *, log_eps: float) -> torch.Tensor:
    """log|S| [n x 513 x 128] -> |S| [n x 513 x 129] (the last frame silent), float32 Tensor."""
    logmag = torch.as_tensor(logmag, dtype=torch.float32)
    mag = (torch.exp(logmag) - log_eps).clamp_min(0.0)
    return torch.nn.functional.pad(mag, (0, 1))


def pitch_locked_phase(pitch: np.ndarray, *, n_frames: int, config: dict[str, Any],
                       cents: torch.Tensor | None = None) -> torch.Tensor:
    """A phase guess for a harmonic note at each MIDI pitch: Tensor[B x 513 x n_frames] (radians).

    Bin k takes harmonic h = round(f_k / f0) and its phase advances at h * f0 from frame to frame
    (phi = 2 pi h f0 t_frame + phi_h - pi k: the -pi k is the linear phase of a centred Hann
    frame). phi_h are fixed pseudo-random starting phases (so harmonics do not all peak together).
    With ``cents`` [B x T'] (the decoded pitch track, T' <= n_frames frames; later frames hold
    its last value) the phase advances at h * f0 * 2^(cents/1200) instead: a vibrato's partials
    start Griffin-Lim where they are, not where a steady note would be.
    """
    pitch = np.asarray(pitch, dtype=np.float64).reshape(-1)
    rows = [_locked_phase(float(p), n_frames, config["sr"], config["n_fft"], config["hop_length"]) for p in pitch]
    if cents is None:
        return torch.stack(rows)
    sr, n_fft, hop = config["sr"], config["n_fft"], config["hop_length"]
    cents = torch.nn.functional.pad(cents.float(), (0, n_frames - cents.shape[-1]), mode="replicate")
    f0 = torch.from_numpy(midi_to_hz(pitch)).float()[:, None]  # Hz [B x 1]
    ratio = 2.0 ** (cents / 1200.0)
    ahead = torch.cumsum(0.5 * (ratio[:, 1:] + ratio[:, :-1]) - 1.0, dim=-1)  # frames' worth gained, trapezoid
    extra = 2 * np.pi * f0 * torch.nn.functional.pad(ahead, (1, 0)) * hop / sr  # rad of the fundamental [B x T]
    k = torch.arange(n_fft // 2 + 1, dtype=torch.float32)
    harmonic = torch.clamp(torch.round(k[None, :] * sr / n_fft / f0), min=1.0)  # [B x K]
    return torch.remainder(torch.stack(rows) + harmonic[:, :, None] * extra[:, None, :], 2 * np.pi)


@functools.lru_cache(maxsize=128)
def _locked_phase(pitch: float, n_frames: int, sr: int, n_fft: int, hop: int) -> torch.Tensor:
    f0 = midi_to_hz(pitch)  # Hz
    k = np.arange(n_fft // 2 + 1)
    harmonic = np.maximum(np.round(k * sr / n_fft / f0), 1.0)  # [K]
    phi_h = np.random.default_rng(12345).uniform(-np.pi, np.pi, 1024)[np.minimum(harmonic.astype(int), 1023)]
    t = np.arange(n_frames) * hop / sr  # s
    phase = 2 * np.pi * (harmonic * f0)[:, None] * t + (phi_h - np.pi * k)[:, None]  # rad [K x T]
    out = torch.from_numpy(np.mod(phase, 2 * np.pi)).float()
    out.requires_grad_(False)
    return out  # shared by the cache: never modified in place


def griffin_lim(mag: torch.Tensor, phase: torch.Tensor, *, n_iter: int, config: dict[str, Any],
                momentum: float = 0.99) -> torch.Tensor:
    """Fast Griffin-Lim (Perraudin et al. 2013) from a given starting phase, by the audio core.

    mag, phase : Tensor[B x 513 x T] (|S| in units, rad); returns audio Tensor[B x (T - 1) * hop_length].
    """
    return griffin_lim_from(mag, phase, n_fft=config["n_fft"], hop_length=config["hop_length"], n_iter=n_iter,
                            momentum=momentum)
