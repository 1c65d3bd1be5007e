"""The common model interface (DESIGN.md section 3).

Pages, the CLI, interpolation, the benchmark and evaluation talk to every family through
:class:`AudioModel`, so none of them special-cases VAE, GAN or GP.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class AudioModel(Protocol):
    """What every model family provides.

    Attributes
    ----------
    name : str            family: ``"vae"``, ``"gan"`` or ``"gp"``
    sample_rate : int     Hz
    latent_dim : int      length of one latent vector z
    pitch_range : (int, int) or None   MIDI range of the pitch condition (None: unconditioned)
    """

    name: str
    sample_rate: int
    latent_dim: int
    pitch_range: tuple[int, int] | None

    def sample_latent(self, n: int, seed: int) -> np.ndarray:
        """z ~ prior, float32 [n x latent_dim]; the same seed gives the same z, always."""
        ...

    def render(self, z: np.ndarray, pitch: np.ndarray | None = None) -> np.ndarray:
        """Audio before safety, float32 [n x samples], for z [n x latent_dim] and pitch [n] (MIDI)."""
        ...


def latent_rng(seed: int) -> np.random.Generator:
    """The one random generator behind every ``sample_latent``: numpy's PCG64, platform-stable."""
    return np.random.default_rng(int(seed))
