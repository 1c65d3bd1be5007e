"""FM keys and bells: two-operator frequency modulation (Chowning; the DX7 electric piano).

A carrier sine at the note's pitch has its phase wobbled by a modulator at ``ratio`` times the
pitch. The modulation index (how hard it wobbles) sets how many sidebands appear, and it
decays faster than the note, so the tone starts bright and settles. Integer ratios give
harmonic, electric-piano-like tones; other ratios give the inharmonic partials of bells.
"""

from __future__ import annotations

import numpy as np

from explorer.data.synth.dsp import ALIAS_LO, T, adsr, midi_to_hz

NAME = "fm_keys"
PITCH_RANGE = (36, 84)
METHOD = "two-operator FM synthesis"
DESCRIPTION = (
    "Frequency modulation, as in the DX7's electric pianos and bells: a carrier sine at the "
    "note's pitch has its phase wobbled by a second sine at a frequency ratio. The modulation "
    "index sets how many sidebands appear; it decays faster than the note, so the tone starts "
    "bright and settles. Whole-number ratios give keys; other ratios give bell-like, "
    "inharmonic partials. A fast high 'tine' adds the bark of the hammer."
)


def sample_params(rng: np.random.Generator) -> dict:
    if rng.random() < 0.55:  # keys: whole-number ratio, barely detuned so it shimmers
        ratio = float(rng.choice([1.0, 1.0, 2.0, 3.0]) + rng.uniform(-0.002, 0.002))
    else:  # bells: an inharmonic ratio
        ratio = float(rng.uniform(1.15, 4.6))
    return {
        "ratio": ratio,  # modulator frequency / carrier frequency
        "index": float(rng.uniform(0.5, 4.5)),  # peak modulation index (before the anti-alias cap)
        "index_decay": float(rng.uniform(0.08, 1.2)),  # time constant of the index, s
        "decay_s": float(rng.uniform(1.0, 5.0)),  # ring time (T60) at middle C, s
        "tine": float(rng.uniform(0.0, 1.0)),  # level of the hammer 'tine' transient
        "tine_ratio": float(rng.uniform(5.0, 14.0)),
        "detune_cents": float(rng.uniform(0.0, 7.0)),  # a second, detuned voice (chorus)
        "release": float(rng.uniform(0.1, 0.4)),  # s (T60)
    }


def _fm(f_c: float, f_m: float, index: np.ndarray) -> np.ndarray:
    cap = max((ALIAS_LO - f_c) / f_m - 1.0, 0.0)  # Carson's rule: keep the sidebands below Nyquist
    return np.sin(2.0 * np.pi * f_c * T + np.minimum(index, cap) * np.sin(2.0 * np.pi * f_m * T))


def render(pitch: int, velocity: int, p: dict, rng: np.random.Generator) -> np.ndarray:
    v = velocity / 127.0
    f0 = midi_to_hz(pitch)
    t60 = float(np.clip(p["decay_s"] * (261.6 / f0) ** 0.4, 0.4, 10.0))
    index = p["index"] * (0.5 + 0.7 * v) * (0.15 + 0.85 * np.exp(-T / p["index_decay"]))  # harder = brighter
    f_d = f0 * 2.0 ** (p["detune_cents"] / 1200.0)
    y = _fm(f0, p["ratio"] * f0, index) + 0.7 * _fm(f_d, p["ratio"] * f_d, index)
    tine = _fm(f0, p["tine_ratio"] * f0, 2.0 * v * np.exp(-T / 0.01)) * np.exp(-T / 0.06)
    y = y + 0.8 * p["tine"] * v * tine
    return y * adsr(attack=0.002, decay=t60, sustain=0.0, release=p["release"])
