"""The GAN behind the common interface: :class:`GANModel`, its principal directions, loading.

A small GANSynth-style GAN: a pitch-conditioned generator (:mod:`explorer.models.gan.networks`)
draws a (log-magnitude, IF) mel image that the spectral codec
(:mod:`explorer.models.gan.codec`) turns into audio without Griffin-Lim.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from explorer.audio.constants import PITCH_MAX, PITCH_MIN, SR
from explorer.audio.pitch import midi_to_hz
from explorer.errors import CheckpointError
from explorer.models.base import LatentAudioModel
from explorer.models.checkpoint import load_checkpoint
from explorer.models.conditioning import velocity_input
from explorer.models.gan.codec import SpectralCodec
from explorer.models.gan.networks import DEFAULT_CONFIG, TINY_CONFIG, Generator, build_model

FAMILY = "gan"


@dataclass
class Directions:
    """Principal directions in z (GANSpace): unit vectors [k x latent_dim] and their std devs."""

    vectors: np.ndarray
    stdev: np.ndarray
    explained: np.ndarray  # fraction of activation variance per direction


class GANModel(LatentAudioModel):
    """The GAN behind the common interface (:class:`explorer.models.base.AudioModel`)."""

    name = FAMILY
    sample_rate = SR
    pitch_range = (PITCH_MIN, PITCH_MAX)

    def __init__(self, generator: Generator, codec: SpectralCodec, config: dict[str, Any],
                 directions: Directions | None = None, card: dict[str, Any] | None = None, *, source: str = ""):
        self.generator = generator.eval()
        self.codec = codec.eval()
        self.config = config
        self.latent_dim = int(config["latent_dim"])
        self.directions = directions
        self.card = card or {}
        self.source = source
        #: MIDI velocities the model was trained on (None: it has no velocity knob)
        self.velocity_range = (1, 127) if self.config.get("velocity") else None

    def _velocity(self, velocity, n: int) -> torch.Tensor | None:
        return velocity_input(velocity, n) if self.velocity_range else None

    def _pitch_index(self, pitch: np.ndarray | None, n: int) -> torch.Tensor:
        return torch.as_tensor(self.check_pitch(pitch, n).astype(np.int64) - PITCH_MIN)

    def _latent(self, z: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(self.check_latent(z)))

    @torch.no_grad()
    def spectrogram(self, z: np.ndarray, pitch: np.ndarray | None = None, *, velocity=None) -> np.ndarray:
        """Generated features, float32 [n x 2 x n_mels x n_frames] (log-magnitude, IF)."""
        z = self._latent(z)
        return self.generator(z, self._pitch_index(pitch, len(z)), self._velocity(velocity, len(z))).numpy()

    @torch.no_grad()
    def render(self, z: np.ndarray, pitch: np.ndarray | None = None, *, velocity=None) -> np.ndarray:
        """Audio before safety, float32 [n x 32768], for z [n x latent_dim] and pitch [n] (MIDI);
        ``velocity``: MIDI velocity [n] or one number (None: the default; ignored by a model
        without velocity)."""
        z = self._latent(z)
        pitch = self.check_pitch(pitch, len(z))
        feats = self.generator(z, self._pitch_index(pitch, len(z)), self._velocity(velocity, len(z)))
        y = self.codec.decode(feats, f0=torch.from_numpy(midi_to_hz(pitch.astype(np.float64))).float(),
                              lock=float(self.config.get("harmonic_lock", 0.0)))
        return torch.nan_to_num(y).numpy().astype(np.float32)


def directions_state(directions: Directions | None) -> dict[str, torch.Tensor]:
    if directions is None:
        return {}
    return {
        "directions.vectors": torch.as_tensor(directions.vectors, dtype=torch.float32),
        "directions.stdev": torch.as_tensor(directions.stdev, dtype=torch.float32),
        "directions.explained": torch.as_tensor(directions.explained, dtype=torch.float32),
    }


def from_state(config: dict[str, Any], state: dict[str, torch.Tensor], card: dict[str, Any] | None = None,
               *, name: str = "checkpoint", source: str = "") -> GANModel:
    """A GANModel from a config and a state dict (generator weights + optional directions)."""
    gen, codec = build_model(config)
    g_state = {k[len("generator."):]: v.float() for k, v in state.items() if k.startswith("generator.")}
    try:
        gen.load_state_dict(g_state)
    except RuntimeError as exc:
        raise CheckpointError(f"{name} does not match its GAN config ({str(exc).splitlines()[0][:120]})") from None
    directions = None
    if "directions.vectors" in state:
        vectors, stdev = state["directions.vectors"], state.get("directions.stdev")
        if (vectors.ndim != 2 or vectors.shape[1] != gen.latent_dim or stdev is None
                or tuple(stdev.shape) != (vectors.shape[0],)):
            raise CheckpointError(f"{name} has principal directions that do not fit its latent size")
        directions = Directions(
            vectors=state["directions.vectors"].float().numpy(),
            stdev=state["directions.stdev"].float().numpy(),
            explained=state.get("directions.explained", torch.zeros(len(state["directions.vectors"]))).float().numpy(),
        )
    for p in gen.parameters():
        p.requires_grad_(False)
    return GANModel(gen, codec, {**DEFAULT_CONFIG, **config}, directions, card, source=source)


def load(path: str | Path) -> GANModel:
    """Load a GAN checkpoint safely (weights only); any problem is a :class:`CheckpointError`."""
    ckpt = load_checkpoint(path, family=FAMILY)
    return from_state(ckpt["config"], ckpt["state"], ckpt.get("card"), name=f"checkpoint {Path(path).name}",
                      source=Path(path).name)


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
    return GANModel(gen, codec, dict(TINY_CONFIG), directions, {"note": "tiny random debug model"}, source="debug")
