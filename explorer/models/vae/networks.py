"""The VAE's networks: encoder, decoder (per-pitch templates, combs, vibrato head) and
:func:`build_model`, the one way to build them from a config.

Representation: the log-magnitude STFT of a 16 kHz note (``n_fft=1024, hop_length=256``,
513 bins x 128 frames, see :mod:`explorer.models.vae.spectrogram`), treated as a sequence of
128 frames with 513 channels, so the network is a stack of 1-D convolutions over time (cheap
enough to train on a laptop CPU).

Pitch (MIDI 24-84) is an input of both encoder and decoder (a learned embedding added to every
layer), so the latent z holds timbre and pitch stays a separate knob. The decoder's last layer
adds a learned per-pitch log-spectral template, which makes the harmonic comb of each pitch
cheap to learn (in the log domain, spectrum = envelope x comb becomes a sum).

Everything is rebuilt only through :func:`build_model` from a config dict stored in the
checkpoint (DESIGN.md section 9).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from explorer.audio.constants import HOP_LENGTH, N_FFT, N_SAMPLES, PITCH_MAX, PITCH_MIN, SR
from explorer.errors import CheckpointError
from explorer.models.conditioning import DEFAULT_VELOCITY, velocity_input  # noqa: F401 (re-exported)
from explorer.models.config_check import Field, check_config
from explorer.models.vae.vibrato import N_VIBRATO, fit, measure, pitch_track, warp_frequency

FAMILY = "vae"
#: Frames the network sees (the STFT has 129 with centring; the last, after the note's release
#: tail, is dropped for the network and restored as silence for synthesis).
N_FRAMES = N_SAMPLES // HOP_LENGTH
N_BINS = N_FFT // 2 + 1

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
    "velocity": True,  # MIDI velocity is a condition beside pitch (absent: off; the model has no velocity knob)
}
#: A tiny config for tests and the "debug" model (seconds to build, train and render).
TINY_CONFIG: dict[str, Any] = {**DEFAULT_CONFIG, "latent_dim": 8, "hidden": 32, "pitch_emb": 8, "gl_iters": 4}


def pitch_index(pitch, *, config: dict[str, Any]) -> torch.Tensor:
    """MIDI pitch [B] -> embedding index [B] (rounded, clamped to the model's range)."""
    p = torch.as_tensor(np.asarray(pitch, dtype=np.float64)).round().long()
    return (p.clamp(config["pitch_min"], config["pitch_max"]) - config["pitch_min"]).reshape(-1)



class _Encoder(nn.Module):
    def __init__(self, c: dict[str, Any]):
        super().__init__()
        h, e, n_pitch = c["hidden"], c["pitch_emb"], c["pitch_max"] - c["pitch_min"] + 1
        self.inp = nn.Conv1d(N_BINS, h, 1)
        self.pitch = nn.Linear(e, h * (c["n_down"] + 1))
        self.down = nn.ModuleList(nn.Conv1d(h, h, 4, stride=2, padding=1) for _ in range(c["n_down"]))
        t = c["n_frames"] // 2 ** c["n_down"]
        # optional: the note's measured vibrato (the head's 6 numbers, see vibrato.fit) as input:
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


class VAENet(nn.Module):
    """Encoder + decoder + pitch embedding. Works in standardised log|S| units."""

    def __init__(self, config: dict[str, Any]):
        super().__init__()
        self.config = dict(config)
        n_pitch = config["pitch_max"] - config["pitch_min"] + 1
        self.embed = nn.Embedding(n_pitch, config["pitch_emb"])
        if config.get("velocity"):
            self.velocity = nn.Linear(1, config["pitch_emb"])
        self.encoder = _Encoder(config)
        self.decoder = _Decoder(config)

    def condition(self, pidx: torch.Tensor, vel: torch.Tensor | None = None) -> torch.Tensor:
        """The conditioning vector [B x E] of pitch indices [B] and (with ``velocity``) the
        :func:`velocity_input` [B x 1] (None: the default velocity)."""
        emb = self.embed(pidx)
        if hasattr(self, "velocity"):
            emb = emb + self.velocity(velocity_input(None, len(pidx)) if vel is None else vel)
        return emb

    def encode(self, x: torch.Tensor, pidx: torch.Tensor,
               vib: torch.Tensor | None = None, vel: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(mu, logvar) [B x L] of standardised log|S| x [B x 513 x T]; ``vib`` [B x 6]: the notes'
        measured vibrato if already known (with ``vibrato_input``; else measured here)."""
        if self.encoder.n_vib and vib is None:
            logmag = x * self.config["feat_std"] + self.config["feat_mean"]
            vib = fit(*measure(logmag), frame_s=self.config["hop_length"] / self.config["sr"])
        return self.encoder(x, self.condition(pidx, vel), vib)

    def decode(self, z: torch.Tensor, pidx: torch.Tensor, vel: torch.Tensor | None = None) -> torch.Tensor:
        return self.decoder(z, self.condition(pidx, vel), pidx)

    def forward(self, x: torch.Tensor, pidx: torch.Tensor, *, sample: bool = True, with_vibrato: bool = False,
                vib_in: torch.Tensor | None = None, vel: torch.Tensor | None = None,
                other_pidx: torch.Tensor | None = None):
        """Returns (x_hat, mu, logvar), and ``with_vibrato`` the vibrato head's numbers after them
        (:meth:`_Decoder.vibrato`, [B x 6] or None); x_hat : Tensor[B x 513 x T] standardised log|S|;
        ``vib_in``: the notes' measured vibrato, see :meth:`encode`. With ``other_pidx`` [B] the
        :meth:`elsewhere` of the codes at those pitches comes last."""
        mu, logvar = self.encode(x, pidx, vib_in, vel)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar) if sample else mu
        extra = () if other_pidx is None else (self.elsewhere(mu, other_pidx, vel),)
        if not with_vibrato:
            return (self.decode(z, pidx, vel), mu, logvar) + extra
        emb = self.condition(pidx, vel)
        vib = self.decoder.vibrato(z, emb)
        return (self.decoder(z, emb, pidx, vib=vib), mu, logvar, vib) + extra

    def elsewhere(self, z: torch.Tensor, pidx: torch.Tensor,
                  vel: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Codes z [B x L] decoded at other pitch indices ``pidx`` [B]: (x_hat [B x 513 x T]
        standardised log|S|, the encoder's mean of it [B x L]).

        What keeps a timbre across the keyboard: a code played at another pitch should read back
        as the same code. Only the decoder learns from the read-back: the encoder runs with its
        weights detached (it is the judge here, and a judge that learns could learn to be fooled)."""
        emb = self.condition(pidx, vel)
        vib = self.decoder.vibrato(z, emb)
        x = self.decoder(z, emb, pidx, vib=vib)
        judge = {name: p.detach() for name, p in self.encoder.named_parameters()}
        vib_in = None if vib is None or not self.encoder.n_vib else vib.detach()
        mu, _ = torch.func.functional_call(self.encoder, judge, (x, emb.detach(), vib_in))
        return x, mu


#: The rules every VAE config obeys (:func:`explorer.models.config_check.check_config`): types,
#: ranges and upper bounds that keep a crafted checkpoint from asking for a huge network or an
#: endless Griffin-Lim (the shipped models use latent_dim 24, hidden 192, gl_iters 4).
CONFIG_RULES: dict[str, Field] = {
    "latent_dim": Field("int", 1, 256),
    "hidden": Field("int", 1, 1024),
    "pitch_emb": Field("int", 1, 256),
    "n_down": Field("int", 1, 6),
    "n_fft": Field("int", N_FFT, N_FFT),
    "hop_length": Field("int", HOP_LENGTH, HOP_LENGTH),
    "n_frames": Field("int", N_FRAMES, N_FRAMES),
    "sr": Field("int", SR, SR),
    "pitch_min": Field("int", 0, 127),
    "pitch_max": Field("int", 0, 127),
    "log_eps": Field("float", 1e-8, 1.0),
    "feat_mean": Field("float", -100.0, 100.0),
    "feat_std": Field("float", 1e-6, 100.0),
    "gl_iters": Field("int", 0, 64),
    "comb_bases": Field("int", 0, 16),
    "time_emb": Field("bool"),
    "vibrato": Field("bool"),
    "vibrato_input": Field("bool"),
    "velocity": Field("bool"),
}


def build_model(config: dict[str, Any]) -> VAENet:
    """The one way to build the network (training, loading, tests); a config that breaks a rule of
    :data:`CONFIG_RULES` is a :class:`CheckpointError` before anything is built."""
    if not isinstance(config, dict):
        raise CheckpointError("VAE config is not a table of settings")
    c = {**DEFAULT_CONFIG, "comb_bases": 0, "time_emb": False, "vibrato": False, "vibrato_input": False,
         "velocity": False, **config}  # older: options off
    check_config(c, CONFIG_RULES, what="VAE")
    if c["pitch_min"] > c["pitch_max"]:
        raise CheckpointError(f"VAE config has pitch_min {c['pitch_min']} above pitch_max {c['pitch_max']}")
    if c["n_frames"] % 2 ** c["n_down"]:
        raise CheckpointError("VAE config does not match this app's STFT settings")
    return VAENet(c)
