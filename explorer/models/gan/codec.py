"""GANSynth-style spectral codec: audio <-> (log-magnitude, IF) on HTK-mel bands ("IF-Mel partials").

A note y [32768 samples at 16 kHz] is analysed with the audio core's STFT (``n_fft=1024``,
``hop_length=256``, periodic Hann, centred frames with the ends mirrored: 513 bins x 129
frames). Each of ``n_mels`` HTK-mel bands (``librosa.filters.mel(htk=True, norm=None)``:
triangles that sum to one at every frequency) is summarised per frame by two numbers:

* channel 0, **log-magnitude**: the band's share of partial amplitude,
  ``a_m = sum_k w_mk |X_k| / (n_fft / 2)``, stored as ``1 + 2 ln(a_m + 1e-4) / ln(1e4)``
  (80 dB mapped onto [-1, 1]);
* channel 1, **instantaneous frequency (IF)**: the power-weighted mean of the per-bin
  instantaneous frequencies (:func:`explorer.audio.spectral.if_to_hz`: phase advance between
  frames, unwrapped about each bin's centre frequency, in Hz), stored as the deviation from the
  band centre in units of the band's half-width, in [-1, 1].

Frames are decimated by two (64 frames, 32 ms apart): a 2 x ``n_mels`` x 64 image. The inverse
needs no Griffin-Lim: every band becomes one partial at its IF with its amplitude; its phase is
the running sum of the IF (``phase += 2 pi f hop / sr``), and its STFT bins are written with the
exact Hann main-lobe shape, ``X_k = a N/2 W(f/df - k) exp(i (phase - pi k))``, then one ISTFT.
A harmonic that falls in a band comes back as a clean, phase-coherent sinusoid, which is why the
rainbowgram of a generated note shows steady colours along its harmonics.

**Harmonic lock** (optional, ``decode(..., f0=, lock=)``): a pitch-conditioned model knows the
note's f0, so each band's frequency can be moved onto the nearest harmonic k f0 (k >= 1) when it
lies within ``lock`` x f0 of it (0.5: always). Broadband energy that the generator spreads over
many bands then comes back as harmonics of the note instead of hiss (a harmonic-oscillator bias,
as in DDSP). Inharmonic partials farther than the tolerance from every harmonic are kept.
"""

from __future__ import annotations

import math

import librosa
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from explorer.audio.constants import HOP_LENGTH, N_FFT, N_SAMPLES, SR
from explorer.audio.spectral import if_to_hz, to_logmag_if
from explorer.audio.stft import istft_t, stft_t

LOG_FLOOR = 1e-4  # amplitude floor of the log-magnitude channel (80 dB below amplitude 1)


def _hann_lobe(frac: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
    """Spectrum of a periodic Hann window, over N/2 (real, signed), at bins ``offsets`` [L] away from
    the bin nearest a sinusoid that sits ``frac`` [...] bins (in [-0.5, 0.5]) from that bin.

    W(d) = sinc(d) / (2 (1 - d^2)) with d = frac - offset: one sine for all bins, as
    sin(pi (frac - j)) = (-1)^j sin(pi frac). A partial exactly on a bin centre is moved by
    1e-4 bin (0.002 Hz) so that no d is an integer (where the formula is 0/0).
    """
    frac = torch.where(frac.abs() < 1e-4, torch.full_like(frac, 1e-4), frac)
    d = frac[..., None] - offsets  # [... x L]
    sign = 1.0 - 2.0 * torch.remainder(offsets, 2)  # (-1)^j
    return (torch.sin(math.pi * frac)[..., None] * sign) / (2 * math.pi * d * (1 - d * d))


def mel_geometry(n_mels: int, *, sr: int = SR, n_fft: int = N_FFT) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """HTK-mel band edges [n_mels + 2], centres [n_mels] and IF ranges [n_mels] (Hz).

    A band's IF range is its half-width, at least 3 STFT bins (the IF a band can see through the
    Hann main lobe of a partial in a neighbouring bin)."""
    edges = librosa.mel_frequencies(n_mels + 2, fmin=0.0, fmax=sr / 2, htk=True)  # Hz
    half = np.maximum((edges[2:] - edges[:-2]) / 2.0, 3.0 * sr / n_fft)
    return edges, edges[1:-1], half


class SpectralCodec(nn.Module):
    """Audio <-> (log-magnitude, IF) on ``n_mels`` mel bands and ``n_frames`` frames.

    encode: y Tensor[B x N_SAMPLES] -> Tensor[B x 2 x n_mels x n_frames]
    decode: Tensor[B x 2 x n_mels x n_frames] -> y Tensor[B x N_SAMPLES]
    """

    LOBE = 2  # bins written on each side of a partial's nearest bin (the Hann main lobe is +-2 bins)

    def __init__(self, n_mels: int = 128, n_frames: int = 64, *, sr: int = SR, n_fft: int = N_FFT,
                 hop_length: int = HOP_LENGTH, n_samples: int = N_SAMPLES):
        super().__init__()
        self.sr, self.n_fft, self.hop_length, self.n_samples = sr, n_fft, hop_length, n_samples
        self.n_mels, self.n_frames = n_mels, n_frames
        self.n_stft_frames = n_samples // hop_length + 1  # centred frames: 129
        self.decimate = max(1, (self.n_stft_frames - 1) // n_frames)  # 2
        n_bins = n_fft // 2 + 1
        _, centres, half = mel_geometry(n_mels, sr=sr, n_fft=n_fft)
        bins_hz = np.arange(n_bins) * sr / n_fft
        # HTK triangles with peak 1 (equal to the hand-written ones this replaced, to the last bit)
        w = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=0.0, fmax=sr / 2, htk=True, norm=None)
        self.register_buffer("weights", torch.from_numpy(w), persistent=False)  # [M x K]
        self.register_buffer("centres", torch.tensor(centres, dtype=torch.float32), persistent=False)  # Hz
        self.register_buffer("if_range", torch.tensor(half, dtype=torch.float32), persistent=False)  # Hz
        self.register_buffer("bin_hz", torch.tensor(bins_hz, dtype=torch.float32), persistent=False)

    # ---- analysis -----------------------------------------------------------------------
    def stft(self, y: torch.Tensor) -> torch.Tensor:
        """Complex STFT, Tensor[B x 513 x 129] (centred frames, ends mirrored)."""
        return stft_t(y, n_fft=self.n_fft, hop_length=self.hop_length, pad_mode="reflect").transpose(1, 2)

    def bin_frequencies(self, spec: torch.Tensor) -> torch.Tensor:
        """Instantaneous frequency of each STFT bin, Hz, Tensor[B x K x T], from the phase advance."""
        _, if_ = to_logmag_if(spec.numpy())
        f = torch.from_numpy(if_to_hz(if_, sr=self.sr, hop_length=self.hop_length, n_fft=self.n_fft))
        return torch.cat([f[..., 1:2], f[..., 1:]], dim=-1)  # frame 0 is reflect-padded: borrow frame 1's

    @torch.no_grad()
    def encode(self, y: torch.Tensor) -> torch.Tensor:
        """Audio Tensor[B x n] -> features Tensor[B x 2 x n_mels x n_frames] (float32)."""
        y = torch.as_tensor(y, dtype=torch.float32)
        y = F.pad(y, (0, max(0, self.n_samples - y.shape[-1])))[..., : self.n_samples]
        spec = self.stft(y)
        mag = spec.abs()  # [B x K x T]
        power = mag**2
        f_bin = self.bin_frequencies(spec)
        amp = torch.einsum("mk,bkt->bmt", self.weights, mag) / (self.n_fft / 2)
        wp = torch.einsum("mk,bkt->bmt", self.weights, power)
        eps = 1e-9
        f_band = (torch.einsum("mk,bkt->bmt", self.weights, power * f_bin) + eps * self.centres[:, None]) / (wp + eps)
        dev = ((f_band - self.centres[:, None]) / self.if_range[:, None]).clamp(-1.0, 1.0)
        logmag = 1.0 + 2.0 * torch.log(amp + LOG_FLOOR) / math.log(1.0 / LOG_FLOOR)
        feats = torch.stack([logmag, dev], dim=1)[..., :: self.decimate][..., : self.n_frames]
        return feats.contiguous()

    # ---- synthesis ----------------------------------------------------------------------
    def _upsample_time(self, x: torch.Tensor) -> torch.Tensor:
        """[..., n_frames] -> [..., 129] by linear interpolation between decimated frames."""
        pos = torch.arange(self.n_stft_frames, device=x.device, dtype=x.dtype) / self.decimate
        i0 = pos.floor().long().clamp(max=self.n_frames - 1)
        i1 = (i0 + 1).clamp(max=self.n_frames - 1)
        frac = (pos - i0.to(x.dtype)).clamp(0.0, 1.0)
        return x[..., i0] * (1 - frac) + x[..., i1] * frac

    def decode(self, feats: torch.Tensor, *, f0: torch.Tensor | None = None, lock: float = 0.0) -> torch.Tensor:
        """Features Tensor[B x 2 x n_mels x n_frames] -> audio Tensor[B x n_samples] (float32).

        ``f0``: each note's fundamental, Hz, Tensor[B]; with ``lock`` > 0 (a fraction of f0, at most
        0.5) band frequencies within ``lock`` x f0 of a harmonic are moved onto it (see the module
        docstring)."""
        feats = feats.float()
        logmag = feats[:, 0].clamp(-1.0, 1.2)
        dev = feats[:, 1].clamp(-1.0, 1.0)
        amp = torch.exp((logmag - 1.0) * math.log(1.0 / LOG_FLOOR) / 2.0) - LOG_FLOOR  # [B x M x t]
        amp = self._upsample_time(amp.clamp(min=0.0)).transpose(1, 2)  # [B x T x M]
        freq = self.centres[:, None] + dev * self.if_range[:, None]  # Hz
        # the first frame's IF is measured across the reflect-padded start of the note: unreliable,
        # so the phase starts from the second frame's frequencies
        freq = self._upsample_time(torch.cat([freq[..., 1:2], freq[..., 1:]], dim=-1)).transpose(1, 2)
        if f0 is not None and lock > 0:
            f0 = torch.as_tensor(f0, dtype=freq.dtype, device=freq.device).reshape(-1, 1, 1)
            harmonic = torch.round(freq / f0).clamp(min=1.0) * f0
            freq = torch.where((harmonic - freq).abs() <= min(lock, 0.5) * f0, harmonic, freq)
        freq = freq.clamp(0.0, self.sr / 2)  # [B x T x M], Hz
        df = self.sr / self.n_fft
        pos = freq / df  # fractional bin of each partial
        nearest = pos.round()
        lobe_bins = self.LOBE
        offsets = torch.arange(-lobe_bins, lobe_bins + 1, device=feats.device, dtype=feats.dtype)
        lobe = _hann_lobe(pos - nearest, offsets) * ((self.n_fft / 2) * amp)[..., None]  # [B x T x M x L], signed
        weight = lobe.abs()
        b, t, m, l = lobe.shape
        n_bins = self.n_fft // 2 + 1
        # bins beyond 0 Hz and Nyquist land in padding that is cut off again
        idx = (nearest.long()[..., None] + (offsets.long() + lobe_bins)).reshape(b, t, m * l)
        src = torch.stack([lobe, weight, weight * freq[..., None]]).reshape(3, b, t, m * l)
        acc = torch.zeros(3, b, t, n_bins + 2 * lobe_bins, device=feats.device)
        acc.scatter_add_(-1, idx.expand(3, b, t, m * l), src)
        mag, den, num = acc[..., lobe_bins : lobe_bins + n_bins]  # [B x T x K] each
        f_bin = (num + 1e-6 * self.bin_hz) / (den + 1e-6)  # Hz
        # each bin's phase is the running sum of its instantaneous frequency (no Griffin-Lim)
        step = math.pi * self.hop_length / self.sr  # rad / (Hz . hop), halved for the trapezoid rule
        phase = torch.cumsum(torch.cat([torch.zeros_like(f_bin[:, :1]), (f_bin[:, 1:] + f_bin[:, :-1]) * step], dim=1),
                             dim=1)
        phase = phase - math.pi * torch.arange(n_bins, device=feats.device, dtype=phase.dtype)
        spec = torch.complex(mag * torch.cos(phase), mag * torch.sin(phase))  # frame-major [B x T x K]
        return istft_t(spec, n_fft=self.n_fft, hop_length=self.hop_length, length=self.n_samples)
