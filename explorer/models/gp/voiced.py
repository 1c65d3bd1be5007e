"""Phase-continuous draws of a :class:`~explorer.models.gp.track.Track` (voiced + Bark-band noise GP).

Each harmonic h is a **stochastic resonator** in state-space form, written in its heterodyne
(baseband) coordinates: its complex state is ``s_h(t) = c_h(t) exp(i h phi(t))`` where
``phi(t) = 2 pi int_0^t f0`` is the running phase of the f0 track and ``c_h`` is a complex
Ornstein-Uhlenbeck process (Matern-1/2, time constant ``1 / (pi bandwidth_hz)``), i.e. the
resonator recursion ``s_k = rho exp(i h dphi_k) s_{k-1} + sqrt(1 - rho^2) e_k``: its frequency
follows the track at every step while its state carries over, so nothing restarts at a frame
or block edge and the phase never jumps. ``c_h`` is run with :func:`scipy.signal.lfilter` on
a control grid (:data:`CONTROL_S`) and interpolated linearly to audio rate, with the
interpolation's (known, deterministic) variance dip divided out so that ``E|c_h|^2 = 1``
exactly at every sample. The output is ``sqrt(2) A_h(t) Re s_h(t)``, so harmonic h has power
``A_h(t)^2``.

Unvoiced parts: white noise through a short-time filter (:func:`_filtered_noise`: ~32 ms
sqrt-Hann frames, 75% overlap), each frame's power response ``sum_j G_j(t)^2 |H_j(f)|^2`` from
the unit-variance Bark-band shapes ``|H_j|^2`` (:func:`band_masks`): with constant gains this is
exactly stationary noise of that PSD; with changing gains it follows them frame by frame.

With the track's ``coherence`` c > 0, each harmonic's state is ``sqrt(c) + sqrt(1 - c) c_h(t)``:
a share c of its power is locked to the running phase (the GP's mean, as a voice's harmonics are
locked to its glottal pulses), the rest wanders as before.

Everything is a fixed affine map of the innovations ``z = [harmonic innovations | noise
innovations]``: the same z gives the same sound, and any slerp of two z is again a draw.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.fft
import scipy.signal

from explorer.budget import check_time
from explorer.models.gp.track import Track, noise_bands

#: Control-grid step of the harmonic amplitude processes, s (at most; finer for wide lines).
CONTROL_S = 0.005
#: Harmonics fade out between these fractions of Nyquist.
FADE_START = 0.85
FADE_END = 0.95


def control_step_s(bandwidth_hz: float) -> float:
    """Control-grid step, s: fine enough that the OU state moves little between points."""
    return min(CONTROL_S, 0.1 / (math.pi * bandwidth_hz))


def latent_layout(track: Track, n: int, *, sr: int) -> tuple[int, int, int]:
    """(n_control, harmonic latent size, noise latent size) for n samples."""
    n_c = int(math.ceil(n / sr / control_step_s(track.bandwidth_hz))) + 2
    frame, hop = noise_frame(sr)
    n_frames = int(math.ceil((n + frame) / hop)) + 1
    return n_c, 2 * track.n_harmonics * n_c, (n_frames - 1) * hop + frame


def noise_frame(sr: int) -> tuple[int, int]:
    """Frame length and hop (samples) of the noise part's short-time filter: ~32 ms frames, 75% overlap."""
    frame = 1 << int(round(math.log2(0.032 * sr)))
    return frame, frame // 4


def latent_dim(track: Track, n: int, *, sr: int) -> int:
    _, a, b = latent_layout(track, n, sr=sr)
    return a + b


def _frame_interp(n_frames: int, hop_s: float, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Left frame index and weight of the right frame for linear interpolation at times t (s)."""
    pos = np.clip(t / hop_s, 0.0, n_frames - 1)
    j0 = np.minimum(pos.astype(np.int64), max(n_frames - 2, 0))
    return j0, (pos - j0) if n_frames > 1 else np.zeros_like(pos)


def _lerp_rows(a: np.ndarray, j0: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Rows of a [T x K] interpolated at (j0, b) -> [K x len(j0)]."""
    if a.shape[0] == 1:
        return np.repeat(a.T, len(j0), axis=1)
    return (a[j0] * (1.0 - b)[:, None] + a[j0 + 1] * b[:, None]).T


def frame_curves(track: Track, t: np.ndarray, *, sr: int, parts: tuple[str, ...] = ("f0", "amp", "gains")):
    """f0 (Hz) [len(t)], harmonic amplitudes [H x len(t)] and band gains [J x len(t)] at times t (s).

    Frames without a pitch (f0 = 0) get an f0 interpolated from their voiced neighbours (held
    at the ends), so the phase runs on smoothly through unvoiced stretches. Harmonics fade out
    between ``FADE_START`` and ``FADE_END`` x Nyquist.
    """
    tf = np.arange(track.n_frames) * track.hop_s
    f0 = track.f0_hz
    has = f0 > 0
    f0 = np.interp(tf, tf[has], f0[has]) if np.any(has) else np.full_like(f0, 100.0)
    j0, b = _frame_interp(track.n_frames, track.hop_s, t)
    f0_t = _lerp_rows(f0[:, None], j0, b)[0]
    if parts == ("f0",):
        return (f0_t,)
    amp = _lerp_rows(np.sqrt(track.voicing[:, None] * track.harmonics), j0, b)
    ny = sr / 2
    hf = (np.arange(1, track.n_harmonics + 1) * track.stretch)[:, None] * f0_t[None, :]
    amp *= np.clip((FADE_END * ny - hf) / ((FADE_END - FADE_START) * ny), 0.0, 1.0)
    g = _lerp_rows(np.sqrt(track.noise_bands), j0, b)
    return f0_t, amp, g


def band_masks(m: int, *, sr: int, split: int = 1) -> np.ndarray:
    """|H_j(f)|^2 on the rfft bins of an m-point frame for each Bark band, float64 [J x m//2+1].

    Normalised so that white noise of unit variance filtered by band j has unit variance; its
    PSD is a Gaussian at the band centre with FWHM = band width.
    """
    bands = noise_bands(sr, split)
    centre, width = bands.mean(axis=1), bands[:, 1] - bands[:, 0]
    sd = width / (2.0 * math.sqrt(2.0 * math.log(2.0)))
    f = np.fft.rfftfreq(m, 1.0 / sr)
    s = np.exp(-0.5 * ((f[None, :] - centre[:, None]) / sd[:, None]) ** 2)
    s += np.exp(-0.5 * ((f[None, :] + centre[:, None]) / sd[:, None]) ** 2)
    mult = np.full(len(f), 2.0)
    mult[0] = 1.0
    if m % 2 == 0:
        mult[-1] = 1.0
    total = (s * mult).sum(axis=1, keepdims=True)  # sum over the full two-sided spectrum
    return s * m / np.maximum(total, 1e-300)


def ou_paths(e: np.ndarray, rho: float) -> np.ndarray:
    """Unit-variance complex OU paths from innovations e [..., K] complex (E|e|^2 = 1), stationary start."""
    e = np.array(e, dtype=np.complex128)
    e[..., 0] /= math.sqrt(1.0 - rho**2)
    return scipy.signal.lfilter([math.sqrt(1.0 - rho**2)], [1.0, -rho], e, axis=-1)


def _filtered_noise(e: np.ndarray, p: "TrackPlan") -> np.ndarray:
    """Short-time filtered white noise: sqrt-Hann analysis/synthesis frames (75% overlap), each
    frame's spectrum times its filter; output sample i is input sample i + frame (the first
    frame only warms up). For a constant filter the result is stationary noise with that PSD.
    """
    frames = np.lib.stride_tricks.sliding_window_view(np.asarray(e, np.float32), p.frame)[:: p.hop]
    win = np.sqrt(scipy.signal.get_window("hann", p.frame)).astype(np.float32)
    y = scipy.fft.irfft(scipy.fft.rfft(frames * win, axis=-1) * p.filters[: len(frames)], n=p.frame, axis=-1) * win
    out = np.zeros((len(frames) - 1) * p.hop + p.frame, dtype=np.float32)
    k = p.frame // p.hop
    for s in range(k):  # overlap-add: frames s, s + k, ... do not overlap each other
        block = y[s::k].reshape(-1)
        out[s * p.hop : s * p.hop + len(block)] += block
    return out[p.frame :] * (2.0 / k)  # sum of k Hann windows at hop frame / k is k / 2


@dataclass(frozen=True)
class TrackPlan:
    """Everything of a track's draw that does not depend on z (computed once, reused per render)."""

    n: int
    n_c: int
    n_h: int
    m: int
    rho: float
    i0: np.ndarray       # int [n]: left control point of each sample
    w0: np.ndarray       # float32 [n]: its weight (variance dip divided out)
    w1: np.ndarray       # float32 [n]: the right control point's weight
    rot: np.ndarray      # complex64 [n]: exp(i phi(t))
    phase: np.ndarray    # float64 [n]: phi(t), rad (stretched partials need it)
    amp_c: np.ndarray    # float64 [H x n_c]: harmonic amplitudes on the control grid
    frame: int           # noise frame length, samples
    hop: int             # noise frame hop, samples
    filters: np.ndarray  # float32 [frames x frame // 2 + 1]: each noise frame's magnitude response


def plan_track(track: Track, n: int, *, sr: int) -> TrackPlan:
    """The z-independent part of :func:`render_track` for n samples at sr."""
    n_c, n_h, m = latent_layout(track, n, sr=sr)
    dt = control_step_s(track.bandwidth_hz)
    rho = math.exp(-math.pi * track.bandwidth_hz * dt)
    t = np.arange(n) / sr
    pos = t / dt
    i0 = np.minimum(pos.astype(np.int64), n_c - 2)
    a = pos - i0
    norm = 1.0 / np.sqrt((1 - a) ** 2 + a**2 + 2 * a * (1 - a) * rho)
    f0_t = frame_curves(track, t, sr=sr, parts=("f0",))[0]
    _, amp_c, _ = frame_curves(track, np.arange(n_c) * dt, sr=sr)
    phase = 2.0 * np.pi * np.cumsum(f0_t) / sr  # rad: phi(t)
    frame, hop = noise_frame(sr)
    n_frames = (m - frame) // hop + 1
    centres = (np.arange(n_frames) * hop + frame / 2 - frame) / sr  # s: frame f covers output [f hop - frame, ...)
    _, _, g = frame_curves(track, np.clip(centres, 0.0, None), sr=sr)
    filters = np.sqrt((g.T**2) @ band_masks(frame, sr=sr, split=track.band_split))
    return TrackPlan(
        n, n_c, n_h, m, rho, i0, ((1 - a) * norm).astype(np.float32), (a * norm).astype(np.float32),
        np.exp(1j * phase).astype(np.complex64), phase, amp_c, frame, hop, filters.astype(np.float32),
    )


def render_track(track: Track, z: np.ndarray, n: int, *, sr: int, plan: TrackPlan | None = None,
                 return_parts: bool = False):
    """One draw per row of z [rows x latent_dim] -> float32 [rows x n] (or the (voiced, noise) parts).

    Per row: the harmonics' OU states on the control grid (one lfilter over all harmonics),
    times their amplitudes, interpolated to audio rate, summed over h against exp(i h phi(t))
    by Horner's rule; then the Bark-band noise (one rfft, J irffts).
    """
    z = np.atleast_2d(np.asarray(z))
    p = plan or plan_track(track, n, sr=sr)
    H = track.n_harmonics
    voiced = np.zeros((len(z), n), dtype=np.float32)
    noise = np.zeros((len(z), n), dtype=np.float32)
    for r in range(len(z)):
        check_time()
        zh = z[r, : p.n_h].astype(np.float64).reshape(H, 2, p.n_c)
        c = ou_paths((zh[:, 0] + 1j * zh[:, 1]) / math.sqrt(2.0), p.rho)
        if track.coherence > 0:
            c = math.sqrt(track.coherence) + math.sqrt(1.0 - track.coherence) * c
        u = (c * p.amp_c).astype(np.complex64)
        if track.inharmonicity > 0:  # stretched partials: one rotation per harmonic
            acc = np.zeros(n, dtype=np.complex64)
            for h, s_h in enumerate(track.stretch):
                check_time()
                if np.any(u[h]):
                    rot_h = np.exp(1j * (h + 1) * s_h * p.phase).astype(np.complex64)
                    acc += (u[h].take(p.i0) * p.w0 + u[h].take(p.i0 + 1) * p.w1) * rot_h
            voiced[r] = math.sqrt(2.0) * acc.real
            noise[r] = _filtered_noise(z[r, p.n_h : p.n_h + p.m], p)[:n]
            continue
        # sum_h u_h(t) E^(h+1) at both neighbouring control points, by Horner's rule, then interpolated
        acc0, acc1 = u[H - 1].take(p.i0), u[H - 1].take(p.i0 + 1)
        for h in range(H - 2, -1, -1):
            acc0 *= p.rot
            acc0 += u[h].take(p.i0)
            acc1 *= p.rot
            acc1 += u[h].take(p.i0 + 1)
        voiced[r] = math.sqrt(2.0) * ((acc0 * p.w0 + acc1 * p.w1) * p.rot).real
        noise[r] = _filtered_noise(z[r, p.n_h : p.n_h + p.m], p)[:n]
    if return_parts:
        return voiced, noise
    return voiced + noise


#: A harmonic line's Gaussian is summed over the bins within this many standard deviations of its
#: centre (beyond, it is below 1e-14 of its peak).
LINE_REACH_SD = 8.0


def _gaussian_lines(freqs_hz: np.ndarray, mu: np.ndarray, power: np.ndarray, sd: float) -> np.ndarray:
    """sum_l power_l N(f; mu_l, sd) at each of ``freqs_hz`` [F], evaluated only near each line.

    A voiced track has thousands of narrow lines (harmonics x frames); evaluating every line at
    every bin costs lines x bins exponentials, nearly all of them zero."""
    order = np.argsort(freqs_hz, kind="stable")
    fs = freqs_hz[order]
    lo = np.searchsorted(fs, mu - LINE_REACH_SD * sd)
    hi = np.searchsorted(fs, mu + LINE_REACH_SD * sd, side="right")
    out = np.zeros(fs.size)
    width = int((hi - lo).max(initial=0))
    if width == 0:
        return out
    chunk = max(1, 2_000_000 // width)  # lines per pass: a few MB of temporaries at most
    for a in range(0, mu.size, chunk):
        j = lo[a : a + chunk, None] + np.arange(width)[None, :]
        inside = j < hi[a : a + chunk, None]
        j = np.minimum(j, fs.size - 1)
        g = np.exp(-0.5 * ((fs[j] - mu[a : a + chunk, None]) / sd) ** 2) * power[a : a + chunk, None]
        out += np.bincount(j[inside], weights=g[inside], minlength=fs.size)
    result = np.empty_like(out)
    result[order] = out / (sd * math.sqrt(2 * math.pi))
    return result


def track_psd(track: Track, freqs_hz: np.ndarray, *, n: int, sr: int, gain2: np.ndarray | None = None,
              smoothing_hz: float = 0.0, max_frames: int = 120) -> np.ndarray:
    """Time-averaged one-sided PSD of a track's draw, power / Hz [shape=freqs.shape] (approximate).

    Each harmonic line is drawn as a Gaussian of the line's half width (the Lorentzian's tails
    left out) widened by ``smoothing_hz``; bands as their Gaussian shapes; frames are weighted
    by the mean of ``gain2`` (the squared envelope, [n]) over them; at most ``max_frames`` frames used.
    """
    f = np.asarray(freqs_hz, dtype=np.float64)
    step = max(1, n // max_frames)
    idx = np.arange(step // 2, n, step)
    f0_t, amp, g = frame_curves(track, idx / sr, sr=sr)  # only the frames used, not every sample
    w = np.ones(len(idx)) if gain2 is None else np.add.reduceat(gain2, idx - step // 2)[: len(idx)] / step
    w = w / len(idx)
    ff = f.reshape(-1)
    sd_h = math.hypot(track.bandwidth_hz / 2.0, smoothing_hz)
    hk = np.arange(1, track.n_harmonics + 1) * track.stretch
    mu = (hk[:, None] * f0_t[None, :]).ravel()  # one line per harmonic and frame
    p = (amp ** 2 * w[None, :]).ravel()
    out = _gaussian_lines(ff, mu, p, sd_h)
    bands = noise_bands(sr, track.band_split)
    centre = bands.mean(axis=1)
    sd_b = np.hypot((bands[:, 1] - bands[:, 0]) / (2.0 * math.sqrt(2.0 * math.log(2.0))), smoothing_hz)
    pb = (g ** 2 * w[None, :]).sum(axis=1)
    out += np.sum(pb[:, None] * np.exp(-0.5 * ((ff[None, :] - centre[:, None]) / sd_b[:, None]) ** 2)
                  / (sd_b[:, None] * math.sqrt(2 * math.pi)), axis=0)
    return out.reshape(f.shape)
