"""The GAN's networks: a pitch-conditioned generator of (log-magnitude, IF) mel images and its
discriminator, built only through :func:`build_model` / :func:`build_discriminator`.

Generator: [z ; one-hot(pitch)] -> linear -> 4 x 2 image -> (nearest x2 upsample, 3x3 conv,
LeakyReLU, pixel norm) per level, channels shrinking as the resolution grows (CPU-friendly) ->
1x1 conv to 2 channels (tanh on IF). Discriminator: spectral-norm convolutions with stride 2,
a minibatch standard-deviation feature, a hinge score with a pitch **projection** term
(Miyato & Koyama) and an auxiliary pitch classifier (as GANSynth's AC-GAN loss). Both see the
pitch's harmonic maps (:func:`harmonic_maps`). The image format is
:class:`explorer.models.gan.codec.SpectralCodec`'s.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from explorer.audio.constants import N_FFT, PITCH_MAX, PITCH_MIN, SR
from explorer.audio.pitch import midi_to_hz
from explorer.errors import CheckpointError, ParameterError
from explorer.models.conditioning import velocity_input
from explorer.models.config_check import Field, check_config
from explorer.models.gan.codec import SpectralCodec, mel_geometry

#: bump when the meaning of config or state changes; older checkpoints are refused clearly.
MODEL_VERSION = 2
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
    # MIDI velocity is a condition beside pitch (absent or False: the model has no velocity knob)
    "velocity": False,
    # decoding moves band frequencies within this fraction of f0 of a harmonic onto it (0: off; see
    # explorer.models.gan.codec); a decoding choice, so a trained generator can be shipped with or without it
    "harmonic_lock": 0.0,
}

TINY_CONFIG: dict[str, Any] = {
    **DEFAULT_CONFIG,
    "latent_dim": 64,
    "n_mels": 32,
    "n_frames": 16,
    "g_channels": [16, 16, 8],
    "d_channels": [8, 16, 16],
    "velocity": True,
}


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
    f0 = midi_to_hz(np.arange(PITCH_MIN, PITCH_MAX + 1))[:, None]  # Hz [P x 1]
    fh = np.maximum(np.round(centres / f0), 1.0) * f0  # nearest harmonic, Hz
    close = np.exp(-0.5 * ((fh - centres) / width) ** 2)
    dev = np.clip((fh - centres) / half, -1.0, 1.0)
    return torch.tensor(np.stack([2.0 * close - 1.0, dev], axis=1), dtype=torch.float32)


def _pool_maps(maps: torch.Tensor, n: int) -> torch.Tensor:
    """Harmonic maps [B x 2 x M] averaged down to n bands: [B x 2 x n x 1]."""
    return F.adaptive_avg_pool1d(maps, n)[..., None]


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

    def __init__(self, *, latent_dim: int, n_mels: int, n_frames: int, g_channels: list[int],
                 velocity: bool = False, **_: Any):
        super().__init__()
        self.latent_dim = latent_dim
        self.velocity = bool(velocity)
        self.start = _start_shape(n_mels, n_frames, len(g_channels) + 1)
        self.register_buffer("maps", harmonic_maps(n_mels), persistent=False)
        c0 = g_channels[0]
        self.fc = nn.Linear(latent_dim + N_PITCH + int(self.velocity), c0 * self.start[0] * self.start[1])
        self.blocks = nn.ModuleList([GBlock(c0, c0, upsample=False)])
        self.blocks.extend(GBlock(cin, cout, upsample=True) for cin, cout in zip(g_channels[:-1], g_channels[1:]))
        self.out = nn.Conv2d(g_channels[-1] + 2, 2, 3, padding=1)

    def features(self, z: torch.Tensor, pitch_idx: torch.Tensor, upto: int,
                 vel: torch.Tensor | None = None) -> torch.Tensor:
        """Activations after block ``upto`` (used for the principal directions)."""
        x, maps = self._input(z, pitch_idx, vel), self.maps[pitch_idx.long()]
        for block in self.blocks[: upto + 1]:
            x = block(x, maps)
        return x

    def _input(self, z: torch.Tensor, pitch_idx: torch.Tensor, vel: torch.Tensor | None) -> torch.Tensor:
        parts = [z, F.one_hot(pitch_idx.long(), N_PITCH).to(z.dtype)]
        if self.velocity:
            parts.append(velocity_input(None, len(z)) if vel is None else vel.to(z.dtype).reshape(-1, 1))
        x = self.fc(torch.cat(parts, dim=1))
        x = x.view(z.shape[0], -1, *self.start)
        return PixelNorm()(F.leaky_relu(x, 0.2))

    def forward(self, z: torch.Tensor, pitch_idx: torch.Tensor, vel: torch.Tensor | None = None) -> torch.Tensor:
        """``vel``: :func:`explorer.models.conditioning.velocity_input` [B x 1] (None: the default
        velocity; ignored by a generator without velocity)."""
        x, maps = self._input(z, pitch_idx, vel), self.maps[pitch_idx.long()]
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
    """Tensor[B x 2 x n_mels x n_frames], pitch index (, velocity input [B x 1]) -> (hinge score [B],
    pitch logits [B x 61], velocity estimate [B]).

    The input is stacked with the pitch's harmonic maps, so D can check that the energy sits on
    the harmonics of the pitch it is told (the projection term) as well as name the pitch (AC).
    With ``velocity``, a second projection term checks the note against the velocity it is told
    and a regression head estimates the velocity (AC-style, for the generator to obey).
    """

    def __init__(self, *, n_mels: int, n_frames: int, d_channels: list[int], velocity: bool = False, **_: Any):
        super().__init__()
        self.velocity = bool(velocity)
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
        if self.velocity:
            self.embed_velocity = sn(nn.Linear(1, c, bias=False))  # projection term for velocity
            self.estimate_velocity = nn.Linear(c, 1)  # auxiliary velocity regression

    def forward(self, x: torch.Tensor, pitch_idx: torch.Tensor,
                vel: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        maps = self.maps[pitch_idx.long()][..., None].expand(-1, -1, -1, x.shape[3])
        h = self.final(self.mbstd(self.body(torch.cat([x, maps], dim=1))))
        h = self.fc(h.flatten(1))
        score = self.score(h).squeeze(1) + (self.embed(pitch_idx.long()) * h).sum(dim=1)
        vel_hat = None
        if self.velocity:
            v = velocity_input(None, len(x)) if vel is None else vel.to(h.dtype).reshape(-1, 1)
            score = score + (self.embed_velocity(v) * h).sum(dim=1)
            vel_hat = self.estimate_velocity(h).squeeze(1)
        return score, self.classify(h), vel_hat


#: The rules every GAN config obeys (:func:`explorer.models.config_check.check_config`); the
#: shipped model uses latent_dim 128, 128 mel bands x 64 frames, five levels of at most 256 channels.
CONFIG_RULES: dict[str, Field] = {
    "model_version": Field("int", MODEL_VERSION, MODEL_VERSION),
    "latent_dim": Field("int", 1, 1024),
    "n_mels": Field("int", 2, 256),
    "n_frames": Field("int", 2, 128),
    "g_channels": Field("ints", 1, 1024, length=(1, 8)),
    "d_channels": Field("ints", 1, 1024, length=(1, 8)),
    "velocity": Field("bool"),
    "harmonic_lock": Field("float", 0.0, 0.5),
}


def check_gan_config(config: dict[str, Any]) -> dict[str, Any]:
    """The config with defaults filled in, checked against :data:`CONFIG_RULES` and the doubling
    of the image size over the levels; any problem is a :class:`CheckpointError`."""
    if not isinstance(config, dict):
        raise CheckpointError("GAN config is not a table of settings")
    if config.get("model_version") != MODEL_VERSION:
        raise CheckpointError(
            f"GAN model version {config.get('model_version')!r} is not supported (this app reads version {MODEL_VERSION})"
        )
    cfg = {**DEFAULT_CONFIG, **config}
    check_config(cfg, CONFIG_RULES, what="GAN")
    try:
        for key in ("g_channels", "d_channels"):
            _start_shape(cfg["n_mels"], cfg["n_frames"], len(cfg[key]) + 1)
    except ParameterError as exc:
        raise CheckpointError(f"GAN config does not fit together: {exc}") from None
    return cfg


def build_model(config: dict[str, Any]) -> tuple[Generator, SpectralCodec]:
    """The one way to build the networks from a config (checkpoints are rebuilt through it)."""
    cfg = check_gan_config(config)
    gen = Generator(**cfg)
    codec = SpectralCodec(cfg["n_mels"], cfg["n_frames"])
    return gen, codec


def build_discriminator(config: dict[str, Any]) -> Discriminator:
    return Discriminator(**check_gan_config(config))
