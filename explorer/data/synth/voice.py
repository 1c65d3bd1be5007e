"""Voice: a source-filter vowel model.

The vocal folds produce a buzz of harmonics falling about 12 dB per octave (the glottal
source); the throat and mouth shape it with resonances, the formants, whose frequencies
define the vowel (/a/ has F1 high and F2 low, /i/ F1 low and F2 high). Here every harmonic's
amplitude is read off the formant filter at its current frequency, so vibrato makes the
harmonics glint as they cross the formants, and vowels can blend and glide (diphthongs).
Breath is noise through the same formants, pulsing with each glottal cycle.
"""

from __future__ import annotations

import numpy as np

from explorer.data.synth.dsp import (
    ALIAS_HI,
    MAX_PARTIALS,
    RELEASE_AT_S,
    T_CTRL,
    adsr,
    f0_track,
    formant_gain,
    harmonic_sum,
    mix_at,
    noise,
    resonator_bank,
    smooth_noise,
    to_control,
)
from explorer.audio.constants import SR

NAME = "voice"
PITCH_RANGE = (40, 81)
METHOD = "source-filter formant synthesis"
DESCRIPTION = (
    "Source-filter model of a sung vowel: the vocal folds give a buzz of harmonics (the glottal "
    "source) and the mouth and throat shape it with resonances, the formants, whose frequencies "
    "make the vowel (/a/: F1 high, F2 low; /i/: F1 low, F2 high). Vowels can blend or glide "
    "into each other; vibrato makes harmonics glint as they cross the formants, and breathiness "
    "adds noise shaped by the same formants."
)

#: Formant frequencies F1-F5 (Hz) of an adult male voice (Peterson & Barney for F1-F3).
VOWELS = {
    "a": (730.0, 1090.0, 2440.0, 3400.0, 4000.0),
    "e": (530.0, 1840.0, 2480.0, 3400.0, 4000.0),
    "i": (270.0, 2290.0, 3010.0, 3500.0, 4100.0),
    "o": (570.0, 840.0, 2410.0, 3400.0, 4000.0),
    "u": (300.0, 870.0, 2240.0, 3300.0, 4000.0),
}
BANDWIDTHS = np.array([70.0, 90.0, 120.0, 160.0, 200.0])  # Hz


def sample_params(rng: np.random.Generator) -> dict:
    names = list(VOWELS)
    return {
        "vowel": str(rng.choice(names)),
        "vowel_to": str(rng.choice(names)),  # the vowel it blends or glides towards
        "blend": float(rng.uniform(0.0, 1.0)) if rng.random() < 0.6 else 0.0,  # 0: pure 'vowel'
        "glide": float(rng.uniform(0.0, 1.0)),  # 0: a static blend ... 1: a diphthong reaching it at release
        "formant_scale": float(rng.uniform(0.85, 1.25)),  # vocal tract size (higher: shorter, child-like)
        "tilt": float(rng.uniform(0.4, 1.2)),  # source roll-off: harmonic k ~ k^-tilt
        "breathiness": float(rng.uniform(0.0, 0.6)),
        "vibrato_rate": float(rng.uniform(4.5, 6.5)),  # Hz
        "vibrato_depth": float(rng.uniform(10.0, 70.0)),  # cents
        "vibrato_delay": float(rng.uniform(0.2, 0.7)),  # s
        "scoop": float(rng.uniform(0.0, 50.0)),  # cents below the note at the onset
        "attack": float(rng.uniform(0.04, 0.18)),  # s
        "release": float(rng.uniform(0.1, 0.3)),  # s (T60)
    }


def render(pitch: int, velocity: int, p: dict, rng: np.random.Generator) -> np.ndarray:
    if p["vowel"] not in VOWELS or p["vowel_to"] not in VOWELS:
        raise ValueError(f"vowels are {', '.join(VOWELS)}")
    v = velocity / 127.0
    f0 = f0_track(pitch, rng=rng, vibrato_rate=p["vibrato_rate"], vibrato_depth=p["vibrato_depth"],
                  vibrato_delay=p["vibrato_delay"], drift=4.0, glide=-p["scoop"], glide_time=0.06)
    ramp = np.clip(T_CTRL / RELEASE_AT_S, 0.0, 1.0)
    w = p["blend"] * ((1.0 - p["glide"]) + p["glide"] * ramp * ramp * (3.0 - 2.0 * ramp))  # [frames]
    fa, fb = np.array(VOWELS[p["vowel"]]), np.array(VOWELS[p["vowel_to"]])
    formants = ((1.0 - w)[None, :] * fa[:, None] + w[None, :] * fb[:, None]) * p["formant_scale"]  # Hz [5 x frames]
    formants[0] = np.maximum(formants[0], 1.1 * to_control(f0))  # singers tune F1 up to a high note
    bandwidths = BANDWIDTHS * np.sqrt(p["formant_scale"])
    k = np.arange(1, min(MAX_PARTIALS, int(ALIAS_HI / f0.min()) + 1) + 1)
    fk = k[:, None] * to_control(f0)[None, :]
    tilt = p["tilt"] + 0.5 * (1.0 - v) + 0.8 * p["breathiness"]  # soft or breathy: darker source
    amps = k[:, None] ** -tilt * formant_gain(fk, formants, bandwidths)
    env = adsr(attack=p["attack"], decay=0.4, sustain=0.9, release=p["release"])
    shimmer = 1.0 + 0.03 * smooth_noise(rng, rate_hz=20.0)
    y = harmonic_sum(f0, amps) * env * shimmer
    # Breath: noise through the (average) formants, pulsing with each glottal cycle.
    phi = 2.0 * np.pi * np.cumsum(f0) / SR
    pulse = 0.3 + 0.7 * (0.5 + 0.5 * np.cos(phi)) ** 2
    aspiration = resonator_bank(noise(rng), formants.mean(axis=1), 1.5 * bandwidths) * pulse * env
    return y + mix_at(aspiration, y, ratio=0.7 * p["breathiness"])
