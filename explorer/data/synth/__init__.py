"""Procedural note synthesizer: the project's own NSynth-like instrument and voice notes.

Every note is 16 kHz mono, ``N_SAMPLES`` long (~2.05 s), released at 75 % of its length,
labelled with its family, MIDI pitch, velocity and the timbre parameters used. One module per
family holds its synthesis, the parameter ranges it draws from and a short explanation.

>>> y, params = synthesize_note("voice", 57, 90, seed=1)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import ModuleType
from typing import Callable

import numpy as np
from scipy import signal

from explorer.audio.constants import N_SAMPLES, PEAK_DBFS, PITCH_MAX, PITCH_MIN, SR
from explorer.data.synth import analog, bowed, brass, flute, fm, mallet, organ, plucked, reed, voice
from explorer.errors import ParameterError

#: The three velocity levels notes are drawn at (piano, mezzo-forte, forte), MIDI.
VELOCITIES = (50, 90, 127)
#: Peak level of a note at velocity 127, dBFS; softer notes are quieter by 20 log10(v / 127) dB.
NOTE_PEAK_DBFS = PEAK_DBFS - 0.5
#: Bumped whenever a change to the synthesis changes the samples (datasets record it).
SYNTH_VERSION = 1


@dataclass(frozen=True)
class FamilySpec:
    """One instrument family.

    name : label used in datasets; title : for people; pitch_range : (lo, hi) MIDI, inclusive,
    the range notes are drawn from; harmonic : True when the note has a clear periodic pitch at
    the labelled MIDI note (False: inharmonic by design, the label is the fundamental / carrier);
    method : the synthesis technique in a few words; description : a short classroom explanation.
    """

    name: str
    title: str
    pitch_range: tuple[int, int]
    harmonic: bool
    method: str
    description: str
    sample: Callable[[np.random.Generator], dict]
    render: Callable[[int, int, dict, np.random.Generator], np.ndarray]


def _spec(module: ModuleType, title: str, *, harmonic: bool = True) -> FamilySpec:
    return FamilySpec(module.NAME, title, module.PITCH_RANGE, harmonic, module.METHOD, module.DESCRIPTION,
                      module.sample_params, module.render)


FAMILY_SPECS: dict[str, FamilySpec] = {
    s.name: s
    for s in (
        _spec(plucked, "Plucked string"),
        _spec(bowed, "Bowed string"),
        _spec(brass, "Brass"),
        _spec(reed, "Reed"),
        _spec(flute, "Flute"),
        _spec(fm, "FM keys / bells", harmonic=False),
        _spec(mallet, "Mallet", harmonic=False),
        _spec(organ, "Organ"),
        _spec(analog, "Analog synth"),
        _spec(voice, "Voice"),
    )
}
#: Family names, in dataset order.
FAMILIES: tuple[str, ...] = tuple(FAMILY_SPECS)


def family_spec(family: str) -> FamilySpec:
    """The :class:`FamilySpec` of ``family``; ParameterError for an unknown name."""
    try:
        return FAMILY_SPECS[family]
    except (KeyError, TypeError):
        raise ParameterError(f"unknown family {family!r}; choose from {', '.join(FAMILIES)}") from None


def sample_params(family: str, rng: np.random.Generator | int | None = None) -> dict:
    """Draw a random set of timbre parameters for ``family`` (a JSON-ready dict of numbers and strings)."""
    return family_spec(family).sample(np.random.default_rng(rng))


def synthesize_note(
    family: str,
    pitch: int,
    velocity: int,
    *,
    seed: int | None = None,
    params: dict | None = None,
) -> tuple[np.ndarray, dict]:
    """Render one note.

    Parameters
    ----------
    family : str
        one of :data:`FAMILIES`.
    pitch : int
        MIDI note, PITCH_MIN-PITCH_MAX (24-84); any pitch in that range renders, though the
        dataset draws each family's from its own ``pitch_range``.
    velocity : int
        MIDI velocity 1-127: loudness (peak 20 log10(velocity / 127) dB below -1.5 dBFS) and,
        family by family, brightness.
    seed : int or None
        seeds both the timbre parameters and the noise in the sound: the same seed gives the
        same samples, always. None: fresh randomness.
    params : dict or None
        timbre parameters to use instead of drawn ones (a subset is fine: the rest are drawn
        from ``seed``); the noise still follows ``seed``, so changing one parameter with the
        seed fixed changes only that aspect of the sound.

    Returns
    -------
    y : np.ndarray [shape=(N_SAMPLES,), dtype=float32], 16 kHz, peak below -1 dBFS.
    params : dict, every timbre parameter used (JSON-ready).
    """
    spec = family_spec(family)
    if isinstance(pitch, bool) or not isinstance(pitch, (int, np.integer)) or not PITCH_MIN <= pitch <= PITCH_MAX:
        raise ParameterError(f"pitch must be a whole MIDI note {PITCH_MIN}-{PITCH_MAX}, got {pitch!r}")
    if isinstance(velocity, bool) or not isinstance(velocity, (int, np.integer)) or not 1 <= velocity <= 127:
        raise ParameterError(f"velocity must be a whole number 1-127, got {velocity!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
        raise ParameterError(f"seed must be a non-negative integer, got {seed!r}")
    param_rng, noise_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    used = spec.sample(param_rng)
    if params:
        unknown = sorted(set(params) - set(used))
        if unknown:
            raise ParameterError(f"{family} has no parameter {', '.join(unknown)}; it has {', '.join(used)}")
        for name, value in params.items():
            if isinstance(used[name], float) and not (isinstance(value, (int, float)) and math.isfinite(value)):
                raise ParameterError(f"{family} parameter {name} must be a finite number, got {value!r}")
        used.update(params)
    try:
        y = spec.render(int(pitch), int(velocity), used, noise_rng)
    except ValueError as exc:  # a parameter value the synthesis cannot use
        raise ParameterError(f"{family}: {exc}") from None
    return _finish(y, velocity=int(velocity)), used


def _finish(y: np.ndarray, *, velocity: int) -> np.ndarray:
    """DC blocked, 1 ms fade-in, 20 ms fade-out, peak at the velocity's level; float32."""
    r = 1.0 - 2.0 * np.pi * 10.0 / SR  # one-pole DC blocker, -3 dB at ~10 Hz
    y = signal.lfilter([1.0, -1.0], [1.0, -r], np.asarray(y, dtype=np.float64))
    n_in, n_out = int(0.001 * SR), int(0.02 * SR)
    y[:n_in] *= np.sin(0.5 * np.pi * np.arange(n_in) / n_in) ** 2
    y[-n_out:] *= np.cos(0.5 * np.pi * np.arange(1, n_out + 1) / n_out) ** 2
    peak = np.max(np.abs(y))
    if not np.isfinite(peak) or peak <= 0.0:
        raise RuntimeError("note synthesis produced silence or non-finite samples")  # a bug, not user input
    level = 10.0 ** ((NOTE_PEAK_DBFS + 20.0 * math.log10(velocity / 127.0)) / 20.0)
    out = (y * (level / peak)).astype(np.float32)
    assert out.shape == (N_SAMPLES,)
    return out
