"""A small GANSynth-style GAN: pitch-conditioned generator of (log-magnitude, IF) mel spectrograms.

Representation ("IF-Mel partials")
----------------------------------
A note y [32768 samples at 16 kHz] is analysed with the STFT (``n_fft=1024``,
``hop_length=256``, periodic Hann, centred frames: 513 bins x 129 frames). Each of ``n_mels``
HTK-mel bands (triangles that sum to one at every frequency) is summarised per frame by two
numbers:

* channel 0, **log-magnitude**: the band's share of partial amplitude,
  ``a_m = sum_k w_mk |X_k| / (n_fft / 2)``, stored as ``1 + 2 ln(a_m + 1e-4) / ln(1e4)``
  (80 dB mapped onto [-1, 1]);
* channel 1, **instantaneous frequency (IF)**: the power-weighted mean of the per-bin
  instantaneous frequencies (phase advance between frames, unwrapped about each bin's centre
  frequency, in Hz), stored as the deviation from the band centre in units of the band's
  half-width, in [-1, 1].

Frames are decimated by two (64 frames, 32 ms apart): a 2 x ``n_mels`` x 64 image. The inverse
needs no Griffin-Lim: every band becomes one partial at its IF with its amplitude; its phase is
the running sum of the IF (``phase += 2 pi f hop / sr``), and its STFT bins are written with the
exact Hann main-lobe shape, ``X_k = a N/2 W(f/df - k) exp(i (phase - pi k))``, then one ISTFT.
A harmonic that falls in a band comes back as a clean, phase-coherent sinusoid, which is why the
rainbowgram of a generated note shows steady colours along its harmonics.

Networks
--------
Generator: [z ; one-hot(pitch)] -> linear -> 4 x 2 image -> (nearest x2 upsample, 3x3 conv,
LeakyReLU, pixel norm) per level, channels shrinking as the resolution grows (CPU-friendly) ->
1x1 conv to 2 channels (tanh on IF). Discriminator: spectral-norm convolutions with stride 2,
a minibatch standard-deviation feature, a hinge score with a pitch **projection** term
(Miyato & Koyama) and an auxiliary pitch classifier (as GANSynth's AC-GAN loss).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from explorer.audio.constants import HOP_LENGTH, N_FFT, N_SAMPLES, PITCH_MAX, PITCH_MIN, SR
from explorer.errors import CheckpointError, ParameterError
from explorer.models.base import LatentAudioModel
from explorer.models.checkpoint import load_checkpoint

FAMILY = "gan"
#: bump when the meaning of config or state changes; older checkpoints are refused clearly.
MODEL_VERSION = 2
LOG_FLOOR = 1e-4  # amplitude floor of the log-magnitude channel (80 dB below amplitude 1)
N_PITCH = PITCH_MAX - PITCH_MIN + 1

DEFAULT_CONFIG: dict[str, Any] = {
    "model_version": MODEL_VERSION,
    "latent_dim": 128,
    "n_mels": 128,
    "n_frames": 64,
    # generator channels per level, from the 4 x 2 start up to n_mels/2 x n_frames/2; a last
    # upsampling conv writes the 2 output channels at full size
    "g_channels": [256, 256, 128, 64, 32],
    # discriminator channels per level, from n_mels/2 x n_frames/2 (a stride-2 first conv) down to 4 x 2
    "d_channels": [32, 64, 128, 256, 256],
}

TINY_CONFIG: dict[str, Any] = {
    **DEFAULT_CONFIG,
    "latent_dim": 64,
    "n_mels": 32,
    "n_frames": 16,
    "g_channels": [16, 16, 8],
    "d_channels": [8, 16, 16],
}


# --------------------------------------------------------------------------------------------
# the spectral codec: audio <-> 2 x n_mels x n_frames image
# --------------------------------------------------------------------------------------------


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
    mel = np.linspace(0.0, 2595.0 * np.log10(1.0 + (sr / 2) / 700.0), n_mels + 2)
    edges = 700.0 * (10.0 ** (mel / 2595.0) - 1.0)
    half = np.maximum((edges[2:] - edges[:-2]) / 2.0, 3.0 * sr / n_fft)
    return edges, edges[1:-1], half


def harmonic_maps(n_mels: int, *, sr: int = SR, n_fft: int = N_FFT) -> torch.Tensor:
    """Where the harmonics of each pitch fall on the mel axis: Tensor[N_PITCH x 2 x n_mels].

    Channel 0: closeness of the band centre to the nearest harmonic k f0 (k >= 1), a Gaussian in
    units of the band's half-width, mapped to [-1, 1]. Channel 1: the IF deviation (in the units
    of the IF channel) a partial at that harmonic would have in the band, clipped to [-1, 1].
    Given to every generator level and to the discriminator: pitch as a picture in the
    coordinates of the spectrogram, so a small network learns pitch-consistent harmonics fast
    (a CoordConv-style conditioning, next to GANSynth's one-hot).
    """
    edges, centres, half = mel_geometry(n_mels, sr=sr, n_fft=n_fft)
    width = np.maximum((edges[2:] - edges[:-2]) / 2.0, sr / n_fft)
    f0 = 440.0 * 2.0 ** ((np.arange(PITCH_MIN, PITCH_MAX + 1)[:, None] - 69) / 12.0)  # [P x 1]
    fh = np.maximum(np.round(centres / f0), 1.0) * f0  # nearest harmonic, Hz
    close = np.exp(-0.5 * ((fh - centres) / width) ** 2)
    dev = np.clip((fh - centres) / half, -1.0, 1.0)
    return torch.tensor(np.stack([2.0 * close - 1.0, dev], axis=1), dtype=torch.float32)


def _pool_maps(maps: torch.Tensor, n: int) -> torch.Tensor:
    """Harmonic maps [B x 2 x M] averaged down to n bands: [B x 2 x n x 1]."""
    return F.adaptive_avg_pool1d(maps, n)[..., None]


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
        edges, centres, half = mel_geometry(n_mels, sr=sr, n_fft=n_fft)
        bins_hz = np.arange(n_bins) * sr / n_fft
        w = np.zeros((n_mels, n_bins))
        for m in range(n_mels):
            lo, c, hi = edges[m], edges[m + 1], edges[m + 2]
            up = (bins_hz - lo) / (c - lo)
            down = (hi - bins_hz) / (hi - c)
            w[m] = np.clip(np.minimum(up, down), 0.0, None)
        self.register_buffer("weights", torch.tensor(w, dtype=torch.float32), persistent=False)  # [M x K]
        self.register_buffer("centres", torch.tensor(centres, dtype=torch.float32), persistent=False)  # Hz
        self.register_buffer("if_range", torch.tensor(half, dtype=torch.float32), persistent=False)  # Hz
        self.register_buffer("window", torch.hann_window(n_fft), persistent=False)
        self.register_buffer("bin_hz", torch.tensor(bins_hz, dtype=torch.float32), persistent=False)

    # ---- analysis -----------------------------------------------------------------------
    def stft(self, y: torch.Tensor) -> torch.Tensor:
        """Complex STFT, Tensor[B x 513 x 129]."""
        return torch.stft(y, self.n_fft, self.hop_length, window=self.window, center=True, return_complex=True)

    def bin_frequencies(self, spec: torch.Tensor) -> torch.Tensor:
        """Instantaneous frequency of each STFT bin, Hz, Tensor[B x K x T], from the phase advance."""
        dphase = torch.angle(spec[..., 1:] * spec[..., :-1].conj())  # rad / hop, wrapped
        expected = 2 * math.pi * self.bin_hz[:, None] * self.hop_length / self.sr  # rad / hop
        dev = torch.remainder(dphase - expected + math.pi, 2 * math.pi) - math.pi
        f = self.bin_hz[:, None] + dev * self.sr / (2 * math.pi * self.hop_length)
        return torch.cat([f[..., 1:2], f], dim=-1)  # frame 0 is reflect-padded: borrow frame 1's

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

    def decode(self, feats: torch.Tensor) -> torch.Tensor:
        """Features Tensor[B x 2 x n_mels x n_frames] -> audio Tensor[B x n_samples] (float32)."""
        feats = feats.float()
        logmag = feats[:, 0].clamp(-1.0, 1.2)
        dev = feats[:, 1].clamp(-1.0, 1.0)
        amp = torch.exp((logmag - 1.0) * math.log(1.0 / LOG_FLOOR) / 2.0) - LOG_FLOOR  # [B x M x t]
        amp = self._upsample_time(amp.clamp(min=0.0)).transpose(1, 2)  # [B x T x M]
        freq = self.centres[:, None] + dev * self.if_range[:, None]  # Hz
        # the first frame's IF is measured across the reflect-padded start of the note: unreliable,
        # so the phase starts from the second frame's frequencies
        freq = self._upsample_time(torch.cat([freq[..., 1:2], freq[..., 1:]], dim=-1)).transpose(1, 2)
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
        spec = torch.complex(mag * torch.cos(phase), mag * torch.sin(phase)).transpose(1, 2)  # [B x K x T]
        y = torch.istft(spec, self.n_fft, self.hop_length, window=self.window, center=True, length=self.n_samples)
        return y


# --------------------------------------------------------------------------------------------
# networks
# --------------------------------------------------------------------------------------------


class PixelNorm(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(x.pow(2).mean(dim=1, keepdim=True) + 1e-8)


def _start_shape(n_mels: int, n_frames: int, levels: int) -> tuple[int, int]:
    f, t = n_mels >> (levels - 1), n_frames >> (levels - 1)
    if f < 1 or t < 1 or f << (levels - 1) != n_mels or t << (levels - 1) != n_frames:
        raise ParameterError(f"{n_mels} x {n_frames} is not reachable by doubling over {levels} levels")
    return f, t


class GBlock(nn.Module):
    """(x2 nearest upsampling), [x ; harmonic maps] -> 3x3 conv -> LeakyReLU -> pixel norm."""

    def __init__(self, cin: int, cout: int, *, upsample: bool):
        super().__init__()
        self.upsample = upsample
        self.conv = nn.Conv2d(cin + 2, cout, 3, padding=1)
        self.norm = PixelNorm()

    def forward(self, x: torch.Tensor, maps: torch.Tensor) -> torch.Tensor:
        if self.upsample:
            x = F.interpolate(x, scale_factor=2, mode="nearest")
        m = _pool_maps(maps, x.shape[2]).expand(-1, -1, -1, x.shape[3])
        return self.norm(F.leaky_relu(self.conv(torch.cat([x, m], dim=1)), 0.2))


class Generator(nn.Module):
    """[z ; one-hot pitch] -> Tensor[B x 2 x n_mels x n_frames] (log-magnitude, IF in [-1, 1]).

    Every level also sees the pitch's harmonic maps (:func:`harmonic_maps`) at its resolution.
    """

    def __init__(self, *, latent_dim: int, n_mels: int, n_frames: int, g_channels: list[int], **_: Any):
        super().__init__()
        self.latent_dim = latent_dim
        self.start = _start_shape(n_mels, n_frames, len(g_channels) + 1)
        self.register_buffer("maps", harmonic_maps(n_mels), persistent=False)
        c0 = g_channels[0]
        self.fc = nn.Linear(latent_dim + N_PITCH, c0 * self.start[0] * self.start[1])
        self.blocks = nn.ModuleList([GBlock(c0, c0, upsample=False)])
        self.blocks.extend(GBlock(cin, cout, upsample=True) for cin, cout in zip(g_channels[:-1], g_channels[1:]))
        self.out = nn.Conv2d(g_channels[-1] + 2, 2, 3, padding=1)

    def features(self, z: torch.Tensor, pitch_idx: torch.Tensor, upto: int) -> torch.Tensor:
        """Activations after block ``upto`` (used for the principal directions)."""
        x, maps = self._input(z, pitch_idx), self.maps[pitch_idx.long()]
        for block in self.blocks[: upto + 1]:
            x = block(x, maps)
        return x

    def _input(self, z: torch.Tensor, pitch_idx: torch.Tensor) -> torch.Tensor:
        onehot = F.one_hot(pitch_idx.long(), N_PITCH).to(z.dtype)
        x = self.fc(torch.cat([z, onehot], dim=1))
        x = x.view(z.shape[0], -1, *self.start)
        return PixelNorm()(F.leaky_relu(x, 0.2))

    def forward(self, z: torch.Tensor, pitch_idx: torch.Tensor) -> torch.Tensor:
        x, maps = self._input(z, pitch_idx), self.maps[pitch_idx.long()]
        for block in self.blocks:
            x = block(x, maps)
        x = F.interpolate(x, scale_factor=2, mode="nearest")
        x = self.out(torch.cat([x, maps[..., None].expand(-1, -1, -1, x.shape[3])], dim=1))
        return torch.cat([x[:, :1], torch.tanh(x[:, 1:])], dim=1)


class MinibatchStd(nn.Module):
    """Append the mean standard deviation over groups of samples (ProGAN): a diversity cue for D."""

    def __init__(self, group: int = 4):
        super().__init__()
        self.group = group

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        g = math.gcd(b, self.group)
        y = x.view(g, -1, c, h, w)
        std = torch.sqrt(y.var(dim=0, unbiased=False) + 1e-8).mean(dim=(1, 2, 3))  # [B/g]
        std = std.repeat(g).view(b, 1, 1, 1).expand(b, 1, h, w)
        return torch.cat([x, std], dim=1)


class Discriminator(nn.Module):
    """Tensor[B x 2 x n_mels x n_frames], pitch index -> (hinge score [B], pitch logits [B x 61]).

    The input is stacked with the pitch's harmonic maps, so D can check that the energy sits on
    the harmonics of the pitch it is told (the projection term) as well as name the pitch (AC).
    """

    def __init__(self, *, n_mels: int, n_frames: int, d_channels: list[int], **_: Any):
        super().__init__()
        sn = nn.utils.spectral_norm
        end = _start_shape(n_mels, n_frames, len(d_channels) + 1)
        self.register_buffer("maps", harmonic_maps(n_mels), persistent=False)
        layers: list[nn.Module] = [sn(nn.Conv2d(4, d_channels[0], 4, stride=2, padding=1)), nn.LeakyReLU(0.2),
                                   sn(nn.Conv2d(d_channels[0], d_channels[0], 3, padding=1)), nn.LeakyReLU(0.2)]
        for cin, cout in zip(d_channels[:-1], d_channels[1:]):
            layers += [sn(nn.Conv2d(cin, cout, 3, stride=2, padding=1)), nn.LeakyReLU(0.2)]
        self.body = nn.Sequential(*layers)
        self.mbstd = MinibatchStd()
        c = d_channels[-1]
        self.final = nn.Sequential(sn(nn.Conv2d(c + 1, c, 3, padding=1)), nn.LeakyReLU(0.2))
        self.fc = nn.Sequential(sn(nn.Linear(c * end[0] * end[1], c)), nn.LeakyReLU(0.2))
        self.score = sn(nn.Linear(c, 1))
        self.embed = sn(nn.Embedding(N_PITCH, c))  # projection term
        self.classify = nn.Linear(c, N_PITCH)  # auxiliary pitch classifier

    def forward(self, x: torch.Tensor, pitch_idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        maps = self.maps[pitch_idx.long()][..., None].expand(-1, -1, -1, x.shape[3])
        h = self.final(self.mbstd(self.body(torch.cat([x, maps], dim=1))))
        h = self.fc(h.flatten(1))
        score = self.score(h).squeeze(1) + (self.embed(pitch_idx.long()) * h).sum(dim=1)
        return score, self.classify(h)


# --------------------------------------------------------------------------------------------
# the AudioModel
# --------------------------------------------------------------------------------------------


@dataclass
class Directions:
    """Principal directions in z (GANSpace): unit vectors [k x latent_dim] and their std devs."""

    vectors: np.ndarray
    stdev: np.ndarray
    explained: np.ndarray  # fraction of activation variance per direction


class GANModel(LatentAudioModel):
    """The GAN behind the common interface (:class:`explorer.models.base.AudioModel`)."""

    name = "gan"
    sample_rate = SR
    pitch_range = (PITCH_MIN, PITCH_MAX)

    def __init__(self, generator: Generator, codec: SpectralCodec, config: dict[str, Any],
                 directions: Directions | None = None, card: dict[str, Any] | None = None):
        self.generator = generator.eval()
        self.codec = codec.eval()
        self.config = config
        self.latent_dim = int(config["latent_dim"])
        self.directions = directions
        self.card = card or {}

    def _pitch_index(self, pitch: np.ndarray | None, n: int) -> torch.Tensor:
        return torch.as_tensor(self.check_pitch(pitch, n).astype(np.int64) - PITCH_MIN)

    def _latent(self, z: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(self.check_latent(z)))

    @torch.no_grad()
    def spectrogram(self, z: np.ndarray, pitch: np.ndarray | None = None) -> np.ndarray:
        """Generated features, float32 [n x 2 x n_mels x n_frames] (log-magnitude, IF)."""
        z = self._latent(z)
        return self.generator(z, self._pitch_index(pitch, len(z))).numpy()

    @torch.no_grad()
    def render(self, z: np.ndarray, pitch: np.ndarray | None = None) -> np.ndarray:
        """Audio before safety, float32 [n x 32768], for z [n x latent_dim] and pitch [n] (MIDI)."""
        z = self._latent(z)
        feats = self.generator(z, self._pitch_index(pitch, len(z)))
        y = self.codec.decode(feats)
        return torch.nan_to_num(y).numpy().astype(np.float32)

    def move(self, z: np.ndarray, amounts: list[float] | np.ndarray) -> np.ndarray:
        """z shifted along the principal directions: z + sum_k amounts[k] * stdev[k] * u_k.

        z : [latent_dim] or [n x latent_dim]; amounts : [k] slider values in standard deviations.
        """
        z = np.asarray(z, dtype=np.float32)
        if self.directions is None:
            return z
        a = np.zeros(len(self.directions.vectors), dtype=np.float32)
        given = np.asarray(amounts, dtype=np.float32)[: len(a)]
        a[: len(given)] = given
        return z + (a * self.directions.stdev) @ self.directions.vectors


def build_model(config: dict[str, Any]) -> tuple[Generator, SpectralCodec]:
    """The one way to build the networks from a config (checkpoints are rebuilt through it)."""
    if config.get("model_version") != MODEL_VERSION:
        raise CheckpointError(
            f"GAN model version {config.get('model_version')!r} is not supported (this app reads version {MODEL_VERSION})"
        )
    cfg = {**DEFAULT_CONFIG, **config}
    gen = Generator(**cfg)
    codec = SpectralCodec(cfg["n_mels"], cfg["n_frames"])
    return gen, codec


def build_discriminator(config: dict[str, Any]) -> Discriminator:
    return Discriminator(**{**DEFAULT_CONFIG, **config})


def directions_state(directions: Directions | None) -> dict[str, torch.Tensor]:
    if directions is None:
        return {}
    return {
        "directions.vectors": torch.as_tensor(directions.vectors, dtype=torch.float32),
        "directions.stdev": torch.as_tensor(directions.stdev, dtype=torch.float32),
        "directions.explained": torch.as_tensor(directions.explained, dtype=torch.float32),
    }


def from_state(config: dict[str, Any], state: dict[str, torch.Tensor], card: dict[str, Any] | None = None,
               *, name: str = "checkpoint") -> GANModel:
    """A GANModel from a config and a state dict (generator weights + optional directions)."""
    gen, codec = build_model(config)
    g_state = {k[len("generator."):]: v.float() for k, v in state.items() if k.startswith("generator.")}
    try:
        gen.load_state_dict(g_state)
    except RuntimeError as exc:
        raise CheckpointError(f"{name} does not match its GAN config ({str(exc).splitlines()[0][:120]})") from None
    directions = None
    if "directions.vectors" in state:
        directions = Directions(
            vectors=state["directions.vectors"].float().numpy(),
            stdev=state["directions.stdev"].float().numpy(),
            explained=state.get("directions.explained", torch.zeros(len(state["directions.vectors"]))).float().numpy(),
        )
    for p in gen.parameters():
        p.requires_grad_(False)
    return GANModel(gen, codec, {**DEFAULT_CONFIG, **config}, directions, card)


def load(path: str | Path) -> GANModel:
    """Load a GAN checkpoint safely (weights only); any problem is a :class:`CheckpointError`."""
    ckpt = load_checkpoint(path, family=FAMILY)
    return from_state(ckpt["config"], ckpt["state"], ckpt.get("card"), name=f"checkpoint {Path(path).name}")


def debug_model(seed: int = 0) -> GANModel:
    """A tiny random GAN (for tests and machines without weights); the same every time."""
    torch.manual_seed(seed)
    gen, codec = build_model(TINY_CONFIG)
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((TINY_CONFIG["latent_dim"], 8)))
    directions = Directions(vectors=q.T.astype(np.float32), stdev=np.ones(8, np.float32),
                            explained=np.full(8, 1 / 8, np.float32))
    for p in gen.parameters():
        p.requires_grad_(False)
    return GANModel(gen, codec, dict(TINY_CONFIG), directions, {"note": "tiny random debug model"})
