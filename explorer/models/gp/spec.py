"""The GP kernel JSON of DESIGN.md section 5: the spec a GP sound is made of, parsed and written.

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
      "track": {"hop_s": 0.01, "f0_hz": [...], "voicing": [...], "harmonics": [[...]],
                "noise_bands": [[...]], "bandwidth_hz": 4.0},   # optional (added): voiced speech
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
- ``track``: a phase-continuous, non-stationary voiced/unvoiced GP that follows an f0 track
  (harmonics as stochastic resonators whose state carries across frames, plus Bark-band
  noise); its kernel is written out in :mod:`explorer.models.gp.track`. When present it is what
  renders (``kernel`` is then a stationary summary); it cannot be combined with ``blocks``.
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
from typing import Any, Callable

import numpy as np

from explorer.audio.constants import GP_MAX_DURATION_S, GP_SAMPLE_RATES
from explorer.errors import CheckpointError, ParameterError, PresetError
from explorer.jsonfile import read_json
from explorer.models.gp.kernel import MAX_COMPONENTS, Component, SMKernel, finite_number
from explorer.models.gp.track import Track, parse_track

#: Most components over all blocks of a piecewise kernel.
MAX_TOTAL_COMPONENTS = 65536
MAX_BLOCKS = 6000
MAX_AMPLITUDE_VALUES = 100_000
MIN_DURATION_S = 0.01
MIN_HOP_S, MAX_HOP_S = 0.005, 1.0
ENVELOPE_FIELDS = ("attack_s", "decay_s", "sustain", "release_s")


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
        for name in ENVELOPE_FIELDS:
            v = finite_number(getattr(self, name), name)
            if name == "sustain":
                if not 0.0 <= v <= 1.0:
                    raise ParameterError(f"envelope sustain must be between 0 and 1, got {v}")
            elif not 0.0 <= v <= GP_MAX_DURATION_S:
                raise ParameterError(f"envelope {name} must be between 0 and {GP_MAX_DURATION_S:g} s, got {v}")
            object.__setattr__(self, name, v)

    def curve(self, n: int, *, sr: int) -> np.ndarray:
        """Gain per sample, float64 [shape=(n,)]; 2 ms minimum ramps so that nothing clicks.

        A sound shorter than attack + decay + release gets the three squeezed in proportion to fit
        inside it (a release as long as the sound used to make it silent)."""
        t = np.arange(n) / sr
        attack, decay, release = self.attack_s, self.decay_s, self.release_s
        timed = attack + decay + release
        if timed > n / sr > 0:  # s; scale the envelope's times to the sound's length
            attack, decay, release = (v * (n / sr) / timed for v in (attack, decay, release))
        a = max(attack, 0.002)
        d = max(decay, 0.002)
        r = max(release, 0.002)
        t_off = max(n / sr - release, 0.0)

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
        hop = finite_number(self.hop_s, "amplitude hop_s")
        if not MIN_HOP_S / 5 <= hop <= MAX_HOP_S:
            raise ParameterError(f"amplitude hop_s must be between {MIN_HOP_S / 5:g} and {MAX_HOP_S:g} s, got {hop}")
        vals = tuple(finite_number(v, "amplitude value") for v in self.values)
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
        hop = finite_number(self.hop_s, "blocks hop_s")
        if not MIN_HOP_S <= hop <= MAX_HOP_S:
            raise ParameterError(f"blocks hop_s must be between {MIN_HOP_S:g} and {MAX_HOP_S:g} s, got {hop}")
        cf = finite_number(self.crossfade_s, "blocks crossfade_s")
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
    track: Track | None = None

    def __post_init__(self):
        sr = self.sample_rate
        if isinstance(sr, bool) or not isinstance(sr, (int, np.integer, float)) or sr not in GP_SAMPLE_RATES:
            rates = ", ".join(str(r) for r in GP_SAMPLE_RATES)
            raise ParameterError(f"sample_rate must be one of {rates} Hz, got {sr!r}")
        object.__setattr__(self, "sample_rate", int(sr))
        d = finite_number(self.duration_s, "duration_s")
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
            p = finite_number(self.pitch_midi, "pitch_midi")
            if not 0 <= p <= 127:
                raise ParameterError(f"pitch_midi must be between 0 and 127, got {p}")
            object.__setattr__(self, "pitch_midi", p)
        if self.description is not None and not isinstance(self.description, str):
            raise ParameterError("description must be text")
        if self.track is not None:
            if not isinstance(self.track, Track):
                raise ParameterError("track must be a Track")
            if self.blocks is not None:
                raise ParameterError("a spec holds either blocks or a track, not both")
            self.track.check_rate(self.sample_rate)

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
        track = None if self.track is None else self.track.transposed(ratio)
        return replace(self, kernel=self.kernel.transposed(ratio, max_hz=top), blocks=blocks, pitch_midi=float(pitch),
                       track=track)

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
            out["envelope"] = {k: getattr(self.envelope, k) for k in ENVELOPE_FIELDS}
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
        if self.track is not None:
            out["track"] = self.track.to_json()
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
    data = read_json(data, what="GP kernel")
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
        vals = {k: _num(e, k, f"{where}.envelope", default=getattr(defaults, k)) for k in ENVELOPE_FIELDS}
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
    track = None if data.get("track") is None else parse_track(data["track"], f"{where}.track")
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
            track=track,
        ),
        sep=".",
    )


def load_gp_spec(path: str | os.PathLike) -> GPSpec:
    """Read a GP kernel JSON file (or a GP preset file) -> :class:`GPSpec`."""
    p = Path(path)
    if not p.is_file():
        raise CheckpointError(f"{p}: no such GP kernel file")
    if p.stat().st_size > 20 * 2**20:
        raise PresetError(f"{p.name}: too large to be a GP kernel JSON")
    return parse_gp_spec(p.read_bytes())

