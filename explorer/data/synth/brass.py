"""Brass: additive synthesis whose brightness follows loudness.

A brass player's lips buzz harder as they blow harder, and the spectrum of a trumpet or horn
reaches further up the louder it plays; so the partials here roll off above a cutoff that
rises with the envelope (dull at the start of the attack, brassy at full breath). The note
starts a little flat and snaps up to pitch, as lips do.
"""

from __future__ import annotations

import numpy as np

from explorer.data.synth import dsp

NAME = "brass"
PITCH_RANGE = (34, 77)
METHOD = "additive synthesis, brightness following loudness"
DESCRIPTION = (
    "Additive synthesis whose brightness rises with loudness: the harder the player blows, the "
    "further up the harmonics reach, so each note opens from a dull start into a brassy "
    "sustain. The bell adds a broad resonance, and the lips start each note slightly flat and "
    "snap up to pitch."
)


def sample_params(rng: np.random.Generator) -> dict:
    return {
        "brightness": float(rng.uniform(0.3, 1.0)),  # how far the spectrum opens at full loudness
        "bell_hz": float(rng.uniform(700.0, 1800.0)),  # centre of the bell's broad resonance, Hz
        "attack": float(rng.uniform(0.025, 0.1)),  # s
        "blip": float(rng.uniform(10.0, 60.0)),  # cents flat at the very start
        "vibrato_rate": float(rng.uniform(4.8, 6.2)),  # Hz
        "vibrato_depth": float(rng.uniform(0.0, 12.0)),  # cents
        "buzz": float(rng.uniform(0.0, 0.05)),  # breath/lip noise relative to the tone
        "release": float(rng.uniform(0.08, 0.25)),  # s (T60)
    }


def render(pitch: int, velocity: int, p: dict, rng: np.random.Generator) -> np.ndarray:
    v = velocity / 127.0
    f0 = dsp.f0_track(pitch, rng=rng, vibrato_rate=p["vibrato_rate"], vibrato_depth=p["vibrato_depth"],
                      vibrato_delay=0.4, drift=2.0, glide=-p["blip"], glide_time=0.03)
    shape = dict(attack=p["attack"], decay=0.25, sustain=0.8, release=p["release"])
    loud = dsp.adsr(t=dsp.T_CTRL, **shape) * (0.4 + 0.6 * v)  # breath pressure, 0-1
    cutoff = 200.0 + 2600.0 * p["brightness"] * loud**1.5  # Hz
    k = np.arange(1, min(dsp.MAX_PARTIALS, int(dsp.ALIAS_HI / f0.min()) + 1) + 1)
    fk = k[:, None] * dsp.to_control(f0)[None, :]
    amps = np.exp(-((fk / cutoff[None, :]) ** 1.5)) * (0.6 + 1.2 * dsp.peak_gain(fk, center=p["bell_hz"], q=0.8))
    amps[0] *= 0.6  # the fundamental of a brass tube is weaker than the next few partials
    y = dsp.harmonic_sum(f0, amps) * dsp.adsr(**shape)
    buzz = dsp.bandpass(dsp.noise(rng), low=800.0, high=5000.0) * dsp.adsr(**shape)
    return y + dsp.mix_at(buzz, y, ratio=p["buzz"])
