"""Synthesized test signals with known answers (shared by tests/audio)."""

from __future__ import annotations

import numpy as np

from explorer.audio.constants import SR


def tone(freq_hz: float, seconds: float = 1.0, *, sr: int = SR, amp: float = 0.5, phase: float = 0.3) -> np.ndarray:
    """A pure sine, float32 [round(seconds * sr)]."""
    t = np.arange(int(round(seconds * sr))) / sr  # s
    return (amp * np.sin(2 * np.pi * freq_hz * t + phase)).astype(np.float32)


def note(seconds: float = 1.0, *, sr: int = SR, f0: float = 220.0, seed: int = 0) -> np.ndarray:
    """A harmonic note: 6 decaying partials, light vibrato and noise, float32, peak 0.8."""
    t = np.arange(int(round(seconds * sr))) / sr
    phase = 2 * np.pi * np.cumsum(f0 * (1 + 0.005 * np.sin(2 * np.pi * 5 * t))) / sr  # rad
    y = sum(0.6**k * np.sin((k + 1) * phase) for k in range(6)) * np.exp(-t / 1.5)
    y = y + 0.01 * np.random.default_rng(seed).standard_normal(t.size)
    return (0.8 * y / np.max(np.abs(y))).astype(np.float32)
