"""Building blocks shared by the note families: time axes, envelopes, pitch tracks, an additive
harmonic bank, resonance curves and filtered noise.

Everything works on whole notes at once (numpy vectors of ``N_SAMPLES``); slowly varying
quantities (spectral shapes, filter cutoffs) live at a control rate of one value per
``CONTROL_HOP`` samples and are interpolated linearly to audio rate.
"""

from __future__ import annotations

import numpy as np
from scipy import signal

from explorer.audio.constants import N_SAMPLES, SR
from explorer.audio.pitch import midi_to_hz  # noqa: F401  (one home; the synth families import it from here)

#: Note length, samples, and the moment the key is released (75 % of the note, as in NSynth).
N = N_SAMPLES
RELEASE_AT_S = 0.75 * N_SAMPLES / SR
#: Time of every sample, s.
T = np.arange(N) / SR

#: Control rate: one spectral frame every CONTROL_HOP samples.
CONTROL_HOP = 64
N_FRAMES = N // CONTROL_HOP + 1
#: Time of every control frame, s.
T_CTRL = np.arange(N_FRAMES) * CONTROL_HOP / SR
_W1 = np.arange(CONTROL_HOP) / CONTROL_HOP  # linear interpolation weights inside one hop
_W0 = 1.0 - _W1

#: Partials above ALIAS_HI are dropped; between ALIAS_LO and ALIAS_HI they fade out (Hz).
ALIAS_LO, ALIAS_HI = 0.40 * SR, 0.46 * SR
#: The most partials a harmonic bank renders (enough for a bright 33 Hz bass up to ~5 kHz).
MAX_PARTIALS = 160


def t60_tau(t60: float) -> float:
    """Time constant (s) of an exponential decay that falls 60 dB in ``t60`` seconds."""
    return t60 / np.log(1000.0)


def to_control(x: np.ndarray) -> np.ndarray:
    """Audio-rate signal [N] -> its values at the control frames [N_FRAMES]."""
    return x[np.minimum(np.arange(N_FRAMES) * CONTROL_HOP, N - 1)]


def upsample(a: np.ndarray) -> np.ndarray:
    """Control-rate values [..., N_FRAMES] -> audio rate [..., N] by linear interpolation."""
    a = np.asarray(a, dtype=np.float64)
    up = a[..., :-1, None] * _W0 + a[..., 1:, None] * _W1  # [..., N_FRAMES - 1, hop]
    return up.reshape(*a.shape[:-1], -1)[..., :N]


def adsr(
    *,
    attack: float,
    decay: float,
    sustain: float,
    release: float,
    t: np.ndarray = T,
    release_at: float = RELEASE_AT_S,
) -> np.ndarray:
    """Attack-decay-sustain-release envelope, peak 1.

    attack : s, raised-sine rise from 0 to 1.
    decay : s, T60 of the exponential fall from 1 towards ``sustain`` (a percussive note has
        sustain 0, and ``decay`` is then its ring time).
    sustain : level held until the key is released at ``release_at`` s.
    release : s, T60 of the extra exponential fall after the release (a decay still under way
        carries on beneath it).
    t : times to evaluate at, s (audio rate by default; pass ``T_CTRL`` for the control rate).
    """
    attack = max(attack, 1e-4)

    def held(tt):
        rise = np.sin(0.5 * np.pi * np.clip(tt / attack, 0.0, 1.0)) ** 2
        fall = sustain + (1.0 - sustain) * np.exp(-np.maximum(tt - attack, 0.0) / t60_tau(decay))
        return np.where(tt < attack, rise, fall)

    # The release fades in over its first 10 ms (a quadratic knee), so the envelope's slope is
    # continuous there and letting go of the key does not splatter a click across the spectrum.
    knee = min(0.01, release / 2.0)
    since = np.maximum(t - release_at, 0.0)
    since = np.where(since < knee, since**2 / (2.0 * knee), since - knee / 2.0)
    return held(t) * np.exp(-since / t60_tau(release))


def smooth_noise(rng: np.random.Generator, *, rate_hz: float, t: np.ndarray = T) -> np.ndarray:
    """Slowly wandering random curve, unit standard deviation, about ``rate_hz`` wiggles per second."""
    n_knots = int(np.ceil(t[-1] * rate_hz)) + 3
    knots = rng.standard_normal(n_knots)
    x = np.interp(t * rate_hz, np.arange(n_knots), knots)
    return x / 0.82  # linear interpolation of unit-variance knots has RMS ~0.82


def f0_track(
    pitch: float,
    *,
    rng: np.random.Generator,
    vibrato_rate: float = 0.0,
    vibrato_depth: float = 0.0,
    vibrato_delay: float = 0.0,
    drift: float = 0.0,
    glide: float = 0.0,
    glide_time: float = 0.05,
) -> np.ndarray:
    """Instantaneous fundamental frequency of a note, Hz [N].

    vibrato_rate : Hz; vibrato_depth : cents (peak); vibrato_delay : s before the vibrato has
    faded in fully (it grows in over that time, like a player's).
    drift : cents (std) of a slow random wander of intonation.
    glide : cents the note starts off its pitch, approaching it exponentially in ``glide_time`` s
    (a brass "blip", a singer's scoop).
    """
    cents = np.zeros(N)
    if vibrato_depth > 0.0:
        onset = np.clip(T / max(vibrato_delay, 1e-3), 0.0, 1.0) ** 2
        phase0 = rng.uniform(0.0, 2.0 * np.pi)
        cents += vibrato_depth * onset * np.sin(2.0 * np.pi * vibrato_rate * T + phase0)
    if drift > 0.0:
        cents += drift * smooth_noise(rng, rate_hz=3.0)
    if glide != 0.0:
        cents += glide * np.exp(-T / max(glide_time, 1e-3))
    return midi_to_hz(pitch) * 2.0 ** (cents / 1200.0)


def harmonic_sum(f0: np.ndarray, amps: np.ndarray, *, phases: np.ndarray | None = None) -> np.ndarray:
    """Additive synthesis of harmonic partials: y[n] = sum_k a_k(t_n) sin(k phi[n] + phase_k).

    f0 : np.ndarray [shape=(N,)], Hz, the fundamental (vibrato and all).
    amps : np.ndarray [shape=(K, N_FRAMES) or (K,)], amplitude of partial k+1 at each control
        frame (or constant). Partials are band-limited automatically (faded out between
        ALIAS_LO and ALIAS_HI, so nothing folds back however f0 moves).
    phases : np.ndarray [shape=(K,)] or None, starting phase of each partial, rad.

    The partials are advanced by complex rotation (z_k = z_1^k), so the cost is a few vector
    multiplies per partial rather than a sine per sample and partial.
    """
    amps = np.asarray(amps, dtype=np.float64)
    if amps.ndim == 1:
        amps = np.repeat(amps[:, None], N_FRAMES, axis=1)
    k = np.arange(1, amps.shape[0] + 1)[:, None]
    taper = np.clip((ALIAS_HI - k * to_control(f0)[None, :]) / (ALIAS_HI - ALIAS_LO), 0.0, 1.0)
    amps = amps * taper
    alive = np.flatnonzero(np.any(amps != 0.0, axis=1))
    y = np.zeros(N)
    if alive.size == 0:
        return y
    phi = 2.0 * np.pi * np.concatenate(([0.0], np.cumsum(f0[:-1]))) / SR  # rad
    z1 = np.exp(1j * phi)
    z = z1.copy()
    for i in range(alive[-1] + 1):
        if amps[i].any():
            if phases is None:
                s = z.imag
            else:
                s = z.imag * np.cos(phases[i]) + z.real * np.sin(phases[i])
            y += upsample(amps[i]) * s
        z *= z1
    return y


def partial_sum(freqs: np.ndarray, amps: np.ndarray, *, phases: np.ndarray | None = None) -> np.ndarray:
    """Sum of free (not necessarily harmonic) sinusoids with fixed frequencies.

    freqs : [K] Hz; amps : [K, N] audio-rate amplitudes; partials above ALIAS_HI are skipped.
    """
    y = np.zeros(N)
    for i, f in enumerate(freqs):
        if f < ALIAS_HI:
            p = 0.0 if phases is None else phases[i]
            gain = float(np.clip((ALIAS_HI - f) / (ALIAS_HI - ALIAS_LO), 0.0, 1.0))
            y += gain * amps[i] * np.sin(2.0 * np.pi * f * T + p)
    return y


def formant_gain(f: np.ndarray, freqs, bandwidths) -> np.ndarray:
    """Magnitude of a cascade of second-order resonators (Klatt's cascade formant filter).

    f : frequencies to evaluate, Hz, any shape; freqs, bandwidths : per resonator, Hz, either
    scalars or arrays broadcastable against ``f`` (formants that move in time). Unity at 0 Hz,
    about F/B at each peak, falling 12 dB/octave per resonator above it.
    """
    g = np.ones_like(np.asarray(f, dtype=np.float64))
    for fc, bw in zip(freqs, bandwidths):
        g = g * fc**2 / np.sqrt((fc**2 - f**2) ** 2 + (bw * f) ** 2)
    return g


def peak_gain(f: np.ndarray, *, center: float, q: float) -> np.ndarray:
    """Magnitude of a unit-peak band-pass resonance centred at ``center`` Hz with quality ``q``."""
    f = np.maximum(np.asarray(f, dtype=np.float64), 1e-3)
    return 1.0 / np.sqrt(1.0 + q**2 * (f / center - center / f) ** 2)


def ladder_gain(f: np.ndarray, cutoff: np.ndarray, *, resonance: float) -> np.ndarray:
    """Magnitude of a 4-pole (Moog-ladder style) resonant low-pass, unity at 0 Hz.

    f, cutoff : Hz, broadcastable; resonance : 0 (none) ... 1 (just below self-oscillation).
    """
    k = 3.8 * resonance  # feedback gain; 4 would oscillate
    s = 1.0 + 1j * np.asarray(f) / np.asarray(cutoff)
    return np.abs((1.0 + k) / (s**4 + k))


def noise(rng: np.random.Generator) -> np.ndarray:
    """White Gaussian noise [N], unit variance."""
    return rng.standard_normal(N)


def bandpass(x: np.ndarray, *, low: float, high: float, order: int = 2) -> np.ndarray:
    """Butterworth band-pass between ``low`` and ``high`` Hz (clamped below Nyquist)."""
    high = min(high, 0.47 * SR)
    low = min(max(low, 10.0), 0.9 * high)
    sos = signal.butter(order, [low, high], btype="bandpass", fs=SR, output="sos")
    return signal.sosfilt(sos, x)


def lowpass(x: np.ndarray, *, cutoff: float, order: int = 2) -> np.ndarray:
    """Butterworth low-pass at ``cutoff`` Hz (clamped below Nyquist)."""
    sos = signal.butter(order, min(cutoff, 0.47 * SR), btype="lowpass", fs=SR, output="sos")
    return signal.sosfilt(sos, x)


def resonator_bank(x: np.ndarray, freqs, bandwidths) -> np.ndarray:
    """Filter ``x`` through a cascade of digital two-pole resonators (unity gain at 0 Hz)."""
    sos = []
    for fc, bw in zip(freqs, bandwidths):
        if fc >= 0.47 * SR:
            continue
        r = np.exp(-np.pi * bw / SR)
        a1, a2 = -2.0 * r * np.cos(2.0 * np.pi * fc / SR), r * r
        sos.append([1.0 + a1 + a2, 0.0, 0.0, 1.0, a1, a2])
    return signal.sosfilt(np.array(sos), x) if sos else x


def rms(x: np.ndarray) -> float:
    """Root-mean-square level of ``x`` (0 for silence)."""
    return float(np.sqrt(np.mean(np.square(x))))


def mix_at(x: np.ndarray, reference: np.ndarray, *, ratio: float) -> np.ndarray:
    """``x`` scaled so that its RMS is ``ratio`` times that of ``reference``."""
    level = rms(x)
    return x * (ratio * rms(reference) / level) if level > 0.0 else x
