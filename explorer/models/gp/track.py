"""The optional ``track`` of a GP kernel JSON: a voiced / unvoiced source that follows an f0 track.

A ``track`` describes a non-stationary GP (a *quasi-periodic* kernel in warped time plus
Bark-band noise) whose parameters change every frame (``hop_s``)::

    "track": {
      "hop_s": 0.01,                    # frame hop, s
      "f0_hz": [112.0, 113.5, 0, ...],  # [T] fundamental per frame, Hz (0: no pitch here; filled in)
      "voicing": [1.0, 0.9, 0.0, ...],  # [T] 0..1, scales the harmonics' power
      "harmonics": [[p_1, ..., p_H], ...],     # [T x H] power (variance) of harmonic h per frame
      "noise_bands": [[q_1, ..., q_J], ...],   # [T x J] power of each Bark band's noise per frame
      "bandwidth_hz": 4.0,              # optional: line width of every harmonic (Lorentzian FWHM), Hz
      "band_split": 1,                  # optional: each Bark band split into this many equal noise bands
      "inharmonicity": 0.0,             # optional: stiff-string B, harmonic h at h f0 sqrt((1 + B h^2) / (1 + B))
      "coherence": 0.0                  # optional: share of each harmonic's power locked to the f0 track's phase
    }

The kernel it stands for (:mod:`explorer.models.gp.voiced` draws it)::

    k(t, t') = sum_h A_h(t) A_h(t') exp(-pi bw |t - t'|) cos(h (phi(t) - phi(t')))
             + sum_j G_j(t) G_j(t') k_j(t - t')

plus, with ``coherence`` c > 0, the mean ``sqrt(2 c) sum_h A_h(t) cos(h phi(t))`` (the covariance
above then scaled by 1 - c, so each harmonic's power stays ``A_h^2``): a voice's harmonics are
phase-locked to its glottal pulses, and a zero-mean draw lets each harmonic fade and turn on its
own (Rayleigh amplitudes), which a listener and a pitch tracker hear as breathy or an octave up.
The draw stays an affine map of the innovations, so slerp between draws is still a draw.

with ``phi(t) = 2 pi int_0^t f0`` (harmonic h's phase is ``h phi``, or ``h s_h phi`` with the
stretch ``s_h = sqrt((1 + B h^2) / (1 + B))`` when ``inharmonicity`` B > 0), ``A_h^2 = voicing x harmonics[:, h]`` and ``G_j^2 =
noise_bands[:, j]`` linearly interpolated between frames (harmonics above 0.95 x Nyquist
fade out), and ``k_j`` the stationary covariance of Bark band j (a Gaussian spectral peak at
the band's centre whose full width at half maximum is the band's width, unit variance). The
bands are those of :func:`explorer.audio.spectrum.bark_bands` at the spec's sample rate, each
split into ``band_split`` equal parts (:func:`noise_bands`), so ``J`` must equal their number. Frames past the end of the lists hold the last frame. (The
noise term is drawn by a short-time filter with 32 ms frames, so its gains follow the frames
to within that resolution.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from explorer.audio.spectrum import bark_bands
from explorer.errors import ParameterError, PresetError
from explorer.models.gp.kernel import finite_number

MAX_FRAMES = 6000
MAX_HARMONICS = 200
MIN_TRACK_HOP_S, MAX_TRACK_HOP_S = 0.001, 0.1
MAX_BANDWIDTH_HZ = 200.0
MAX_BAND_SPLIT = 8


def noise_bands(sr: int, split: int = 1) -> np.ndarray:
    """Edges (lo, hi) Hz of the track's noise bands: the Bark bands, each split in ``split``, [J x 2]."""
    bark = np.asarray(bark_bands(sr), dtype=np.float64)
    parts = np.linspace(0.0, 1.0, int(split) + 1)
    lo = bark[:, :1] + (bark[:, 1:] - bark[:, :1]) * parts[None, :-1]
    hi = bark[:, :1] + (bark[:, 1:] - bark[:, :1]) * parts[None, 1:]
    return np.stack([lo.reshape(-1), hi.reshape(-1)], axis=1)
DEFAULT_BANDWIDTH_HZ = 4.0


def _matrix(values: Any, what: str, rows: int) -> np.ndarray:
    a = np.asarray(values, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] != rows:
        raise ParameterError(f"track {what} must be {rows} rows (one per frame) of equal length, got shape {a.shape}")
    if not np.all(np.isfinite(a)) or np.any(a < 0):
        raise ParameterError(f"track {what} must be finite powers >= 0")
    return a


@dataclass(frozen=True, eq=False)
class Track:
    """A voiced/unvoiced GP source over frames (see the module docstring).

    hop_s : float                 frame hop, s
    f0_hz : float64 [T]           fundamental per frame, Hz (0 where unknown)
    voicing : float64 [T]         0..1
    harmonics : float64 [T x H]   power per harmonic
    noise_bands : float64 [T x J] power per Bark band
    bandwidth_hz : float          harmonic line width (FWHM), Hz
    """

    hop_s: float
    f0_hz: np.ndarray
    voicing: np.ndarray
    harmonics: np.ndarray
    noise_bands: np.ndarray
    bandwidth_hz: float = DEFAULT_BANDWIDTH_HZ
    band_split: int = 1
    inharmonicity: float = 0.0
    coherence: float = 0.0

    def __post_init__(self):
        hop = finite_number(self.hop_s, "track hop_s")
        if not MIN_TRACK_HOP_S <= hop <= MAX_TRACK_HOP_S:
            raise ParameterError(f"track hop_s must be between {MIN_TRACK_HOP_S:g} and {MAX_TRACK_HOP_S:g} s, got {hop}")
        f0 = np.asarray(self.f0_hz, dtype=np.float64).reshape(-1)
        if not 1 <= len(f0) <= MAX_FRAMES:
            raise ParameterError(f"track needs between 1 and {MAX_FRAMES} frames, got {len(f0)}")
        if not np.all(np.isfinite(f0)) or np.any(f0 < 0) or np.any(f0 > 5000):
            raise ParameterError("track f0_hz must be finite, between 0 and 5000 Hz")
        v = np.asarray(self.voicing, dtype=np.float64).reshape(-1)
        if v.shape != f0.shape or not np.all(np.isfinite(v)) or np.any((v < 0) | (v > 1)):
            raise ParameterError("track voicing must hold one value in [0, 1] per frame")
        h = _matrix(self.harmonics, "harmonics", len(f0))
        if not 1 <= h.shape[1] <= MAX_HARMONICS:
            raise ParameterError(f"track harmonics need between 1 and {MAX_HARMONICS} harmonics, got {h.shape[1]}")
        nb = _matrix(self.noise_bands, "noise_bands", len(f0))
        bw = finite_number(self.bandwidth_hz, "track bandwidth_hz")
        if not 0 < bw <= MAX_BANDWIDTH_HZ:
            raise ParameterError(f"track bandwidth_hz must be > 0 and at most {MAX_BANDWIDTH_HZ:g} Hz, got {bw}")
        split = self.band_split
        if isinstance(split, bool) or not isinstance(split, (int, np.integer)) or not 1 <= split <= MAX_BAND_SPLIT:
            raise ParameterError(f"track band_split must be a whole number from 1 to {MAX_BAND_SPLIT}, got {split!r}")
        object.__setattr__(self, "band_split", int(split))
        b = finite_number(self.inharmonicity, "track inharmonicity")
        if not 0.0 <= b <= 0.1:
            raise ParameterError(f"track inharmonicity must be between 0 and 0.1, got {b}")
        object.__setattr__(self, "inharmonicity", b)
        c = finite_number(self.coherence, "track coherence")
        if not 0.0 <= c <= 1.0:
            raise ParameterError(f"track coherence must be between 0 and 1, got {c}")
        object.__setattr__(self, "coherence", c)
        for name, val in (("hop_s", hop), ("f0_hz", f0), ("voicing", v), ("harmonics", h),
                          ("noise_bands", nb), ("bandwidth_hz", bw)):
            object.__setattr__(self, name, val)

    def __eq__(self, other) -> bool:
        if not isinstance(other, Track):
            return NotImplemented
        keys = ("hop_s", "bandwidth_hz", "band_split", "inharmonicity", "coherence")
        return all(getattr(self, k) == getattr(other, k) for k in keys) and all(
            np.array_equal(getattr(self, k), getattr(other, k)) for k in ("f0_hz", "voicing", "harmonics", "noise_bands"))

    __hash__ = None

    @property
    def n_frames(self) -> int:
        return len(self.f0_hz)

    @property
    def n_harmonics(self) -> int:
        return self.harmonics.shape[1]

    @property
    def stretch(self) -> np.ndarray:
        """Frequency of harmonic h over h f0, [H] (ones without inharmonicity)."""
        h = np.arange(1, self.n_harmonics + 1, dtype=np.float64)
        return np.sqrt((1.0 + self.inharmonicity * h**2) / (1.0 + self.inharmonicity))

    def check_rate(self, sr: int) -> None:
        """ParameterError unless ``noise_bands`` has one column per Bark band at ``sr``."""
        j = len(noise_bands(sr, self.band_split))
        if self.noise_bands.shape[1] != j:
            raise ParameterError(f"track noise_bands need {j} columns (the Bark bands at {sr} Hz, each split in "
                                 f"{self.band_split}), got {self.noise_bands.shape[1]}")

    def transposed(self, ratio: float) -> "Track":
        """f0 times ``ratio`` (harmonics pushed above Nyquist fade out when rendered)."""
        return Track(self.hop_s, self.f0_hz * ratio, self.voicing, self.harmonics, self.noise_bands, self.bandwidth_hz,
                     self.band_split, self.inharmonicity, self.coherence)

    def to_json(self) -> dict[str, Any]:
        def r(a):
            return [float(f"{x:.5g}") for x in a]

        out = {
            "hop_s": self.hop_s,
            "f0_hz": r(self.f0_hz),
            "voicing": r(self.voicing),
            "harmonics": [r(row) for row in self.harmonics],
            "noise_bands": [r(row) for row in self.noise_bands],
            "bandwidth_hz": self.bandwidth_hz,
        }
        if self.band_split != 1:
            out["band_split"] = self.band_split
        if self.inharmonicity:
            out["inharmonicity"] = self.inharmonicity
        if self.coherence:
            out["coherence"] = self.coherence
        return out


def parse_track(v: Any, where: str) -> Track:
    """A :class:`Track` from its JSON object, or :class:`PresetError` naming the field."""
    if not isinstance(v, dict):
        raise PresetError(f"{where} must be a JSON object, got {type(v).__name__}")
    missing = [k for k in ("hop_s", "f0_hz", "voicing", "harmonics", "noise_bands") if k not in v]
    if missing:
        raise PresetError(f'{where}: missing "{missing[0]}"')

    def numbers(x, name):
        ok = isinstance(x, list) and all(
            (isinstance(e, (int, float)) and not isinstance(e, bool)) or
            (isinstance(e, list) and all(isinstance(u, (int, float)) and not isinstance(u, bool) for u in e))
            for e in x)
        if not ok:
            raise PresetError(f'{where}.{name} must be a list of numbers (or of lists of numbers)')
        return x

    try:
        return Track(
            v["hop_s"], np.asarray(numbers(v["f0_hz"], "f0_hz"), float), np.asarray(numbers(v["voicing"], "voicing"), float),
            numbers(v["harmonics"], "harmonics"), numbers(v["noise_bands"], "noise_bands"),
            v.get("bandwidth_hz", DEFAULT_BANDWIDTH_HZ), v.get("band_split", 1), v.get("inharmonicity", 0.0),
            v.get("coherence", 0.0),
        )
    except (ParameterError, ValueError) as exc:
        raise PresetError(f"{where}: {exc}") from None
