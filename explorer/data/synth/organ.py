"""Organ: a tonewheel organ's drawbars, percussion, key click and rotary speaker.

Each drawbar adds one pure sine at a fixed harmonic of the key (8' the fundamental, 4' the
octave, 2 2/3' the twelfth ...), so the timbre is a mix chosen by the player and held for as
long as the key is down. The rotary (Leslie) speaker sweeps loudness and pitch a little;
"percussion" is a decaying harmonic added at the onset.
"""

from __future__ import annotations

import numpy as np

from explorer.data.synth.dsp import T, T_CTRL, adsr, f0_track, harmonic_sum, lowpass, mix_at, noise

NAME = "organ"
PITCH_RANGE = (24, 84)
METHOD = "tonewheel drawbar additive synthesis"
DESCRIPTION = (
    "A tonewheel organ: each drawbar adds one pure sine at a fixed harmonic of the key "
    "(8' the fundamental, 4' the octave, 2 2/3' the twelfth ...), so the timbre is a mix the "
    "player sets and holds as long as the key is down. The sub-octave drawbars are left out so "
    "the fundamental is always the note. A rotary speaker sweeps loudness and pitch; "
    "'percussion' adds a decaying harmonic at the onset, and the key contacts click."
)

#: Drawbar name -> harmonic of the key it sounds.
DRAWBARS = {"db_8ft": 1, "db_4ft": 2, "db_2_23ft": 3, "db_2ft": 4, "db_1_35ft": 5, "db_1_13ft": 6, "db_1ft": 8}


def sample_params(rng: np.random.Generator) -> dict:
    p = {"db_8ft": float(rng.uniform(0.5, 1.0))}
    for name, top in zip(list(DRAWBARS)[1:], (1.0, 0.8, 0.8, 0.5, 0.5, 0.6)):
        p[name] = float(rng.uniform(0.0, top))  # drawbar pulled out, 0 (in) - 1 (all the way)
    fast = rng.random() < 0.4
    p.update({
        "percussion": float(rng.uniform(0.0, 1.0)) if rng.random() < 0.5 else 0.0,
        "percussion_harmonic": int(rng.choice([2, 3])),
        "percussion_decay": float(rng.uniform(0.2, 0.8)),  # T60, s
        "key_click": float(rng.uniform(0.0, 1.0)),
        "leslie_rate": float(rng.uniform(5.5, 7.0) if fast else rng.uniform(0.6, 1.0)),  # Hz
        "leslie_depth": float(rng.uniform(0.0, 1.0)),
        "release": float(rng.uniform(0.03, 0.12)),  # s (T60)
    })
    return p


def render(pitch: int, velocity: int, p: dict, rng: np.random.Generator) -> np.ndarray:
    rate, depth = p["leslie_rate"], p["leslie_depth"]
    f0 = f0_track(pitch, rng=rng, vibrato_rate=rate, vibrato_depth=6.0 * depth, vibrato_delay=1e-3)
    amps = np.zeros((8, T_CTRL.size))
    for name, h in DRAWBARS.items():
        level = p[name]
        if level > 0.02:  # each drawbar step is 3 dB; 8 steps
            amps[h - 1] = 10.0 ** (-24.0 * (1.0 - level) / 20.0)
    h = p["percussion_harmonic"]
    amps[h - 1] += p["percussion"] * (velocity / 127.0) * np.exp(-T_CTRL / (p["percussion_decay"] / 6.9))
    k = np.arange(1, 9)[:, None]
    amps *= 1.0 + 0.35 * depth * np.sin(2.0 * np.pi * rate * T_CTRL[None, :] + 0.7 * k)  # rotary horn and drum
    y = harmonic_sum(f0, amps) * adsr(attack=0.006, decay=0.1, sustain=1.0, release=p["release"])
    click = lowpass(noise(rng), cutoff=3500.0) * np.exp(-T / 0.004)
    return y + mix_at(click, y, ratio=0.04 * p["key_click"])
