"""Pitch-conditioned convolutional VAE over log-magnitude spectrograms.

Representation: the log-magnitude STFT of a 16 kHz note (``n_fft=1024, hop_length=256``,
513 bins x 128 frames), treated as a sequence of 128 frames with 513 channels, so the network
is a stack of 1-D convolutions over time (cheap enough to train on a laptop CPU).

Pitch (MIDI 24-84) is an input of both encoder and decoder (a learned embedding added to every
layer), so the latent z holds timbre and pitch stays a separate knob. The decoder's last layer
adds a learned per-pitch log-spectral template, which makes the harmonic comb of each pitch
cheap to learn (in the log domain, spectrum = envelope x comb becomes a sum).

Phase: the decoded magnitude is turned into audio by a fast Griffin-Lim (momentum 0.99)
started from a *pitch-locked* phase: every bin gets the phase of the harmonic of f0 nearest to
it, advancing at that harmonic's frequency (a phase-vocoder-style initial guess that is
already nearly consistent for harmonic notes), so a handful of iterations suffice.

Everything is rebuilt only through :func:`build_model` from a config dict stored in the
checkpoint (DESIGN.md section 9).
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from explorer.audio.constants import HOP_LENGTH, N_FFT, N_SAMPLES, PITCH_MAX, PITCH_MIN, SR
from explorer.audio.stft import one_torch_thread
from explorer.errors import CheckpointError, ParameterError
from explorer.models.base import LatentAudioModel
from explorer.models.checkpoint import load_checkpoint

FAMILY = "vae"
#: Frames the network sees (the STFT has 129 with centring; the last, after the note's release
#: tail, is dropped for the network and restored as silence for synthesis).
N_FRAMES = N_SAMPLES // HOP_LENGTH
N_BINS = N_FFT // 2 + 1
#: Every note is brought to this RMS before analysis (so encodings ignore the recording level).
TARGET_RMS = 0.1
#: Numbers of the vibrato head (see pitch_track).
N_VIBRATO = 6

DEFAULT_CONFIG: dict[str, Any] = {
    "latent_dim": 24,
    "hidden": 192,
    "pitch_emb": 32,
    "n_down": 4,
    "n_fft": N_FFT,
    "hop_length": HOP_LENGTH,
    "n_frames": N_FRAMES,
    "sr": SR,
    "pitch_min": PITCH_MIN,
    "pitch_max": PITCH_MAX,
    "log_eps": 3e-3,  # floor of |STFT| before the log: ~80 dB below a note at TARGET_RMS
    "feat_mean": 0.0,  # standardisation of log|S| (set from the training data)
    "feat_std": 1.0,
    "gl_iters": 4,  # fast Griffin-Lim iterations after the pitch-locked start (v3: 8 -> SC 0.097, 4 -> 0.111, 1.5x faster)
    "comb_bases": 2,  # K per-pitch combs modulated by the timbre (absent in a config: 0, off)
    "time_emb": True,  # a learned feature per frame position in the decoder (absent: off)
    "vibrato": True,  # a pitch track drawn from the code bends the harmonics (absent: off)
    "vibrato_input": True,  # the encoder also sees the note's measured vibrato (absent: off)
}
#: A tiny config for tests and the "debug" model (seconds to build, train and render).
TINY_CONFIG: dict[str, Any] = {**DEFAULT_CONFIG, "latent_dim": 8, "hidden": 32, "pitch_emb": 8, "gl_iters": 4}


# --------------------------------------------------------------------------------------------
# features


def _window(n_fft: int) -> torch.Tensor:
    return torch.hann_window(n_fft)


def normalize_level(y: np.ndarray | torch.Tensor, *, rms: float = TARGET_RMS):
    """Scale each row of ``y`` [..., n] to the given RMS (silent rows are left alone)."""
    if isinstance(y, torch.Tensor):
        level = y.pow(2).mean(-1, keepdim=True).sqrt()
        return y * (rms / level.clamp_min(1e-8))
    y = np.asarray(y, dtype=np.float32)
    level = np.sqrt(np.mean(y.astype(np.float64) ** 2, axis=-1, keepdims=True))
    return (y * (rms / np.maximum(level, 1e-8))).astype(np.float32)


def log_magnitude(y: torch.Tensor, *, config: dict[str, Any]) -> torch.Tensor:
    """Log-magnitude STFT of level-normalised notes.

    y : Tensor[B x N_SAMPLES] (float32, any level; normalised to ``TARGET_RMS`` here)
    Returns Tensor[B x 513 x 128]: log(|STFT| + log_eps), natural log, not yet standardised.
    """
    y = normalize_level(y.float())
    spec = torch.stft(y, config["n_fft"], config["hop_length"], window=_window(config["n_fft"]),
                      center=True, return_complex=True)
    return torch.log(spec.abs()[..., : config["n_frames"]] + config["log_eps"])


def pitch_index(pitch, *, config: dict[str, Any]) -> torch.Tensor:
    """MIDI pitch [B] -> embedding index [B] (rounded, clamped to the model's range)."""
    p = torch.as_tensor(np.asarray(pitch, dtype=np.float64)).round().long()
    return (p.clamp(config["pitch_min"], config["pitch_max"]) - config["pitch_min"]).reshape(-1)


# --------------------------------------------------------------------------------------------
# network


class _Encoder(nn.Module):
    def __init__(self, c: dict[str, Any]):
        super().__init__()
        h, e, n_pitch = c["hidden"], c["pitch_emb"], c["pitch_max"] - c["pitch_min"] + 1
        self.inp = nn.Conv1d(N_BINS, h, 1)
        self.pitch = nn.Linear(e, h * (c["n_down"] + 1))
        self.down = nn.ModuleList(nn.Conv1d(h, h, 4, stride=2, padding=1) for _ in range(c["n_down"]))
        t = c["n_frames"] // 2 ** c["n_down"]
        # optional: the note's measured vibrato (the head's 6 numbers, see vae_vibrato) as input:
        # a frame-wise projection of the spectrum cannot see a partial shift by a few cents, so
        # without it the code never learns where in its cycle a vibrato is
        self.n_vib = N_VIBRATO if c.get("vibrato_input") else 0
        self.out = nn.Linear(h * t + e, 2 * c["latent_dim"])
        if self.n_vib:
            self.vib_in = nn.Linear(self.n_vib, 2 * c["latent_dim"], bias=False)
            nn.init.zeros_(self.vib_in.weight)
        self.n_pitch = n_pitch

    def forward(self, x: torch.Tensor, emb: torch.Tensor,
                vib: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """x : Tensor[B x 513 x T] standardised log|S|; emb : Tensor[B x E]; vib : Tensor[B x 6]
        (with ``vibrato_input``) -> (mu, logvar) [B x L]"""
        biases = self.pitch(emb).chunk(len(self.down) + 1, dim=1)
        h = torch.nn.functional.gelu(self.inp(x) + biases[0][..., None])
        for conv, b in zip(self.down, biases[1:]):
            h = torch.nn.functional.gelu(conv(h) + b[..., None])
        out = self.out(torch.cat([h.flatten(1), emb], dim=1))
        if self.n_vib:
            out = out + self.vib_in(vib.to(h.dtype))
        mu, logvar = out.chunk(2, dim=1)
        return mu, logvar.clamp(-12.0, 6.0)


class _Decoder(nn.Module):
    def __init__(self, c: dict[str, Any]):
        super().__init__()
        h, e, n_pitch = c["hidden"], c["pitch_emb"], c["pitch_max"] - c["pitch_min"] + 1
        self.t0 = c["n_frames"] // 2 ** c["n_down"]
        self.h = h
        self.inp = nn.Linear(c["latent_dim"] + e, h * self.t0)
        self.pitch = nn.Linear(e, h * (c["n_down"] + 1))
        self.up = nn.ModuleList(nn.ConvTranspose1d(h, h, 4, stride=2, padding=1) for _ in range(c["n_down"]))
        self.smooth = nn.Conv1d(h, h, 3, padding=1)
        self.out = nn.Conv1d(h, N_BINS, 1)
        # per-pitch log-spectral template (the harmonic comb of each pitch), added at the end
        self.template = nn.Embedding(n_pitch, N_BINS)
        nn.init.zeros_(self.template.weight)
        # optional: K learned per-pitch combs whose depth over frequency and time the timbre sets
        # (log S += sum_k comb_{p,k} * depth_k(h)), so harmonic peaks and valleys stay sharp at
        # every pitch instead of being blurred by a basis shared across pitches
        self.k = int(c.get("comb_bases", 0))
        if self.k:
            self.combs = nn.Embedding(n_pitch, self.k * N_BINS)
            nn.init.normal_(self.combs.weight, std=0.01)
            self.depth = nn.Conv1d(h, self.k * N_BINS, 1)
        # optional: a learned feature per frame position: every note starts at frame 0, so
        # onsets and the shape of the first frames can be sharp without the coarse 8-frame
        # bottleneck having to draw them
        if c.get("time_emb"):
            self.time = nn.Parameter(torch.zeros(1, h, c["n_frames"]))
        # optional: a pitch track drawn from the code (vibrato + onset glide, see pitch_track) that
        # stretches the harmonic part (template + combs) frame by frame, so partials can wobble as played
        # instead of being smeared into a band by a model that can only draw straight lines
        if c.get("vibrato"):
            self.vib = nn.Linear(c["latent_dim"] + e, N_VIBRATO)
            nn.init.zeros_(self.vib.weight)
            nn.init.zeros_(self.vib.bias)
            self.frame_s = c["hop_length"] / c["sr"]

    def vibrato(self, z: torch.Tensor, emb: torch.Tensor) -> torch.Tensor | None:
        """The vibrato head's six raw numbers [B x 6] for these codes (see :func:`pitch_track`;
        None without a vibrato head)."""
        return self.vib(torch.cat([z, emb], dim=1)) if hasattr(self, "vib") else None

    def forward(self, z: torch.Tensor, emb: torch.Tensor, pidx: torch.Tensor,
                vib: torch.Tensor | None = None) -> torch.Tensor:
        """z : Tensor[B x L]; emb : Tensor[B x E]; pidx : LongTensor[B] -> Tensor[B x 513 x T]
        (``vib``: :meth:`vibrato` of these codes if already computed)"""
        biases = self.pitch(emb).chunk(len(self.up) + 1, dim=1)
        h = torch.nn.functional.gelu(self.inp(torch.cat([z, emb], dim=1))).view(-1, self.h, self.t0)
        for conv, b in zip(self.up, biases):
            h = torch.nn.functional.gelu(conv(h) + b[..., None])
        if hasattr(self, "time"):
            h = h + self.time
        h = torch.nn.functional.gelu(self.smooth(h) + biases[-1][..., None])
        harmonic = self.template(pidx)[..., None]  # [B x F x 1]
        if self.k:
            combs = self.combs(pidx).view(-1, self.k, N_BINS, 1)  # [B x K x F x 1]
            depth = self.depth(h).view(-1, self.k, N_BINS, h.shape[-1])  # [B x K x F x T]
            harmonic = harmonic + (combs * depth).sum(1)
        if hasattr(self, "vib"):
            vib = self.vibrato(z, emb) if vib is None else vib
            cents = pitch_track(vib, n_frames=h.shape[-1], frame_s=self.frame_s)
            harmonic = warp_frequency(harmonic.expand(-1, -1, h.shape[-1]), 2.0 ** (cents / 1200.0))
        return self.out(h) + harmonic


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


class VAENet(nn.Module):
    """Encoder + decoder + pitch embedding. Works in standardised log|S| units."""

    def __init__(self, config: dict[str, Any]):
        super().__init__()
        self.config = dict(config)
        n_pitch = config["pitch_max"] - config["pitch_min"] + 1
        self.embed = nn.Embedding(n_pitch, config["pitch_emb"])
        self.encoder = _Encoder(config)
        self.decoder = _Decoder(config)

    def encode(self, x: torch.Tensor, pidx: torch.Tensor,
               vib: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(mu, logvar) [B x L] of standardised log|S| x [B x 513 x T]; ``vib`` [B x 6]: the notes'
        measured vibrato if already known (with ``vibrato_input``; else measured here)."""
        if self.encoder.n_vib and vib is None:
            from explorer.models.vae import vibrato as vae_vibrato

            logmag = x * self.config["feat_std"] + self.config["feat_mean"]
            vib = vae_vibrato.fit(*vae_vibrato.measure(logmag),
                                  frame_s=self.config["hop_length"] / self.config["sr"])
        return self.encoder(x, self.embed(pidx), vib)

    def decode(self, z: torch.Tensor, pidx: torch.Tensor) -> torch.Tensor:
        return self.decoder(z, self.embed(pidx), pidx)

    def forward(self, x: torch.Tensor, pidx: torch.Tensor, *, sample: bool = True, with_vibrato: bool = False,
                vib_in: torch.Tensor | None = None):
        """Returns (x_hat, mu, logvar), and ``with_vibrato`` the vibrato head's numbers after them
        (:meth:`_Decoder.vibrato`, [B x 6] or None); x_hat : Tensor[B x 513 x T] standardised log|S|;
        ``vib_in``: the notes' measured vibrato, see :meth:`encode`."""
        mu, logvar = self.encode(x, pidx, vib_in)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar) if sample else mu
        if not with_vibrato:
            return self.decode(z, pidx), mu, logvar
        emb = self.embed(pidx)
        vib = self.decoder.vibrato(z, emb)
        return self.decoder(z, emb, pidx, vib=vib), mu, logvar, vib


def build_model(config: dict[str, Any]) -> VAENet:
    """The one way to build the network (training, loading, tests)."""
    c = {**DEFAULT_CONFIG, "comb_bases": 0, "time_emb": False, "vibrato": False, "vibrato_input": False,
         **config}  # older: options off
    for key in ("latent_dim", "hidden", "pitch_emb", "n_down"):
        if not isinstance(c[key], int) or c[key] <= 0:
            raise CheckpointError(f"VAE config has an invalid {key}: {c[key]!r}")
    if not isinstance(c["comb_bases"], int) or not 0 <= c["comb_bases"] <= 16:
        raise CheckpointError(f"VAE config has an invalid comb_bases: {c['comb_bases']!r}")
    for key in ("time_emb", "vibrato", "vibrato_input"):
        if not isinstance(c[key], bool):
            raise CheckpointError(f"VAE config has an invalid {key}: {c[key]!r}")
    if c["n_fft"] != N_FFT or c["hop_length"] != HOP_LENGTH or c["n_frames"] % 2 ** c["n_down"]:
        raise CheckpointError("VAE config does not match this app's STFT settings")
    return VAENet(c)


# --------------------------------------------------------------------------------------------
# phase reconstruction


def pitch_locked_phase(pitch: np.ndarray, *, n_frames: int, config: dict[str, Any],
                       cents: torch.Tensor | None = None) -> torch.Tensor:
    """A phase guess for a harmonic note at each MIDI pitch: Tensor[B x 513 x n_frames] (radians).

    Bin k takes harmonic h = round(f_k / f0) and its phase advances at h * f0 from frame to frame
    (phi = 2 pi h f0 t_frame + phi_h - pi k: the -pi k is the linear phase of a centred Hann
    frame). phi_h are fixed pseudo-random starting phases (so harmonics do not all peak together).
    With ``cents`` [B x T'] (the decoded pitch track, T' <= n_frames frames; later frames hold
    its last value) the phase advances at h * f0 * 2^(cents/1200) instead: a vibrato's partials
    start Griffin-Lim where they are, not where a steady note would be.
    """
    pitch = np.asarray(pitch, dtype=np.float64).reshape(-1)
    rows = [_locked_phase(float(p), n_frames, config["sr"], config["n_fft"], config["hop_length"]) for p in pitch]
    if cents is None:
        return torch.stack(rows)
    sr, n_fft, hop = config["sr"], config["n_fft"], config["hop_length"]
    cents = torch.nn.functional.pad(cents.float(), (0, n_frames - cents.shape[-1]), mode="replicate")
    f0 = torch.from_numpy(440.0 * 2.0 ** ((pitch - 69.0) / 12.0)).float()[:, None]  # Hz [B x 1]
    ratio = 2.0 ** (cents / 1200.0)
    ahead = torch.cumsum(0.5 * (ratio[:, 1:] + ratio[:, :-1]) - 1.0, dim=-1)  # frames' worth gained, trapezoid
    extra = 2 * np.pi * f0 * torch.nn.functional.pad(ahead, (1, 0)) * hop / sr  # rad of the fundamental [B x T]
    k = torch.arange(n_fft // 2 + 1, dtype=torch.float32)
    harmonic = torch.clamp(torch.round(k[None, :] * sr / n_fft / f0), min=1.0)  # [B x K]
    return torch.remainder(torch.stack(rows) + harmonic[:, :, None] * extra[:, None, :], 2 * np.pi)


@functools.lru_cache(maxsize=128)
def _locked_phase(pitch: float, n_frames: int, sr: int, n_fft: int, hop: int) -> torch.Tensor:
    f0 = 440.0 * 2.0 ** ((pitch - 69.0) / 12.0)  # Hz
    k = np.arange(n_fft // 2 + 1)
    harmonic = np.maximum(np.round(k * sr / n_fft / f0), 1.0)  # [K]
    phi_h = np.random.default_rng(12345).uniform(-np.pi, np.pi, 1024)[np.minimum(harmonic.astype(int), 1023)]
    t = np.arange(n_frames) * hop / sr  # s
    phase = 2 * np.pi * (harmonic * f0)[:, None] * t + (phi_h - np.pi * k)[:, None]  # rad [K x T]
    out = torch.from_numpy(np.mod(phase, 2 * np.pi)).float()
    out.requires_grad_(False)
    return out  # shared by the cache: never modified in place


def griffin_lim(mag: torch.Tensor, phase: torch.Tensor, *, n_iter: int, config: dict[str, Any],
                momentum: float = 0.99) -> torch.Tensor:
    """Fast Griffin-Lim (Perraudin et al. 2013) from a given starting phase.

    mag, phase : Tensor[B x 513 x T]; returns audio Tensor[B x N_SAMPLES].
    """
    n_fft, hop = config["n_fft"], config["hop_length"]
    win = _window(n_fft)
    n = (mag.shape[-1] - 1) * hop
    angles = torch.polar(torch.ones_like(mag), phase)
    rebuilt = torch.zeros_like(angles)
    for _ in range(n_iter):
        prev = rebuilt
        y = torch.istft(mag * angles, n_fft, hop, window=win, center=True, length=n)
        rebuilt = torch.stft(y, n_fft, hop, window=win, center=True, return_complex=True)
        angles = rebuilt - (momentum / (1 + momentum)) * prev
        angles = angles / (angles.abs() + 1e-16)
    return torch.istft(mag * angles, n_fft, hop, window=win, center=True, length=n)


# --------------------------------------------------------------------------------------------
# the AudioModel


def _inference(fn):
    """No gradients, one torch thread (one note's tensors are small; on a few shared cores extra
    intra-op threads only contend, see explorer.audio.stft.one_torch_thread)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with torch.no_grad(), one_torch_thread():
            return fn(*args, **kwargs)

    return wrapper


class VAEModel(LatentAudioModel):
    """The VAE behind the common interface (:class:`explorer.models.base.AudioModel`)."""

    name = FAMILY
    sample_rate = SR

    def __init__(self, net: VAENet, *, card: dict[str, Any] | None = None, source: str = ""):
        self.net = net.eval()
        self.config = net.config
        self.card = card or {}
        self.source = source
        self.latent_dim = int(self.config["latent_dim"])
        self.pitch_range = (int(self.config["pitch_min"]), int(self.config["pitch_max"]))

    def _pitches(self, pitch, n: int) -> np.ndarray:
        return self.check_pitch(pitch, n)

    # -- decoding -----------------------------------------------------------------------------
    @_inference
    def decode_logmag(self, z: np.ndarray, pitch) -> np.ndarray:
        """Decoded log|S| (natural log, not standardised), float32 [n x 513 x 128]."""
        z = np.atleast_2d(np.asarray(z, dtype=np.float32))
        pidx = pitch_index(self._pitches(pitch, len(z)), config=self.config)
        x = self.net.decode(torch.from_numpy(z), pidx)
        return (x * self.config["feat_std"] + self.config["feat_mean"]).numpy()

    def magnitude(self, logmag: np.ndarray | torch.Tensor) -> torch.Tensor:
        """log|S| [n x 513 x 128] -> |S| [n x 513 x 129] (last frame silent), float32 Tensor."""
        logmag = torch.as_tensor(logmag, dtype=torch.float32)
        mag = (torch.exp(logmag) - self.config["log_eps"]).clamp_min(0.0)
        return torch.nn.functional.pad(mag, (0, 1))

    def target_magnitude(self, z: np.ndarray, pitch=None) -> np.ndarray:
        """Capability hook: the magnitude spectrogram the phase reconstruction aims at,
        float32 [n x 513 x 129] (|STFT|, ``n_fft=1024, hop_length=256``), for a benchmark or a
        measure that compares a render with what the decoder drew."""
        return self.magnitude(self.decode_logmag(z, pitch)).numpy()

    @_inference
    def pitch_track(self, z: np.ndarray, pitch) -> torch.Tensor | None:
        """The pitch deviation the decoder draws for z, cents [n x 128] (None without a vibrato head)."""
        z = np.atleast_2d(np.asarray(z, dtype=np.float32))
        emb = self.net.embed(pitch_index(self._pitches(pitch, len(z)), config=self.config))
        params = self.net.decoder.vibrato(torch.from_numpy(z), emb)
        if params is None:
            return None
        return pitch_track(params, n_frames=self.config["n_frames"],
                           frame_s=self.config["hop_length"] / self.config["sr"])

    @_inference
    def synthesize(self, logmag: np.ndarray, pitch, *, n_iter: int | None = None,
                   cents: torch.Tensor | None = None) -> np.ndarray:
        """Decoded log|S| [n x 513 x 128] + pitch [n] -> audio float32 [n x N_SAMPLES]; ``cents``:
        the decoded pitch track (:meth:`pitch_track`), if any, for the starting phase."""
        mag = self.magnitude(logmag)
        phase = pitch_locked_phase(self._pitches(pitch, len(mag)), n_frames=mag.shape[-1], config=self.config,
                                   cents=cents)
        n_iter = self.config["gl_iters"] if n_iter is None else n_iter
        y = griffin_lim(mag, phase, n_iter=n_iter, config=self.config)
        return y.numpy().astype(np.float32)

    @_inference
    def render(self, z: np.ndarray, pitch=None) -> np.ndarray:
        """Audio before safety, float32 [n x 32768], for z [n x latent_dim] and MIDI pitch [n]."""
        z = self.check_latent(z)
        return self.synthesize(self.decode_logmag(z, pitch), self._pitches(pitch, len(z)),
                               cents=self.pitch_track(z, pitch))

    # -- encoding -----------------------------------------------------------------------------
    @_inference
    def encode(self, y: np.ndarray, sr: int, pitch) -> np.ndarray:
        """The posterior mean of a sound: float32 [n x latent_dim].

        y : np.ndarray [shape=(n_samples,) or (n, n_samples)] audio at ``sr`` Hz; resampled to
        16 kHz, cut or zero-padded to 2.048 s and level-normalised here.
        pitch : MIDI pitch(es) of the sound (estimate it with librosa.pyin if unknown).
        """
        y = np.atleast_2d(np.asarray(y, dtype=np.float32))
        if sr != SR:
            import librosa

            y = librosa.resample(y, orig_sr=sr, target_sr=SR, axis=-1)
        y = np.nan_to_num(y)
        y = y[:, :N_SAMPLES] if y.shape[1] >= N_SAMPLES else np.pad(y, ((0, 0), (0, N_SAMPLES - y.shape[1])))
        pidx = pitch_index(self._pitches(pitch, len(y)), config=self.config)
        x = (log_magnitude(torch.from_numpy(y), config=self.config) - self.config["feat_mean"]) / self.config["feat_std"]
        mu, _ = self.net.encode(x, pidx)
        return mu.numpy().astype(np.float32)


@dataclass
class EncodedSound:
    """A user's sound prepared for the VAE and its code."""

    y: np.ndarray  # float32 [N_SAMPLES], 16 kHz, onset-trimmed, cut/padded to the note length
    pitch: int  # MIDI pitch used for encoding
    pitch_estimated: bool  # False: pYIN found no pitch in range, the fallback was used
    z: np.ndarray  # float32 [latent_dim], posterior mean


def encode_sound(model: VAEModel, source, *, fallback_pitch: int = 60) -> EncodedSound:
    """Load a user's sound (path, bytes or file-like), estimate its pitch, encode it.

    Raises :class:`explorer.errors.AudioLoadError` for empty, corrupt, silent, too long or
    non-audio input (a message for a person).
    """
    from explorer.audio.io import load_audio
    from explorer.data.loader import estimate_pitch

    y = load_audio(source, sr=SR, trim_db=40.0)
    y = y[:N_SAMPLES] if y.size >= N_SAMPLES else np.pad(y, (0, N_SAMPLES - y.size))
    pitch = estimate_pitch(y, sr=SR)
    lo, hi = model.pitch_range
    estimated = lo <= pitch <= hi
    pitch = int(pitch) if estimated else int(np.clip(fallback_pitch, lo, hi))
    z = model.encode(y, SR, [pitch])[0]
    return EncodedSound(y=y.astype(np.float32), pitch=pitch, pitch_estimated=bool(estimated), z=z)


# --------------------------------------------------------------------------------------------
# loading


def model_from_checkpoint(ckpt: dict[str, Any], *, source: str = "") -> VAEModel:
    """A :class:`VAEModel` from a validated checkpoint dict (see explorer.models.checkpoint)."""
    net = build_model(ckpt["config"])
    try:
        net.load_state_dict(ckpt["state"])
    except (RuntimeError, KeyError, TypeError) as exc:
        raise CheckpointError(f"checkpoint {source or ''} does not fit the VAE it describes "
                              f"({str(exc).splitlines()[0][:100]})") from None
    return VAEModel(net, card=ckpt.get("card") or {}, source=source)


def load(path: str | os.PathLike) -> VAEModel:
    """Load a VAE checkpoint safely (weights only); any problem is a CheckpointError."""
    path = Path(path)
    return model_from_checkpoint(load_checkpoint(path, family=FAMILY), source=path.name)


def debug_model() -> VAEModel:
    """A tiny random VAE (deterministic weights) so tests and a bare machine can run the app."""
    with torch.random.fork_rng():
        torch.manual_seed(0)
        net = build_model(TINY_CONFIG)
    return VAEModel(net, card={"note": "untrained tiny debug model"}, source="debug")


__all__ = ["DEFAULT_CONFIG", "TINY_CONFIG", "VAEModel", "VAENet", "build_model", "load", "debug_model",
           "encode_sound", "EncodedSound", "log_magnitude", "normalize_level", "pitch_locked_phase", "griffin_lim", "model_from_checkpoint"]

