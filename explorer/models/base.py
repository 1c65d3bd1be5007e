"""The common model interface (DESIGN.md section 3) and what every family shares.

Pages, the CLI, interpolation, the benchmark and evaluation talk to every family through
:class:`AudioModel`, so none of them special-cases VAE, GAN or GP. A family subclasses
:class:`LatentAudioModel`, which holds the shared parts (the one latent RNG, latent and pitch
validation with one rule, the model card, the default pitch), and adds ``render`` (and
``encode`` where the family can).
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np

from explorer.errors import ParameterError

#: The pitch a pitched model plays when none is given (middle C).
DEFAULT_PITCH = 60


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

    def sample_latent(self, n: int, seed: int, *, pitch=None, velocity=None) -> np.ndarray:
        """z ~ prior, float32 [n x latent_dim]; the same seed gives the same z, always. ``pitch`` and
        ``velocity`` (MIDI, one or [n]): the playing the notes are drawn for, which a model whose prior
        depends on it uses (the VAE's learned prior); the others ignore them."""
        ...

    def render(self, z: np.ndarray, pitch: np.ndarray | None = None) -> np.ndarray:
        """Audio before safety, float32 [n x samples], for z [n x latent_dim] and pitch [n] (MIDI)."""
        ...


def check_count(n) -> int:
    """How many latents to draw: a whole number >= 0, else a ParameterError."""
    if isinstance(n, bool) or int(n) != n or int(n) < 0:
        raise ParameterError(f"number of latents must be a whole number >= 0, got {n!r}")
    return int(n)


def latent_rng(seed: int) -> np.random.Generator:
    """The one random generator behind every ``sample_latent``: numpy's PCG64, platform-stable."""
    return np.random.default_rng(int(seed))


class LatentAudioModel:
    """Base class of the model families: everything but ``render`` (and ``encode``).

    Subclasses set ``name``, ``sample_rate``, ``latent_dim`` and ``pitch_range`` (class or
    instance attributes) and may override :meth:`_draw_prior` (how z is drawn from the seeded RNG).

    Pitch rule, the same for every family: a pitch is a finite MIDI number inside ``pitch_range``;
    models whose condition is a note number (``whole_pitch = True``: VAE, GAN) refuse fractions,
    models that transpose continuously (GP) accept them. ``None`` means :attr:`default_pitch`.
    """

    name: str = ""
    sample_rate: int = 0
    latent_dim: int = 0
    pitch_range: tuple[int, int] | None = None
    #: The condition is a whole MIDI note (an embedding index), not a continuous transposition.
    whole_pitch: bool = True
    #: The model card (training data, steps, eval figures) read from the checkpoint; never mutated.
    card: dict[str, Any] = {}
    #: The checkpoint file the model was loaded from ("debug" for a family's tiny random model,
    #: "" when it was built another way).
    source: str = ""
    #: Capability: principal directions in z (``.vectors [k x latent_dim]``, ``.stdev [k]``,
    #: ``.explained [k]``) that :meth:`move` follows; None where the family has none.
    directions: Any = None

    @property
    def default_pitch(self) -> int | None:
        """The pitch played when none is given (None for unconditioned models)."""
        return None if self.pitch_range is None else DEFAULT_PITCH

    # -- latents ----------------------------------------------------------------------------
    def sample_latent(self, n: int, seed: int, *, pitch=None, velocity=None) -> np.ndarray:
        """z from the model's prior, float32 [n x latent_dim]; the same seed gives the same z, always
        (``pitch`` and ``velocity`` are ignored here: a prior that depends on them overrides this)."""
        return self._draw_prior(latent_rng(seed), check_count(n))

    def _draw_prior(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """z ~ N(0, I), float32 [n x latent_dim]."""
        return rng.standard_normal((n, self.latent_dim)).astype(np.float32)

    # -- the slider frame: what a latent slider moves (identity unless the family learns one) ----
    def to_latent(self, s: np.ndarray) -> np.ndarray:
        """Slider values [..., latent_dim] -> z, float32 (0 is the prior's typical code)."""
        return np.asarray(s, dtype=np.float32)

    def to_slider(self, z: np.ndarray) -> np.ndarray:
        """z [..., latent_dim] -> slider values, float32 (the inverse of :meth:`to_latent`)."""
        return np.asarray(z, dtype=np.float32)

    def check_latent(self, z: np.ndarray) -> np.ndarray:
        """z as float32 [n x latent_dim] (a single [latent_dim] vector becomes one row); refuses
        wrong sizes and NaN or infinite values with a :class:`ParameterError`."""
        z = np.asarray(z, dtype=np.float32)
        if z.ndim == 1:
            z = z[None, :]
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ParameterError(f"latent has {z.shape[-1] if z.ndim else 1} values; this model needs {self.latent_dim}")
        if not np.all(np.isfinite(z)):
            raise ParameterError("latent holds NaN or infinite values")
        return z

    def check_pitch(self, pitch, n: int) -> np.ndarray | None:
        """Pitches as float64 [n] MIDI (one value is used for all n), or None for unconditioned models."""
        if self.pitch_range is None:
            return None
        if pitch is None:
            pitch = self.default_pitch
        p = np.asarray(pitch, dtype=np.float64).reshape(-1)
        if p.size == 1:
            p = np.repeat(p, n)
        if p.size != n:
            raise ParameterError(f"got {p.size} pitches for {n} latents")
        lo, hi = self.pitch_range
        if not np.all(np.isfinite(p)) or np.any((p < lo) | (p > hi)):
            raise ParameterError(f"pitch must be within this model's range (MIDI {lo}..{hi})")
        if self.whole_pitch and not np.all(p == np.round(p)):
            raise ParameterError(f"this model plays whole MIDI notes (MIDI {lo}..{hi}), not fractions")
        return p

    def render(self, z: np.ndarray, pitch: np.ndarray | None = None) -> np.ndarray:
        """Audio before safety, float32 [n x samples], for z [n x latent_dim] and pitch [n] (MIDI)."""
        raise NotImplementedError

    # -- capabilities (hooks other code uses instead of asking which family a model is) -----------
    def move(self, z: np.ndarray, amounts) -> np.ndarray:
        """z shifted along :attr:`directions`: ``z + sum_k amounts[k] * stdev[k] * u_k``, float32.

        z : [latent_dim] or [n x latent_dim]; amounts : [k] slider values in standard deviations
        (missing ones are 0, extra ones ignored). Without directions, z unchanged.
        """
        z = np.asarray(z, dtype=np.float32)
        if self.directions is None:
            return z
        a = np.zeros(len(self.directions.vectors), dtype=np.float32)
        given = np.asarray(amounts, dtype=np.float32)[: len(a)]
        a[: len(given)] = given
        return z + (a * self.directions.stdev) @ self.directions.vectors

    def target_magnitude(self, z: np.ndarray, pitch=None) -> np.ndarray | None:
        """The magnitude spectrogram a phase reconstruction turns into this render's audio,
        float32 [n x F x T] (|STFT|), or None where the family makes its audio another way."""
        return None
