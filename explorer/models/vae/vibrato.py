"""The VAE's vibrato: the pitch track its decoder draws, and the track measured from a note.

:func:`pitch_track` turns the vibrato head's six numbers into cents over time and
:func:`warp_frequency` bends a spectrogram by it (the decoder and the starting phase both use
them). The rest of this module measures a note's own track, for training.

The decoder's vibrato head (``vibrato`` in the config, see :func:`pitch_track`)
stretches a static harmonic spectrum frame by frame. Learned from the reconstruction loss alone
it stays idle: the phase and rate of a vibrato are out of reach of a gradient that starts from
a flat track. So training also shows it the track each note actually has, measured here the way
the decoder uses it: the stretch of the note's own average spectrum that best matches each frame.

``measure(logmag)`` for log|S| [B x F x T] (F = 513 linear bins):

1. ``ref`` = the frames' average of |S|^(1/2) (compressed, so weak upper partials count too);
2. for each candidate deviation c (cents, a grid of ``step`` over +/- ``max_cents``), ``ref``
   stretched by 2^(c/1200) (:func:`warp_frequency`) is correlated with every
   frame (both centred and normalised over frequency);
3. each frame's best c is refined by a parabola through its neighbours; the track is centred
   (median 0), since the pitch itself is the conditioning, not part of the track;
4. ``ref`` is rebuilt from the frames un-stretched by that track, and 2-3 repeat once, so the
   blur the vibrato put into the first average is gone.

The confidence of a frame is its best correlation (clamped at 0), squared, and zero in frames
more than 40 dB below the note's loudest: a noise-like or silent frame carries no pitch.

A track drawn by a gradient is still out of reach (the phase of a sine gives no gradient while
its rate is wrong, nor the rate while its depth is zero), so ``fit`` turns each measured track
into the head's own six numbers (see :func:`pitch_track`): for every rate,
delay and glide time on a grid, depth and phase (a, b) and glide g are a weighted linear least
squares; the best fit wins. The head then learns those numbers directly, a convex target.
"""

from __future__ import annotations

import torch

#: Numbers of the vibrato head (see pitch_track).
N_VIBRATO = 6
MAX_CENTS = 120.0
STEP_CENTS = 4.0
QUIET_DB = 40.0
RATES = torch.arange(4.05, 7.0, 0.1)  # Hz, inside pitch_track's 4-7 Hz
DELAYS = torch.tensor([0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8])  # s
GLIDE_TIMES = torch.tensor([0.03, 0.06, 0.12])  # s
MIN_R2 = 0.3  # a fit explaining less of the track than this is noise: no vibrato, no glide


def pitch_track(params: torch.Tensor, *, n_frames: int, frame_s: float) -> torch.Tensor:
    """A note's pitch deviation over time, cents [B x T], from 6 raw numbers per note [B x 6].

    cents(t) = ramp(t / delay)^2 * 10 (a sin(2 pi rate t) + b cos(2 pi rate t))   vibrato
               + 10 g exp(-t / glide_time)                                         onset scoop/blip
    with rate = 4 + 3 sigmoid(.) Hz, delay = 0.05 + 0.75 sigmoid(.) s, glide_time = 0.02 +
    0.15 sigmoid(.) s: the shape of a player's vibrato, so a few numbers of the code draw it.
    All-zero params (the initial state) give a flat track.
    """
    a, b, rate, delay, g, glide_time = params.unbind(dim=1)
    t = torch.arange(n_frames, dtype=params.dtype, device=params.device) * frame_s  # s [T]
    rate = 4.0 + 3.0 * torch.sigmoid(rate)
    delay = 0.05 + 0.75 * torch.sigmoid(delay)
    glide_time = 0.02 + 0.15 * torch.sigmoid(glide_time)
    w = 2.0 * torch.pi * rate[:, None] * t
    onset = (t / delay[:, None]).clamp(max=1.0) ** 2
    vibrato = onset * 10.0 * (a[:, None] * torch.sin(w) + b[:, None] * torch.cos(w))
    return vibrato + 10.0 * g[:, None] * torch.exp(-t / glide_time[:, None])


def warp_frequency(spec: torch.Tensor, ratio: torch.Tensor) -> torch.Tensor:
    """Spectrogram frames [B x F x T] each stretched along frequency by ratio [B x T].

    out[b, f, t] = spec[b, f / ratio[b, t], t] (linear interpolation between bins; the top bin
    is held beyond the end), so a peak at bin k moves to bin k * ratio.
    """
    F = spec.shape[1]
    src = (torch.arange(F, dtype=spec.dtype, device=spec.device)[None, :, None] / ratio[:, None, :]).clamp(0, F - 1)
    i0 = src.floor().clamp(max=F - 2)
    idx = i0.long()
    lo, hi = spec.gather(1, idx), spec.gather(1, idx + 1)
    return lo + (src - i0) * (hi - lo)


def _normalise(x: torch.Tensor, dim: int) -> torch.Tensor:
    x = x - x.mean(dim=dim, keepdim=True)
    return x / x.norm(dim=dim, keepdim=True).clamp_min(1e-8)


@torch.no_grad()
def measure(logmag: torch.Tensor, *, max_cents: float = MAX_CENTS, step: float = STEP_CENTS,
            n_iter: int = 2) -> tuple[torch.Tensor, torch.Tensor]:
    """Pitch deviation per frame, cents [B x T], and its confidence in [0, 1] [B x T].

    logmag : Tensor[B x F x T], natural-log magnitude (any offset: only ratios matter).
    """
    x = torch.exp(0.5 * (logmag.float() - logmag.float().amax(dim=(1, 2), keepdim=True)))  # |S|^(1/2)
    B, F, T = x.shape
    grid = torch.arange(-max_cents, max_cents + step / 2, step)  # [J]
    J = len(grid)
    xn = _normalise(x, dim=1)  # [B x F x T]
    energy_db = 40.0 * torch.log10((x**2).sum(1).clamp_min(1e-12))  # 10 log10(|S|^2) per frame
    loud = energy_db >= energy_db.amax(dim=1, keepdim=True) - QUIET_DB  # [B x T]
    ref = (x * loud[:, None, :]).sum(-1)  # [B x F]
    cents = torch.zeros(B, T)
    for _ in range(n_iter):
        warped = warp_frequency(ref[:, :, None].expand(B, F, J).contiguous(),
                                (2.0 ** (grid / 1200.0))[None, :].expand(B, J))  # [B x F x J]
        score = torch.einsum("bfj,bft->btj", _normalise(warped, dim=1), xn)  # [B x T x J]
        best = score.argmax(-1)  # [B x T]
        i = best.clamp(1, J - 2)
        s0, s1, s2 = (score.gather(-1, (i + d)[..., None])[..., 0] for d in (-1, 0, 1))
        denom = s0 - 2.0 * s1 + s2
        offset = torch.where(denom < -1e-9, 0.5 * (s0 - s2) / denom, torch.zeros_like(denom)).clamp(-1, 1)
        offset = torch.where(best == i, offset, torch.zeros_like(offset))  # at the grid's edge: no refining
        cents = grid[best] + offset * step
        confidence = score.amax(-1).clamp_min(0.0) ** 2 * loud
        cents = cents - _weighted_median(cents, confidence)[:, None]
        # un-stretch each frame by its deviation and average again, weighted by confidence
        flat = warp_frequency(x, 2.0 ** (-cents / 1200.0))
        ref = (flat * confidence[:, None, :]).sum(-1)
    return cents, confidence


def _weighted_median(values: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """Per row of [B x T]: the value where the sorted weights reach half their sum (0 if none)."""
    order = values.argsort(dim=1)
    v, w = values.gather(1, order), weights.gather(1, order)
    cum = w.cumsum(1)
    half = cum[:, -1:] / 2.0
    idx = (cum < half).sum(1).clamp(max=values.shape[1] - 1)
    med = v.gather(1, idx[:, None])[:, 0]
    return torch.where(cum[:, -1] > 0, med, torch.zeros_like(med))


def _logit(frac: torch.Tensor) -> torch.Tensor:
    frac = frac.clamp(0.02, 0.98)
    return torch.log(frac / (1.0 - frac))


@torch.no_grad()
def fit(cents: torch.Tensor, confidence: torch.Tensor, *, frame_s: float, chunk: int = 256) -> torch.Tensor:
    """The vibrato head's six raw numbers [B x 6] (a, b, rate, delay, g, glide_time as
    :func:`pitch_track` reads them) that best draw measured tracks.

    cents, confidence : Tensor[B x T] from :func:`measure`. Notes whose best fit explains less
    than ``MIN_R2`` of the (confidence-weighted) track get a flat track (all a, b, g zero).
    """
    B, T = cents.shape
    t = torch.arange(T, dtype=torch.float32) * frame_s
    grid = torch.cartesian_prod(RATES, DELAYS, GLIDE_TIMES)  # [C x 3]
    onset = (t[None] / grid[:, 1:2]).clamp(max=1.0) ** 2
    w_t = 2.0 * torch.pi * grid[:, 0:1] * t[None]
    basis = 10.0 * torch.stack([onset * torch.sin(w_t), onset * torch.cos(w_t),
                                torch.exp(-t[None] / grid[:, 2:3])], dim=1)  # [C x 3 x T]: pitch_track's columns
    out = torch.zeros(B, 6)
    for i in range(0, B, chunk):
        c, w = cents[i : i + chunk].float(), confidence[i : i + chunk].float()
        gram = torch.einsum("ckt,nt,clt->nckl", basis, w, basis) + 1e-3 * torch.eye(3)  # [n x C x 3 x 3]
        rhs = torch.einsum("ckt,nt->nck", basis, w * c)  # [n x C x 3]
        coef = torch.linalg.solve(gram, rhs[..., None])[..., 0]  # [n x C x 3]
        total = (w * c * c).sum(1)  # [n]
        resid = total[:, None] - (coef * rhs).sum(-1)  # weighted residual of the least-squares fit
        best = resid.argmin(1)
        k = torch.arange(len(c))
        a, b, g = coef[k, best].unbind(1)
        rate, delay, glide_time = grid[best].unbind(1)
        explained = 1.0 - resid[k, best] / total.clamp_min(1e-9)
        keep = (explained >= MIN_R2).float()
        out[i : i + chunk] = torch.stack([a * keep, b * keep, _logit((rate - 4.0) / 3.0), _logit((delay - 0.05) / 0.75),
                                          g * keep, _logit((glide_time - 0.02) / 0.15)], dim=1)
    return out

