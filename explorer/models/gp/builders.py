"""Kernel builders: Bark-band noise, harmonic "GP notes", and the mixture of two specs (kernel morphs)."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any, Sequence

import numpy as np

from explorer.audio.pitch import midi_to_hz
from explorer.audio.spectrum import bark_bands
from explorer.errors import ParameterError
from explorer.models.gp.kernel import MAX_COMPONENTS, SMKernel, finite_number, kernel_from_arrays
from explorer.models.gp.spec import ENVELOPE_FIELDS, Envelope, GPSpec
from explorer.models.gp.track import Track, noise_bands


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
    f0 = midi_to_hz(finite_number(pitch_midi, "pitch_midi"))
    b = finite_number(inharmonicity, "inharmonicity")
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
    db = finite_number(tilt_db_per_octave, "tilt_db_per_octave") * np.log2(k)
    db = db - np.where(k % 2 == 0, finite_number(odd_even_db, "odd_even_db"), 0.0)
    w = 10.0 ** (db / 10.0)
    w = w / w.sum()
    decays = None
    if partial_decay_s is not None:
        decays = finite_number(partial_decay_s, "partial_decay_s") / k ** finite_number(decay_exponent, "decay_exponent")
    return kernel_from_arrays(w, freqs, np.full(k.shape, finite_number(purity_s, "purity_s")), noise=noise, decays_s=decays)


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


#: How a kernel morph mixes two power spectra (see :func:`mix_specs`).
MIX_MODES = ("balanced", "linear")


def mix_specs(a: GPSpec, b: GPSpec, t: float, *, pitch: float | None = None, mix: str = "balanced") -> GPSpec:
    """The kernel a fraction ``t`` of the way from ``a`` to ``b``.

    ``mix="linear"``: PSD = (1 - t) PSD_a + t PSD_b. ``mix="balanced"`` (the default): each PSD is
    first divided by its total power P, then PSD = P_a^(1-t) P_b^t ((1 - t) PSD_a / P_a + t PSD_b / P_b).
    Either is a mixture of valid spectral densities with positive weights, so every step of a kernel
    morph is a proper GP whatever the two kernels hold (no need to pair components up). Linear
    mixing lets the louder kernel take over at the first step (gp-middle-c -> gp-organ: the
    spectral centroid makes 2/3 of its journey in the first of 8 steps); balanced mixing moves the
    PSD's centroid in equal steps, ``(1 - t) c_a + t c_b``, and the loudness geometrically. The result keeps
    ``a``'s sample rate and duration (``b``'s partials above that Nyquist are dropped); harmonic
    specs are first moved to ``pitch``. Piecewise specs contribute their whole-clip summary kernel
    for 0 < t < 1; envelopes are interpolated field by field. ``t = 0`` returns ``a`` itself.
    """
    t = float(t)
    if not 0.0 <= t <= 1.0:
        raise ParameterError(f"mixing fraction must be between 0 and 1, got {t}")
    if mix not in MIX_MODES:
        raise ParameterError(f"mix must be one of {', '.join(MIX_MODES)}, got {mix!r}")
    if pitch is not None:
        a, b = a.transposed(pitch), b.transposed(pitch)
    if t == 0.0:
        return a
    if a.track is not None:  # every step keeps a's track layout, so one latent serves the whole morph
        return _mix_into_track(a, b, t, mix=mix)
    nyquist = a.sample_rate / 2
    kept_b = [c for c in b.kernel.components if c.mean_hz <= nyquist]
    power_a = float(a.kernel.weights.sum() + a.kernel.noise)
    power_b = float(sum(c.weight for c in kept_b) + b.kernel.noise)
    wa, wb = _mix_weights(t, power_a, power_b, mix)
    comps = [replace(c, weight=wa * c.weight) for c in a.kernel.components] + [
        replace(c, weight=wb * c.weight) for c in kept_b
    ]
    if len(comps) > MAX_COMPONENTS:
        raise ParameterError(
            f"these two kernels hold {len(comps)} components together; a kernel morph allows {MAX_COMPONENTS}"
        )
    if t == 1.0:
        comps = comps[len(a.kernel.components) :]
    kernel = SMKernel(tuple(comps), noise=wa * a.kernel.noise + wb * b.kernel.noise)
    env_a, env_b = a.envelope or b.envelope, b.envelope or a.envelope
    envelope = None
    if env_a is not None:
        envelope = Envelope(**{k: (1.0 - t) * getattr(env_a, k) + t * getattr(env_b, k) for k in ENVELOPE_FIELDS})
    return GPSpec(sample_rate=a.sample_rate, duration_s=a.duration_s, kernel=kernel, envelope=envelope,
                  description=f"{t:.0%} of the way from one kernel to another")


def _kernel_as_track(k: SMKernel, like: Track, *, sr: int) -> Track:
    """A stationary kernel on ``like``'s frames: components on ``like``'s harmonics (within 10% of
    f0) become harmonics, the rest (and white noise) Bark-band noise; decays become frame powers."""
    t = np.arange(like.n_frames) * like.hop_s
    w = k.weights_at(t)  # [T x Q]
    f0 = float(np.median(like.f0_hz[like.f0_hz > 0])) if np.any(like.f0_hz > 0) else 100.0
    harm = np.zeros((like.n_frames, like.n_harmonics))
    edges = noise_bands(sr, like.band_split)
    bands = np.zeros((like.n_frames, len(edges)))
    partials = np.arange(1, like.n_harmonics + 1) * like.stretch * f0
    for q, mu in enumerate(k.means_hz):
        h = int(np.argmin(np.abs(partials - mu)))
        if abs(partials[h] - mu) < 0.1 * f0:
            harm[:, h] += w[:, q]
        else:
            bands[:, int(np.clip(np.searchsorted(edges[:, 1], mu), 0, len(edges) - 1))] += w[:, q]
    bands += k.noise * (edges[:, 1] - edges[:, 0])[None, :] / (sr / 2)
    return Track(like.hop_s, like.f0_hz, np.ones(like.n_frames), harm, bands, like.bandwidth_hz, like.band_split,
                 like.inharmonicity, like.coherence)


def _mix_weights(t: float, power_a: float, power_b: float, mix: str) -> tuple[float, float]:
    """The weights of a's and b's spectra at fraction ``t`` (see :func:`mix_specs`)."""
    if mix == "linear" or power_a <= 0 or power_b <= 0:
        return 1.0 - t, t
    level = power_a ** (1.0 - t) * power_b**t
    return level * (1.0 - t) / power_a, level * t / power_b


def _mix_into_track(a: GPSpec, b: GPSpec, t: float, *, mix: str) -> GPSpec:
    """Mix spec b (its summary kernel) into a's track layout: harmonic and band powers mixed as
    :func:`mix_specs` says. (Log-spectrum mixing was tried too and measured no more even on
    gp-middle-c -> gp-organ than linear: centroid step max/mean 3.76 against 3.67.)"""
    ta = a.track
    tb = _kernel_as_track(b.kernel.transposed(1.0, max_hz=a.sample_rate / 2), ta, sr=a.sample_rate)
    harm_a = ta.voicing[:, None] * ta.harmonics
    wa, wb = _mix_weights(t, float(harm_a.sum() + ta.noise_bands.sum()),
                          float(tb.harmonics.sum() + tb.noise_bands.sum()), mix)
    harm = wa * harm_a + wb * tb.harmonics
    bands = wa * ta.noise_bands + wb * tb.noise_bands
    track = Track(ta.hop_s, ta.f0_hz, np.ones(ta.n_frames), harm, bands, ta.bandwidth_hz, ta.band_split, ta.inharmonicity,
                  ta.coherence)
    env_a, env_b = a.envelope or b.envelope, b.envelope or a.envelope
    envelope = None
    if env_a is not None:
        envelope = Envelope(**{k: (1.0 - t) * getattr(env_a, k) + t * getattr(env_b, k) for k in ENVELOPE_FIELDS})
    return replace(a, envelope=envelope, track=track, description=f"{t:.0%} of the way from one sound to another")
