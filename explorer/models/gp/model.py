"""Gaussian-process audio: spectral-mixture kernels, exact FFT sampling, kernel builders, JSON.

The kernel is the spectral mixture of DESIGN.md section 5 (a contract)::

    k(tau) = noise * delta(tau) + sum_q weight_q * exp(-tau^2 / (2 lengthscale_q^2)) * cos(2 pi mean_q tau)

Its power spectral density is a sum of Gaussians: component q puts power ``weight_q`` in a
Gaussian centred at ``+-mean_q`` Hz with standard deviation ``1 / (2 pi lengthscale_q)`` Hz
(Bochner's theorem; the user's seed derived the same Fourier pair with SymPy).

Sampling is exact by **circulant embedding**: the first row of the N x N Toeplitz covariance is
wrapped into a symmetric circulant of size M >= 2N, whose eigenvalues are one FFT of that row.
A draw is ``x = (C^{1/2} z)[:N]`` with real white-noise innovations ``z ~ N(0, I_M)``, i.e. a
*linear* map of ``z``: the same ``z`` and kernel give the same sound, and any slerp between two
``z`` stays a draw of the same GP. Negative eigenvalues (a kernel that has not decayed by the
end of the clip) are clipped to zero and the clipped share of power is reported
(:meth:`GPModel.clipped_power_fraction`).

GP kernel JSON (contract fields, plus the optional fields this module adds)::

    {
      "sample_rate": 44100,                 # one of explorer.audio.GP_SAMPLE_RATES
      "duration_s": 2.0,                    # 0.01 .. 30
      "kernel": {"components": [{"weight": 1.0, "mean_hz": 261.63, "lengthscale_s": 0.25,
                                 "decay_s": 1.5}],          # decay_s: optional (added)
                 "noise": 0.0},
      "envelope": {"attack_s": 0.01, "decay_s": 0.4, "sustain": 0.5, "release_s": 0.5},
      "pitch_midi": 60,                     # optional (added): the fundamental of a harmonic kernel
      "blocks": {"hop_s": 0.05, "crossfade_s": 0.01,       # optional (added): piecewise kernels
                 "kernels": [{"components": [...], "noise": 0.0}, ...]},
      "amplitude": {"hop_s": 0.005, "values": [0.0, 0.1, ...]},   # optional (added)
      "description": "..."                  # optional (added)
    }

Added fields, all optional (a reader that knows only the contract still renders ``kernel``):

- ``components[q].decay_s``: the component's amplitude decays as ``exp(-t / decay_s)`` from the
  start of the sound (its power weight as ``exp(-2 t / decay_s)``); a piano-like note has
  shorter decays for higher partials. Rendered without blocks, so phases stay coherent: the
  draw's frequency bins are split by which component dominates them, and each group of bins
  (an exactly stationary, mutually independent part of the draw) is multiplied by its
  component's decay, an evolving spectrum in Priestley's sense. Inside ``blocks`` a
  component's decay is evaluated at each block's centre.
- ``pitch_midi``: the MIDI pitch a harmonic kernel was built on; ``render(z, pitch)`` then
  transposes every mean by ``2 ** ((pitch - pitch_midi) / 12)`` (partials pushed above Nyquist
  are dropped). Absent: the kernel is not harmonic and ``pitch`` is ignored.
- ``blocks``: a piecewise-stationary sound. Block b covers samples ``[b * hop, b * hop + hop +
  crossfade)`` and is an exact stationary draw of ``kernels[b]`` (the last kernel holds if the
  sound is longer than the list); neighbours overlap by ``crossfade_s`` with sine/cosine
  (power-complementary) windows, so the variance never dips or jumps at a join. ``kernel``
  then holds a stationary summary (e.g. the whole-clip fit).
- ``amplitude``: a slowly varying gain curve (e.g. the demodulated envelope of a fitted
  recording), ``values[i]`` at time ``i * hop_s``, linearly interpolated, last value held.
- ``envelope`` (contract): ADSR; attack is linear, decay and release are exponential-shaped
  curves that reach their target exactly at ``decay_s`` / ``release_s``; the release starts
  ``release_s`` before the end of the sound.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import scipy.fft

from explorer.audio.constants import GP_MAX_DURATION_S, GP_SAMPLE_RATES
from explorer.audio.spectrum import bark_bands
from explorer.errors import CheckpointError, ParameterError, PresetError
from explorer.models.base import LatentAudioModel
from explorer.paths import GP_PRESET_DIR

#: Most components one kernel may hold (a 10,000-component kernel is refused).
MAX_COMPONENTS = 512
#: Most components over all blocks of a piecewise kernel.
MAX_TOTAL_COMPONENTS = 65536
MAX_BLOCKS = 6000
MAX_AMPLITUDE_VALUES = 100_000
MIN_DURATION_S = 0.01
MAX_LENGTHSCALE_S = 100.0
MIN_HOP_S, MAX_HOP_S = 0.005, 1.0
#: MIDI range a harmonic kernel may be transposed to.
PITCH_RANGE = (24, 108)
PRESET_DIR = GP_PRESET_DIR
_ENVELOPE_FIELDS = ("attack_s", "decay_s", "sustain", "release_s")


def midi_to_hz(pitch: float) -> float:
    """MIDI note number -> fundamental frequency, Hz (A4 = 69 = 440 Hz)."""
    return 440.0 * 2.0 ** ((float(pitch) - 69.0) / 12.0)


def _finite(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ParameterError(f"{what} must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ParameterError(f"{what} must be a finite number, got {value}")
    return value


# --------------------------------------------------------------------------------------------
# kernel


@dataclass(frozen=True)
class Component:
    """One spectral-mixture component.

    weight : float         power (variance) of the component, >= 0
    mean_hz : float        centre frequency, Hz, >= 0
    lengthscale_s : float  seconds, > 0; the spectral peak's std is 1 / (2 pi lengthscale_s) Hz
    decay_s : float or None   optional amplitude e-folding time from the start of the sound, s
    """

    weight: float
    mean_hz: float
    lengthscale_s: float
    decay_s: float | None = None

    def __post_init__(self):
        w = _finite(self.weight, "weight")
        if w < 0:
            raise ParameterError(f"weight must be >= 0, got {w}")
        m = _finite(self.mean_hz, "mean_hz")
        if m < 0:
            raise ParameterError(f"mean_hz must be >= 0 Hz, got {m}")
        ls = _finite(self.lengthscale_s, "lengthscale_s")
        if not 0 < ls <= MAX_LENGTHSCALE_S:
            raise ParameterError(f"lengthscale_s must be > 0 and at most {MAX_LENGTHSCALE_S:g} s, got {ls}")
        object.__setattr__(self, "weight", w)
        object.__setattr__(self, "mean_hz", m)
        object.__setattr__(self, "lengthscale_s", ls)
        if self.decay_s is not None:
            d = _finite(self.decay_s, "decay_s")
            if d <= 0:
                raise ParameterError(f"decay_s must be > 0 s, got {d}")
            object.__setattr__(self, "decay_s", d)

    @property
    def bandwidth_hz(self) -> float:
        """Standard deviation of the component's spectral Gaussian, Hz."""
        return 1.0 / (2.0 * math.pi * self.lengthscale_s)


@dataclass(frozen=True)
class SMKernel:
    """A spectral-mixture kernel: components plus white noise (variance per sample)."""

    components: tuple[Component, ...]
    noise: float = 0.0

    def __post_init__(self):
        comps = tuple(self.components)
        if len(comps) == 0:
            raise ParameterError("a kernel needs at least one component")
        if len(comps) > MAX_COMPONENTS:
            raise ParameterError(f"a kernel may hold at most {MAX_COMPONENTS} components, got {len(comps)}")
        if not all(isinstance(c, Component) for c in comps):
            raise ParameterError("kernel components must be Component objects")
        noise = _finite(self.noise, "noise")
        if noise < 0:
            raise ParameterError(f"noise must be >= 0, got {noise}")
        object.__setattr__(self, "components", comps)
        object.__setattr__(self, "noise", noise)

    # arrays -------------------------------------------------------------------------------
    @property
    def weights(self) -> np.ndarray:
        return np.array([c.weight for c in self.components])

    @property
    def means_hz(self) -> np.ndarray:
        return np.array([c.mean_hz for c in self.components])

    @property
    def lengthscales_s(self) -> np.ndarray:
        return np.array([c.lengthscale_s for c in self.components])

    @property
    def decays_s(self) -> np.ndarray:
        """Decay times, s (inf where a component does not decay)."""
        return np.array([np.inf if c.decay_s is None else c.decay_s for c in self.components])

    @property
    def variance(self) -> float:
        """k(0): total power at the start of the sound (components + noise)."""
        return float(self.weights.sum() + self.noise)

    @property
    def decays(self) -> bool:
        return any(c.decay_s is not None for c in self.components)

    @property
    def max_mean_hz(self) -> float:
        return float(self.means_hz.max())

    # maths --------------------------------------------------------------------------------
    def weights_at(self, t_s: np.ndarray) -> np.ndarray:
        """Power weights at times ``t_s`` (seconds), float64 [len(t) x Q] (decay applied)."""
        t = np.atleast_1d(np.asarray(t_s, dtype=np.float64))
        return self.weights[None, :] * np.exp(-2.0 * t[:, None] / self.decays_s[None, :])

    def covariance(self, tau_s: np.ndarray) -> np.ndarray:
        """k(tau) at lags ``tau_s`` (seconds), float64 [shape=tau.shape].

        The white-noise term is a discrete delta: it is added where tau == 0.
        """
        tau = np.asarray(tau_s, dtype=np.float64)
        w, mu, ls = self.weights, self.means_hz, self.lengthscales_s
        t = tau[..., None]
        k = np.sum(w * np.exp(-(t**2) / (2 * ls**2)) * np.cos(2 * np.pi * mu * t), axis=-1)
        return k + self.noise * (tau == 0)

    def psd(self, freqs_hz: np.ndarray, *, sr: int | None = None, smoothing_hz: float = 0.0) -> np.ndarray:
        """One-sided power spectral density, power / Hz, float64 [shape=freqs.shape].

        Without ``sr``: the continuous-time PSD, which integrates to ``sum(weight)`` over
        [0, inf). With ``sr``: the PSD of the sampled process on [0, sr/2] (aliases folded in,
        white noise spread flat as ``2 noise / sr``); it integrates to ``variance``.
        ``smoothing_hz``: the PSD seen through a Gaussian spectral window of that standard
        deviation (each component's variance grows by its square), e.g. to draw it over a
        measured spectrum whose bins are wider than a pure partial's line.
        """
        f = np.abs(np.asarray(freqs_hz, dtype=np.float64))[..., None]
        w, mu = self.weights, self.means_hz
        sd = np.sqrt((1.0 / (2 * np.pi * self.lengthscales_s)) ** 2 + float(smoothing_hz) ** 2)
        shifts = [0.0] if sr is None else [a * float(sr) for a in range(-3, 4)]

        def gauss(x):
            return np.exp(-0.5 * (x / sd) ** 2) / (sd * np.sqrt(2 * np.pi))

        two_sided = sum(0.5 * w * (gauss(f + s - mu) + gauss(f + s + mu)) for s in shifts)
        out = 2.0 * np.sum(two_sided, axis=-1)
        if sr is not None:
            out = out + 2.0 * self.noise / float(sr)
        return out

    def transposed(self, ratio: float, *, max_hz: float | None = None) -> "SMKernel":
        """Every mean times ``ratio``; components that land above ``max_hz`` are dropped.

        If every component would be dropped, one silent component at ``max_hz / 2`` remains so
        the kernel stays valid (the render is then silence, which the safety step reports).
        """
        comps = [replace(c, mean_hz=c.mean_hz * ratio) for c in self.components]
        if max_hz is not None:
            comps = [c for c in comps if c.mean_hz <= max_hz]
            if not comps:
                comps = [Component(0.0, max_hz / 2, 1.0)]
        return SMKernel(tuple(comps), self.noise)

    def scaled(self, gain: float) -> "SMKernel":
        """All powers (weights and noise) times ``gain``."""
        return SMKernel(tuple(replace(c, weight=c.weight * gain) for c in self.components), self.noise * gain)


def kernel_from_arrays(
    weights: Sequence[float],
    means_hz: Sequence[float],
    lengthscales_s: Sequence[float],
    *,
    noise: float = 0.0,
    decays_s: Sequence[float | None] | None = None,
) -> SMKernel:
    """Build an :class:`SMKernel` from parallel arrays (``decays_s``: None or inf = no decay)."""
    n = len(weights)
    if not (len(means_hz) == len(lengthscales_s) == n) or (decays_s is not None and len(decays_s) != n):
        raise ParameterError("weights, means_hz, lengthscales_s (and decays_s) must have the same length")
    dec = [None] * n if decays_s is None else [None if d is None or not np.isfinite(d) else float(d) for d in decays_s]
    return SMKernel(
        tuple(Component(float(w), float(m), float(ls), d) for w, m, ls, d in zip(weights, means_hz, lengthscales_s, dec)),
        float(noise),
    )


# --------------------------------------------------------------------------------------------
# envelopes


def _shape(r: np.ndarray) -> np.ndarray:
    """1 -> 0 over r in [0, 1], exponential-looking (-43 dB at r = 1 before the exact 0)."""
    r = np.clip(r, 0.0, 1.0)
    return (np.exp(-5.0 * r) - np.exp(-5.0)) / (1.0 - np.exp(-5.0))


@dataclass(frozen=True)
class Envelope:
    """ADSR amplitude envelope (seconds; sustain is a level in [0, 1])."""

    attack_s: float = 0.01
    decay_s: float = 0.1
    sustain: float = 1.0
    release_s: float = 0.1

    def __post_init__(self):
        for name in _ENVELOPE_FIELDS:
            v = _finite(getattr(self, name), name)
            if name == "sustain":
                if not 0.0 <= v <= 1.0:
                    raise ParameterError(f"envelope sustain must be between 0 and 1, got {v}")
            elif not 0.0 <= v <= GP_MAX_DURATION_S:
                raise ParameterError(f"envelope {name} must be between 0 and {GP_MAX_DURATION_S:g} s, got {v}")
            object.__setattr__(self, name, v)

    def curve(self, n: int, *, sr: int) -> np.ndarray:
        """Gain per sample, float64 [shape=(n,)]; 2 ms minimum ramps so that nothing clicks."""
        t = np.arange(n) / sr
        a = max(self.attack_s, 0.002)
        d = max(self.decay_s, 0.002)
        r = max(self.release_s, 0.002)
        t_off = max(n / sr - self.release_s, 0.0)

        def on(t):
            att = np.clip(t / a, 0.0, 1.0)
            dec = self.sustain + (1.0 - self.sustain) * _shape((t - a) / d)
            return np.where(t < a, att, dec)

        level_off = float(on(np.array([t_off]))[0])
        return np.where(t < t_off, on(t), level_off * _shape((t - t_off) / r))


@dataclass(frozen=True)
class Amplitude:
    """A gain curve sampled every ``hop_s`` seconds (linear interpolation, last value held)."""

    hop_s: float
    values: tuple[float, ...]

    def __post_init__(self):
        hop = _finite(self.hop_s, "amplitude hop_s")
        if not MIN_HOP_S / 5 <= hop <= MAX_HOP_S:
            raise ParameterError(f"amplitude hop_s must be between {MIN_HOP_S / 5:g} and {MAX_HOP_S:g} s, got {hop}")
        vals = tuple(_finite(v, "amplitude value") for v in self.values)
        if not 1 <= len(vals) <= MAX_AMPLITUDE_VALUES:
            raise ParameterError(f"amplitude needs between 1 and {MAX_AMPLITUDE_VALUES} values, got {len(vals)}")
        if min(vals) < 0:
            raise ParameterError("amplitude values must be >= 0")
        object.__setattr__(self, "hop_s", hop)
        object.__setattr__(self, "values", vals)

    def curve(self, n: int, *, sr: int) -> np.ndarray:
        """Gain per sample, float64 [shape=(n,)]."""
        v = np.asarray(self.values)
        return np.interp(np.arange(n) / sr, np.arange(len(v)) * self.hop_s, v)


@dataclass(frozen=True)
class Blocks:
    """Piecewise-stationary kernels: ``kernels[b]`` rules block b (hop ``hop_s``), last one held."""

    hop_s: float
    crossfade_s: float
    kernels: tuple[SMKernel, ...]

    def __post_init__(self):
        hop = _finite(self.hop_s, "blocks hop_s")
        if not MIN_HOP_S <= hop <= MAX_HOP_S:
            raise ParameterError(f"blocks hop_s must be between {MIN_HOP_S:g} and {MAX_HOP_S:g} s, got {hop}")
        cf = _finite(self.crossfade_s, "blocks crossfade_s")
        if not 0.0 < cf <= hop:
            raise ParameterError(f"blocks crossfade_s must be > 0 and at most hop_s ({hop:g} s), got {cf}")
        kernels = tuple(self.kernels)
        if not 1 <= len(kernels) <= MAX_BLOCKS:
            raise ParameterError(f"blocks need between 1 and {MAX_BLOCKS} kernels, got {len(kernels)}")
        total = sum(len(k.components) for k in kernels)
        if total > MAX_TOTAL_COMPONENTS:
            raise ParameterError(f"blocks hold {total} components in all; the limit is {MAX_TOTAL_COMPONENTS}")
        object.__setattr__(self, "hop_s", hop)
        object.__setattr__(self, "crossfade_s", cf)
        object.__setattr__(self, "kernels", kernels)


# --------------------------------------------------------------------------------------------
# the spec (one GP kernel JSON)


@dataclass(frozen=True)
class GPSpec:
    """Everything a GP sound is made of: the GP kernel JSON of DESIGN.md section 5, validated.

    Construct directly (raises :class:`ParameterError`) or with :func:`parse_gp_spec` from JSON
    (raises :class:`PresetError`); :meth:`to_json` gives the JSON object back, losslessly.
    """

    sample_rate: int
    duration_s: float
    kernel: SMKernel
    envelope: Envelope | None = None
    pitch_midi: float | None = None
    blocks: Blocks | None = None
    amplitude: Amplitude | None = None
    description: str | None = None

    def __post_init__(self):
        sr = self.sample_rate
        if isinstance(sr, bool) or not isinstance(sr, (int, np.integer, float)) or sr not in GP_SAMPLE_RATES:
            rates = ", ".join(str(r) for r in GP_SAMPLE_RATES)
            raise ParameterError(f"sample_rate must be one of {rates} Hz, got {sr!r}")
        object.__setattr__(self, "sample_rate", int(sr))
        d = _finite(self.duration_s, "duration_s")
        if not MIN_DURATION_S <= d <= GP_MAX_DURATION_S:
            raise ParameterError(f"duration_s must be between {MIN_DURATION_S:g} and {GP_MAX_DURATION_S:g} s, got {d}")
        object.__setattr__(self, "duration_s", d)
        nyquist = self.sample_rate / 2
        kernels = [("kernel", self.kernel)]
        if self.blocks is not None:
            kernels += [(f"blocks.kernels[{b}]", k) for b, k in enumerate(self.blocks.kernels)]
        for where, k in kernels:
            if k.max_mean_hz > nyquist:
                q = int(np.argmax(k.means_hz))
                raise ParameterError(
                    f"{where}.components[{q}].mean_hz = {k.means_hz[q]:g} Hz is above the Nyquist frequency "
                    f"({nyquist:g} Hz at {self.sample_rate} Hz)"
                )
        if self.pitch_midi is not None:
            p = _finite(self.pitch_midi, "pitch_midi")
            if not 0 <= p <= 127:
                raise ParameterError(f"pitch_midi must be between 0 and 127, got {p}")
            object.__setattr__(self, "pitch_midi", p)
        if self.description is not None and not isinstance(self.description, str):
            raise ParameterError("description must be text")

    @property
    def n_samples(self) -> int:
        return int(round(self.duration_s * self.sample_rate))

    @property
    def harmonic(self) -> bool:
        return self.pitch_midi is not None

    @property
    def piecewise(self) -> bool:
        """True when the sound is rendered block by block (explicit ``blocks``)."""
        return self.blocks is not None

    def transposed(self, pitch: float) -> "GPSpec":
        """The same sound with a harmonic kernel moved to MIDI ``pitch`` (partials above Nyquist dropped)."""
        if self.pitch_midi is None or float(pitch) == self.pitch_midi:
            return self
        ratio = 2.0 ** ((float(pitch) - self.pitch_midi) / 12.0)
        top = self.sample_rate / 2
        blocks = None
        if self.blocks is not None:
            blocks = replace(self.blocks, kernels=tuple(k.transposed(ratio, max_hz=top) for k in self.blocks.kernels))
        return replace(self, kernel=self.kernel.transposed(ratio, max_hz=top), blocks=blocks, pitch_midi=float(pitch))

    def gain_curve(self) -> np.ndarray:
        """Envelope x amplitude, float64 [n_samples] (ones when neither is given)."""
        n, sr = self.n_samples, self.sample_rate
        g = np.ones(n)
        if self.amplitude is not None:
            g = g * self.amplitude.curve(n, sr=sr)
        if self.envelope is not None:
            g = g * self.envelope.curve(n, sr=sr)
        return g

    def to_json(self) -> dict[str, Any]:
        """The GP kernel JSON object (contract fields first; optional fields only when set)."""
        out: dict[str, Any] = {
            "sample_rate": self.sample_rate,
            "duration_s": self.duration_s,
            "kernel": _kernel_json(self.kernel),
        }
        if self.envelope is not None:
            out["envelope"] = {k: getattr(self.envelope, k) for k in _ENVELOPE_FIELDS}
        if self.pitch_midi is not None:
            out["pitch_midi"] = self.pitch_midi
        if self.blocks is not None:
            out["blocks"] = {
                "hop_s": self.blocks.hop_s,
                "crossfade_s": self.blocks.crossfade_s,
                "kernels": [_kernel_json(k) for k in self.blocks.kernels],
            }
        if self.amplitude is not None:
            out["amplitude"] = {"hop_s": self.amplitude.hop_s, "values": list(self.amplitude.values)}
        if self.description is not None:
            out["description"] = self.description
        return out

    def dumps(self, *, indent: int | None = 1) -> str:
        return json.dumps(self.to_json(), indent=indent)


def _kernel_json(k: SMKernel) -> dict[str, Any]:
    comps = []
    for c in k.components:
        d = {"weight": c.weight, "mean_hz": c.mean_hz, "lengthscale_s": c.lengthscale_s}
        if c.decay_s is not None:
            d["decay_s"] = c.decay_s
        comps.append(d)
    return {"components": comps, "noise": k.noise}


# --------------------------------------------------------------------------------------------
# JSON parsing (PresetError with the location of the problem)


def _num(obj: dict, key: str, where: str, *, default: Any = ...) -> float:
    if key not in obj:
        if default is ...:
            raise PresetError(f'{where}: missing "{key}"')
        return default
    v = obj[key]
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise PresetError(f"{where}.{key} must be a number, got {v!r}")
    if not math.isfinite(v):
        raise PresetError(f"{where}.{key} must be a finite number, got {v}")
    return v


def _obj(v: Any, where: str) -> dict:
    if not isinstance(v, dict):
        raise PresetError(f"{where} must be a JSON object, got {type(v).__name__}")
    return v


def _build(where: str, make: Callable[[], Any], *, sep: str = ": ") -> Any:
    try:
        return make()
    except ParameterError as exc:
        raise PresetError(f"{where}{sep}{exc}") from None


def _parse_kernel(v: Any, where: str) -> SMKernel:
    v = _obj(v, where)
    comps = v.get("components")
    if not isinstance(comps, list):
        raise PresetError(f'{where}: "components" must be a list of components')
    if not comps:
        raise PresetError(f"{where}.components is empty: a kernel needs at least one component")
    if len(comps) > MAX_COMPONENTS:
        raise PresetError(f"{where}.components holds {len(comps)} components; the limit is {MAX_COMPONENTS}")
    parsed = []
    for q, c in enumerate(comps):
        w = f"{where}.components[{q}]"
        c = _obj(c, w)
        vals = {k: _num(c, k, w) for k in ("weight", "mean_hz", "lengthscale_s")}
        decay = c.get("decay_s")
        if decay is not None:
            decay = _num(c, "decay_s", w)
        parsed.append(_build(w, lambda: Component(vals["weight"], vals["mean_hz"], vals["lengthscale_s"], decay)))
    noise = _num(v, "noise", where, default=0.0)
    return _build(where, lambda: SMKernel(tuple(parsed), noise))


def parse_gp_spec(data: Any) -> GPSpec:
    """Validate a GP kernel JSON (dict, JSON text or bytes) and return a :class:`GPSpec`.

    A whole preset (``{"model": "gp", "gp": {...}, ...}``) is accepted too: its ``gp`` object
    is parsed. Raises :class:`PresetError` naming the offending field on any problem.
    """
    if isinstance(data, (bytes, bytearray)):
        try:
            data = bytes(data).decode("utf-8")
        except UnicodeDecodeError:
            raise PresetError("GP kernel file is not UTF-8 text") from None
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise PresetError(f"GP kernel is not valid JSON ({exc.msg}, line {exc.lineno})") from None
    data = _obj(data, "GP kernel")
    where = "gp"
    if "kernel" not in data and isinstance(data.get("gp"), dict):
        data = data["gp"]
    if "kernel" not in data:
        raise PresetError('GP kernel JSON needs a "kernel" object with "components"')
    sr = data.get("sample_rate", 44100)
    if isinstance(sr, bool) or not isinstance(sr, (int, float)) or sr not in GP_SAMPLE_RATES:
        rates = ", ".join(str(r) for r in GP_SAMPLE_RATES)
        raise PresetError(f"{where}.sample_rate must be one of {rates} Hz, got {sr!r}")
    duration = _num(data, "duration_s", where, default=2.0)
    kernel = _parse_kernel(data["kernel"], f"{where}.kernel")
    envelope = None
    if data.get("envelope") is not None:
        e = _obj(data["envelope"], f"{where}.envelope")
        defaults = Envelope()
        vals = {k: _num(e, k, f"{where}.envelope", default=getattr(defaults, k)) for k in _ENVELOPE_FIELDS}
        envelope = _build(f"{where}.envelope", lambda: Envelope(**vals))
    pitch = None
    if data.get("pitch_midi") is not None:
        pitch = _num(data, "pitch_midi", where)
    blocks = None
    if data.get("blocks") is not None:
        b = _obj(data["blocks"], f"{where}.blocks")
        ks = b.get("kernels")
        if not isinstance(ks, list) or not ks:
            raise PresetError(f'{where}.blocks: "kernels" must be a non-empty list of kernels')
        if len(ks) > MAX_BLOCKS:
            raise PresetError(f"{where}.blocks holds {len(ks)} kernels; the limit is {MAX_BLOCKS}")
        hop = _num(b, "hop_s", f"{where}.blocks")
        cf = _num(b, "crossfade_s", f"{where}.blocks", default=min(0.01, hop))
        kernels = tuple(_parse_kernel(k, f"{where}.blocks.kernels[{i}]") for i, k in enumerate(ks))
        blocks = _build(f"{where}.blocks", lambda: Blocks(hop, cf, kernels))
    amplitude = None
    if data.get("amplitude") is not None:
        a = _obj(data["amplitude"], f"{where}.amplitude")
        values = a.get("values")
        if not isinstance(values, list) or not all(
            isinstance(x, (int, float)) and not isinstance(x, bool) for x in values
        ):
            raise PresetError(f'{where}.amplitude: "values" must be a list of numbers')
        hop = _num(a, "hop_s", f"{where}.amplitude")
        amplitude = _build(f"{where}.amplitude", lambda: Amplitude(hop, tuple(values)))
    desc = data.get("description")
    if desc is not None and not isinstance(desc, str):
        raise PresetError(f"{where}.description must be text")
    return _build(
        where,
        lambda: GPSpec(
            sample_rate=int(sr),
            duration_s=duration,
            kernel=kernel,
            envelope=envelope,
            pitch_midi=pitch,
            blocks=blocks,
            amplitude=amplitude,
            description=desc,
        ),
        sep=".",
    )


# --------------------------------------------------------------------------------------------
# exact sampling by circulant embedding


def embedding_size(n: int) -> int:
    """Circulant size M for n samples: the smallest even FFT-friendly length >= 2 n."""
    m = scipy.fft.next_fast_len(2 * int(n), real=True)
    while m % 2:
        m = scipy.fft.next_fast_len(m + 1, real=True)
    return m


def _cos_grid(omega: np.ndarray, n: int) -> np.ndarray:
    """cos(omega * j) for j = 0..n-1, float64 [len(omega) x n].

    With j = K a + b, cos(omega j) = cos(omega K a) cos(omega b) - sin(omega K a) sin(omega b):
    two small outer products per frequency, several times faster than np.cos on the full grid,
    error ~1e-13.
    """
    k = int(math.ceil(math.sqrt(n)))
    idx = np.arange(k, dtype=np.float64)
    w = np.asarray(omega, dtype=np.float64).reshape(-1, 1)
    coarse, fine = w * (k * idx), w * idx  # rad
    full = np.einsum("qa,qb->qab", np.cos(coarse), np.cos(fine))
    full -= np.einsum("qa,qb->qab", np.sin(coarse), np.sin(fine))
    return full.reshape(len(w), k * k)[:, :n]


def _half_rows(w: np.ndarray, mu: np.ndarray, ls: np.ndarray, noise: np.ndarray, half: int, sr: int) -> np.ndarray:
    """First half (lags 0..half-1) of the covariance row of K kernels, float64 [K x half].

    w, mu, ls : [K x Q] power weights, means (Hz), lengthscales (s); noise : [K].
    One pass per component index q (vectorised over the K kernels), so memory stays at a few
    [K x half] arrays; the Gaussian envelope is shared between components of equal lengthscale.
    """
    tau2 = (np.arange(half) / sr) ** 2  # s^2
    rows = np.zeros((w.shape[0], half))
    gauss_cache: dict[bytes, np.ndarray] = {}
    for q in range(w.shape[1]):
        if not np.any(w[:, q]):
            continue
        key = ls[:, q].tobytes()
        if key not in gauss_cache:
            gauss_cache = {key: np.exp(-tau2[None, :] / (2.0 * ls[:, q, None] ** 2))}
        rows += w[:, q, None] * gauss_cache[key] * _cos_grid(2.0 * np.pi * mu[:, q] / sr, half)  # rad / sample
    rows[:, 0] += noise
    return rows


def circulant_eigenvalues(kernels: Sequence[SMKernel], n: int, *, sr: int, t_s: np.ndarray | None = None):
    """Eigenvalues of the circulant embedding of each kernel's n x n covariance.

    Parameters
    ----------
    kernels : K kernels (e.g. one per block)
    n : int       samples per draw
    sr : int      sample rate, Hz
    t_s : np.ndarray [shape=(K,)] or None   time of each kernel (applies ``decay_s``)

    Returns
    -------
    sqrt_eig : np.ndarray [shape=(K, M // 2 + 1), dtype=float32]
        square roots of the (clipped) eigenvalues, M = :func:`embedding_size` (n)
    clipped : np.ndarray [shape=(K,)]
        share of the embedding's eigenvalue mass that was negative and clipped (0 = exact)
    """
    m = embedding_size(n)
    half = m // 2 + 1
    q = max(len(k.components) for k in kernels)
    n_k = len(kernels)
    w, mu, ls = np.zeros((n_k, q)), np.zeros((n_k, q)), np.ones((n_k, q))
    t = np.zeros(n_k) if t_s is None else np.asarray(t_s, dtype=np.float64)
    for i, k in enumerate(kernels):
        nq = len(k.components)
        w[i, :nq] = k.weights_at(t[i : i + 1])[0]
        mu[i, :nq], ls[i, :nq] = k.means_hz, k.lengthscales_s
    noise = np.array([k.noise for k in kernels])
    rows = _half_rows(w, mu, ls, noise, half, sr)
    # symmetric circulant: eigenvalues = DCT-I of the half row (= FFT of the wrapped row)
    lam = scipy.fft.dct(rows, type=1, axis=-1)
    mult = np.full(half, 2.0)
    mult[0] = mult[-1] = 1.0  # bins 1..M/2-1 occur twice in the full spectrum
    neg = np.sum(mult * np.clip(-lam, 0, None), axis=-1)
    tot = np.sum(mult * np.abs(lam), axis=-1)
    clipped = np.where(tot > 0, neg / np.where(tot > 0, tot, 1.0), 0.0)
    return np.sqrt(np.clip(lam, 0.0, None)).astype(np.float32), clipped


def decay_groups(kernel: SMKernel, m: int, *, sr: int) -> tuple[np.ndarray, np.ndarray]:
    """Split the M/2+1 frequency bins of an embedding by the decay of their dominant component.

    Returns ``labels`` int [M/2+1] (group of each bin) and ``rates`` [G] (1 / decay_s, 1/s;
    0 for components that do not decay). Bins of one group form an exactly stationary part of
    the draw, independent of the other groups, so each can carry its own decay.
    """
    f = np.arange(m // 2 + 1) * (sr / m)  # Hz
    rates_q = 1.0 / kernel.decays_s
    best = np.full(f.shape, -np.inf)
    label_q = np.zeros(f.shape, dtype=np.int64)
    for q, c in enumerate(kernel.components):
        sd = c.bandwidth_hz
        if c.weight <= 0:
            continue
        # log of the (unnormalised-in-f) component density at each bin, +- mu images
        d2 = np.minimum((f - c.mean_hz) ** 2, (f + c.mean_hz) ** 2)
        logd = math.log(c.weight / sd) - 0.5 * d2 / sd**2
        better = logd > best
        best[better], label_q[better] = logd[better], q
    rates, labels = np.unique(rates_q[label_q], return_inverse=True)
    return labels.reshape(f.shape), rates


def modulation_basis(rates: np.ndarray, n: int, *, sr: int, tol: float = 1e-6) -> tuple[np.ndarray, np.ndarray]:
    """Low-rank form of the decays E[g, t] = exp(-rates[g] t): E ~= coef @ basis.

    Decaying exponentials are nearly linearly dependent, so a handful of basis functions (the
    leading singular vectors, kept down to ``tol`` x the largest singular value) reproduce all
    G of them closely: a render then needs K (~8) inverse FFTs instead of G (one per partial).
    The basis is computed on a coarse grid (at most 16 samples apart, and fine enough that the
    fastest decay changes by < 1% per step) and interpolated: error < 2e-5.

    Returns coef float32 [G x K] and basis float32 [K x n].
    """
    step = int(max(1, min(16, 0.01 * sr / max(float(np.max(rates)), 1e-9))))
    tc = np.arange(0, n + step, step) / sr  # s, coarse grid
    e = np.exp(-np.outer(rates, tc))  # [G, n / step]
    evals, vecs = np.linalg.eigh(e @ e.T)
    order = np.argsort(evals)[::-1]
    sing = np.sqrt(np.clip(evals[order], 0.0, None))
    coef = vecs[:, order[sing > tol * sing[0]]]  # orthonormal columns
    coarse = coef.T @ e
    t = np.arange(n) / sr
    basis = np.stack([np.interp(t, tc, row) for row in coarse]).astype(np.float32)
    return coef.astype(np.float32), basis


def sample_stationary(sqrt_eig: np.ndarray, z: np.ndarray, n: int) -> np.ndarray:
    """x = (C^{1/2} z)[:n]: exact GP draws from circulant square-root eigenvalues.

    sqrt_eig : [..., M // 2 + 1];  z : [..., M] real innovations.  Returns float32 [..., n].
    """
    m = z.shape[-1]
    spec = scipy.fft.rfft(np.asarray(z, dtype=np.float32), axis=-1) * sqrt_eig
    return scipy.fft.irfft(spec, n=m, axis=-1)[..., :n].astype(np.float32)


@dataclass(frozen=True)
class BlockGrid:
    """Geometry of piecewise synthesis: ``n_blocks`` blocks of ``length`` = hop + fade samples."""

    hop: int
    fade: int
    n_blocks: int

    @property
    def length(self) -> int:
        return self.hop + self.fade

    def centres_s(self, sr: int) -> np.ndarray:
        return (np.arange(self.n_blocks) * self.hop + self.length / 2) / sr


def block_grid(n: int, *, sr: int, hop_s: float, crossfade_s: float) -> BlockGrid:
    hop = max(1, int(round(hop_s * sr)))
    fade = min(hop, max(1, int(round(crossfade_s * sr))))
    n_blocks = max(1, math.ceil((n - fade) / hop))
    return BlockGrid(hop, fade, n_blocks)


def overlap_add(blocks: np.ndarray, grid: BlockGrid, n: int) -> np.ndarray:
    """Join blocks [..., B x (hop + fade)] with sine/cosine crossfades -> [..., n].

    The windows are power-complementary (sin^2 + cos^2 = 1), so joining draws of one kernel
    keeps the variance constant through every crossfade, and nothing jumps at a join.
    """
    hop, fade, nb = grid.hop, grid.fade, grid.n_blocks
    ramp = np.sin(0.5 * np.pi * (np.arange(fade) + 0.5) / fade)  # fade-in
    x = np.array(blocks, dtype=np.float64)
    x[..., 1:, :fade] *= ramp
    x[..., :-1, hop:] *= ramp[::-1]
    out = np.zeros(x.shape[:-2] + (nb * hop + hop,))
    out[..., : nb * hop] += x[..., :hop].reshape(x.shape[:-2] + (nb * hop,))
    tail = out[..., hop : hop + nb * hop].reshape(x.shape[:-2] + (nb, hop))
    tail[..., :fade] += x[..., hop:]
    return out[..., :n].astype(np.float32)


# --------------------------------------------------------------------------------------------
# builders


def bark_kernel(
    gains: Sequence[float],
    *,
    sr: int,
    lengthscale_s: float | Sequence[float] | None = None,
    noise: float = 0.0,
) -> SMKernel:
    """One component per Bark band: centre = band centre, weight = band gain (power).

    Parameters
    ----------
    gains : one power gain per band of :func:`explorer.audio.spectrum.bark_bands` (sr)
    sr : int  sample rate, Hz (bands above Nyquist do not exist)
    lengthscale_s : None (from the band width: the spectral Gaussian's full width at half
        maximum equals the band width, so neighbouring bands join smoothly), one value for all
        bands, or one per band, seconds.
    """
    bands = np.asarray(bark_bands(sr), dtype=np.float64)
    gains = np.asarray(gains, dtype=np.float64)
    if gains.shape != (len(bands),):
        raise ParameterError(f"need {len(bands)} Bark band gains at {sr} Hz, got {gains.size}")
    lo, hi = bands[:, 0], bands[:, 1]
    centre, width = (lo + hi) / 2, hi - lo
    if lengthscale_s is None:
        ls = 2.0 * math.sqrt(2.0 * math.log(2.0)) / (2.0 * np.pi * width)  # FWHM = width
    else:
        ls = np.broadcast_to(np.asarray(lengthscale_s, dtype=np.float64), centre.shape)
    return kernel_from_arrays(gains, centre, ls, noise=noise)


def harmonic_kernel(
    pitch_midi: float,
    *,
    sr: int,
    n_partials: int = 24,
    tilt_db_per_octave: float = -6.0,
    odd_even_db: float = 0.0,
    purity_s: float = 0.5,
    inharmonicity: float = 0.0,
    partial_decay_s: float | None = None,
    decay_exponent: float = 0.6,
    noise: float = 0.0,
) -> SMKernel:
    """A "GP note": one component per partial of a (stiff-string) harmonic series.

    Parameters
    ----------
    pitch_midi : fundamental, MIDI (60 = middle C = 261.63 Hz)
    sr : sample rate, Hz: partials above 0.95 x Nyquist are left out
    n_partials : at most this many partials
    tilt_db_per_octave : partial power falls by this many dB per octave of partial number
    odd_even_db : even partials are this many dB quieter than the tilt says (> 0: hollow,
        clarinet-like; < 0: even partials louder)
    purity_s : lengthscale of every partial, s: long = pure and steady, short = breathy/noisy
        (a partial's spectral line is 1 / (2 pi purity_s) Hz wide)
    inharmonicity : stiff-string coefficient B: partial k sits at k f0 sqrt((1 + B k^2) / (1 + B))
        (piano strings: ~1e-4 .. 1e-3); 0 = exactly harmonic
    partial_decay_s : None (steady) or the amplitude decay time of the fundamental, s; partial k
        decays in ``partial_decay_s / k ** decay_exponent`` (higher partials die sooner, as on a piano)
    noise : white-noise power added to the kernel

    The weights are normalised to sum to 1 (so the note's variance is 1 + noise at its start).
    """
    f0 = midi_to_hz(_finite(pitch_midi, "pitch_midi"))
    b = _finite(inharmonicity, "inharmonicity")
    if not 0.0 <= b <= 0.1:
        raise ParameterError(f"inharmonicity must be between 0 and 0.1, got {b}")
    if isinstance(n_partials, bool) or int(n_partials) != n_partials or not 1 <= n_partials <= MAX_COMPONENTS:
        raise ParameterError(f"n_partials must be a whole number between 1 and {MAX_COMPONENTS}, got {n_partials}")
    k = np.arange(1, int(n_partials) + 1, dtype=np.float64)
    freqs = k * f0 * np.sqrt((1.0 + b * k**2) / (1.0 + b))
    keep = freqs <= 0.95 * sr / 2
    if not np.any(keep):
        raise ParameterError(f"pitch {pitch_midi} ({f0:.1f} Hz) has no partial below the Nyquist frequency at {sr} Hz")
    k, freqs = k[keep], freqs[keep]
    db = _finite(tilt_db_per_octave, "tilt_db_per_octave") * np.log2(k)
    db = db - np.where(k % 2 == 0, _finite(odd_even_db, "odd_even_db"), 0.0)
    w = 10.0 ** (db / 10.0)
    w = w / w.sum()
    decays = None
    if partial_decay_s is not None:
        decays = _finite(partial_decay_s, "partial_decay_s") / k ** _finite(decay_exponent, "decay_exponent")
    return kernel_from_arrays(w, freqs, np.full(k.shape, _finite(purity_s, "purity_s")), noise=noise, decays_s=decays)


def harmonic_spec(
    pitch_midi: float,
    *,
    sr: int = 44100,
    duration_s: float = 2.0,
    envelope: Envelope | None = None,
    description: str | None = None,
    **kernel_options: Any,
) -> GPSpec:
    """A GP note as a full spec (``pitch_midi`` recorded so renders can transpose it).

    ``kernel_options`` go to :func:`harmonic_kernel`.
    """
    kernel = harmonic_kernel(pitch_midi, sr=sr, **kernel_options)
    return GPSpec(sr, duration_s, kernel, envelope=envelope, pitch_midi=float(pitch_midi), description=description)


# --------------------------------------------------------------------------------------------
# the model


class GPModel(LatentAudioModel):
    """A GP kernel spec as an :class:`~explorer.models.base.AudioModel`.

    The latent z holds the white-noise innovations of the draw: ``latent_dim`` = the circulant
    embedding size M (stationary) or blocks x M_block (piecewise). Rendering is linear in z.

    Attributes: ``name = "gp"``, ``sample_rate``, ``latent_dim``, ``pitch_range`` ((24, 108)
    for a harmonic kernel, else None), ``default_pitch`` (the kernel's own pitch or None),
    ``spec`` (the :class:`GPSpec`; never mutate it).
    """

    name = "gp"
    whole_pitch = False  # harmonic kernels transpose continuously

    def __init__(self, spec: GPSpec):
        if not isinstance(spec, GPSpec):
            raise ParameterError("GPModel needs a GPSpec (use parse_gp_spec for JSON)")
        self.spec = spec
        self.sample_rate = spec.sample_rate
        self.pitch_range = PITCH_RANGE if spec.harmonic else None
        self._default_pitch = None if spec.pitch_midi is None else int(round(spec.pitch_midi))
        self._grid = self._block_grid(spec)
        n = spec.n_samples if self._grid is None else self._grid.length
        self._m = embedding_size(n)
        self.latent_dim = self._m * (1 if self._grid is None else self._grid.n_blocks)
        self._cache: dict[float | None, tuple[np.ndarray, np.ndarray]] = {}

    @staticmethod
    def _block_grid(spec: GPSpec) -> BlockGrid | None:
        if spec.blocks is None:
            return None
        return block_grid(spec.n_samples, sr=spec.sample_rate, hop_s=spec.blocks.hop_s, crossfade_s=spec.blocks.crossfade_s)

    def __repr__(self) -> str:
        kind = "piecewise" if self._grid else "stationary"
        return f"GPModel({kind}, sr={self.sample_rate}, {self.spec.duration_s:g} s, latent_dim={self.latent_dim})"

    @property
    def default_pitch(self) -> int | None:
        """The kernel's own pitch (a harmonic preset knows its note), else None."""
        return self._default_pitch

    # -- AudioModel --------------------------------------------------------------------------
    def _draw_prior(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Innovations z ~ N(0, I), drawn directly in float32 (z can hold millions of values)."""
        return rng.standard_normal((n, self.latent_dim), dtype=np.float32)

    def render(self, z: np.ndarray, pitch: np.ndarray | None = None) -> np.ndarray:
        """Exact GP draws, float32 [n x samples], before safety.

        z : [n x latent_dim] innovations; pitch : [n] MIDI or None (harmonic kernels are
        transposed to it; ignored for non-harmonic kernels).
        """
        z = self.check_latent(z)
        pitches: list[float | None] = [None] * len(z)
        if pitch is not None and self.pitch_range is not None:  # None: the kernel as written, untransposed
            pitches = [float(v) for v in self.check_pitch(pitch, len(z))]
        out = np.empty((len(z), self.spec.n_samples), dtype=np.float32)
        for key in dict.fromkeys(pitches):
            rows = [i for i, v in enumerate(pitches) if v == key]
            out[rows] = self._render_rows(z[rows], key)
        return out

    # -- the rest ----------------------------------------------------------------------------
    def spec_at(self, pitch: float | None = None) -> GPSpec:
        """The spec actually rendered at ``pitch`` (transposed for harmonic kernels)."""
        return self.spec if pitch is None else self.spec.transposed(pitch)

    def _eigs(self, pitch: float | None) -> tuple[np.ndarray, np.ndarray, tuple | None]:
        """(sqrt eigenvalues [K x M/2+1], clipped share [K], decay groups or None), cached per pitch."""
        key = None if pitch is None or pitch == self.spec.pitch_midi else pitch
        if key not in self._cache:
            spec, sr = self.spec_at(key), self.sample_rate
            if self._grid is None:
                sqrt_eig, clipped = circulant_eigenvalues([spec.kernel], spec.n_samples, sr=sr)
                groups = None
                if spec.kernel.decays:
                    labels, rates = decay_groups(spec.kernel, self._m, sr=sr)
                    groups = (labels, *modulation_basis(rates, spec.n_samples, sr=sr))
                self._cache[key] = (sqrt_eig, clipped, groups)
            else:
                g = self._grid
                ks = spec.blocks.kernels
                kernels = [ks[min(b, len(ks) - 1)] for b in range(g.n_blocks)]
                self._cache[key] = (*circulant_eigenvalues(kernels, g.length, sr=sr, t_s=g.centres_s(sr)), None)
            if len(self._cache) > 16:
                self._cache.pop(next(iter(self._cache)))
        return self._cache[key]

    def clipped_power_fraction(self, pitch: float | None = None) -> float:
        """Largest share of embedding power lost to clipped negative eigenvalues (0 = exact)."""
        return float(np.max(self._eigs(pitch)[1]))

    def time_grid(self) -> np.ndarray:
        """Sample times of a render, s [n_samples]."""
        return np.arange(self.spec.n_samples) / self.sample_rate

    def _render_rows(self, z: np.ndarray, pitch: float | None) -> np.ndarray:
        sqrt_eig, _, groups = self._eigs(pitch)
        n = self.spec.n_samples
        if self._grid is not None:
            g = self._grid
            zb = z.reshape(len(z), g.n_blocks, self._m)
            y = overlap_add(sample_stationary(sqrt_eig, zb, g.length), g, n)
        elif groups is None:
            y = sample_stationary(sqrt_eig[0], z, n)
        else:
            labels, coef, basis = groups
            zf = scipy.fft.rfft(z, axis=-1) * sqrt_eig[0]  # [rows, M/2+1]
            weights = coef[labels].T  # [K, M/2+1]: each bin's share of each modulation basis function
            y = np.empty((len(z), n), dtype=np.float32)
            for i in range(len(z)):
                x = scipy.fft.irfft(zf[i] * weights, n=self._m, axis=-1)[:, :n]
                y[i] = np.einsum("kn,kn->n", x, basis)
        return (y * self.spec.gain_curve()).astype(np.float32)

    def analytic_psd(self, freqs_hz: np.ndarray, *, pitch: float | None = None, smoothing_hz: float = 0.0) -> np.ndarray:
        """Time-averaged one-sided PSD of the rendered sound (decays and envelope included), power / Hz.

        ``smoothing_hz``: see :meth:`SMKernel.psd` (e.g. a Hann-windowed Welch estimate with bins
        ``df`` Hz apart is matched by ``1.5 * df / sqrt(2 pi)``).
        """
        spec, sr = self.spec_at(pitch), self.sample_rate
        gain2 = spec.gain_curve() ** 2
        t = self.time_grid()
        if self._grid is None:
            k = spec.kernel
            if not k.decays:
                return k.psd(freqs_hz, sr=sr, smoothing_hz=smoothing_hz) * gain2.mean()
            avg = np.array([np.mean(gain2 * np.exp(-2.0 * t / d)) for d in k.decays_s])
            avg_k = kernel_from_arrays(k.weights * avg, k.means_hz, k.lengthscales_s, noise=k.noise * gain2.mean())
            return avg_k.psd(freqs_hz, sr=sr, smoothing_hz=smoothing_hz)
        g = self._grid
        ks = spec.blocks.kernels
        centres = g.centres_s(sr)
        total = np.zeros(np.shape(freqs_hz))
        for b in range(g.n_blocks):
            k = ks[min(b, len(ks) - 1)]
            if k.decays:
                k = kernel_from_arrays(k.weights_at(centres[b : b + 1])[0], k.means_hz, k.lengthscales_s, noise=k.noise)
            seg = gain2[b * g.hop : (b + 1) * g.hop]
            total += k.psd(freqs_hz, sr=sr, smoothing_hz=smoothing_hz) * (seg.sum() / len(gain2))
        return total


def from_spec(spec: Any) -> GPModel:
    """A :class:`GPModel` from a :class:`GPSpec` or a GP kernel JSON object/text (PresetError if bad)."""
    return GPModel(spec if isinstance(spec, GPSpec) else parse_gp_spec(spec))


def load_gp_spec(path: str | os.PathLike) -> GPSpec:
    """Read a GP kernel JSON file (or a GP preset file) -> :class:`GPSpec`."""
    p = Path(path)
    if not p.is_file():
        raise CheckpointError(f"{p}: no such GP kernel file")
    if p.stat().st_size > 20 * 2**20:
        raise PresetError(f"{p.name}: too large to be a GP kernel JSON")
    return parse_gp_spec(p.read_bytes())


def load(path: str | os.PathLike) -> GPModel:
    """Registry entry point: a GP kernel JSON file -> :class:`GPModel`."""
    return GPModel(load_gp_spec(path))


def list_gp_presets() -> list[str]:
    """Names of the shipped GP presets (files in checkpoints/gp/, without .json)."""
    return sorted(p.stem for p in PRESET_DIR.glob("*.json"))


def load_gp(name_or_path: str | os.PathLike) -> GPModel:
    """A shipped preset by name (``"gp-middle-c"``) or a GP kernel JSON file path."""
    p = Path(name_or_path)
    if p.suffix == ".json" or len(p.parts) > 1 or p.is_file():
        return load(p)
    name = str(name_or_path)
    if name not in list_gp_presets():
        raise CheckpointError(f"unknown GP preset {name!r}; choose one of {', '.join(list_gp_presets())}")
    return load(PRESET_DIR / f"{name}.json")


def debug_model() -> GPModel:
    """A tiny GP (16 kHz, 0.25 s, two components) for tests."""
    kernel = SMKernel((Component(1.0, 440.0, 0.05), Component(0.3, 1320.0, 0.02)), 0.0)
    return GPModel(GPSpec(16000, 0.25, kernel, pitch_midi=69.0))


def mix_specs(a: GPSpec, b: GPSpec, t: float, *, pitch: float | None = None) -> GPSpec:
    """The kernel a fraction ``t`` of the way from ``a`` to ``b``: PSD = (1 - t) PSD_a + t PSD_b.

    A mixture of two valid spectral densities is a valid one, so every step of a kernel morph is
    a proper GP whatever the two kernels hold (no need to pair components up). The result keeps
    ``a``'s sample rate and duration (``b``'s partials above that Nyquist are dropped); harmonic
    specs are first moved to ``pitch``. Piecewise specs contribute their whole-clip summary kernel
    for 0 < t < 1; envelopes are interpolated field by field. ``t = 0`` returns ``a`` itself.
    """
    t = float(t)
    if not 0.0 <= t <= 1.0:
        raise ParameterError(f"mixing fraction must be between 0 and 1, got {t}")
    if pitch is not None:
        a, b = a.transposed(pitch), b.transposed(pitch)
    if t == 0.0:
        return a
    nyquist = a.sample_rate / 2
    comps = [replace(c, weight=(1.0 - t) * c.weight) for c in a.kernel.components] + [
        replace(c, weight=t * c.weight) for c in b.kernel.components if c.mean_hz <= nyquist
    ]
    if len(comps) > MAX_COMPONENTS:
        raise ParameterError(
            f"these two kernels hold {len(comps)} components together; a kernel morph allows {MAX_COMPONENTS}"
        )
    if t == 1.0:
        comps = comps[len(a.kernel.components) :]
    kernel = SMKernel(tuple(comps), noise=(1.0 - t) * a.kernel.noise + t * b.kernel.noise)
    env_a, env_b = a.envelope or b.envelope, b.envelope or a.envelope
    envelope = None
    if env_a is not None:
        envelope = Envelope(**{k: (1.0 - t) * getattr(env_a, k) + t * getattr(env_b, k) for k in _ENVELOPE_FIELDS})
    return GPSpec(sample_rate=a.sample_rate, duration_s=a.duration_s, kernel=kernel, envelope=envelope,
                  description=f"{t:.0%} of the way from one kernel to another")
