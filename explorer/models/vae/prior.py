"""A learned prior for the VAE: where the codes of real notes live, and the slider frame over it.

A VAE's decoder only ever saw codes its encoder produced. When the training notes are varied
(twelve instrument families), those codes do not fill the N(0, I) ball the KL term asks for:
they sit in clumps, and random draws from N(0, I) land between them, mostly on a few families.
So random notes are drawn from a Gaussian mixture fitted to the aggregate posterior (the
posterior means of the training notes, with their posterior spread added): a second, small
model of the codes, as two-stage VAEs do. scikit-learn's GaussianMixture does the fit.

The sliders move in the frame of those codes: 0 is their mean (a typical note) and axis k is
their k-th principal direction, in standard deviations, so +-2 stays among real notes and the
first slider is the one along which notes differ most.

Stored in the checkpoint's state as tensors (``prior.*``), so loading stays weights-only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from explorer.errors import CheckpointError

#: Mixture components: 10 full-covariance components covered 0.96 of the real corpus's
#: embedding (coverage) on the synthetic-data VAE in a quick test, against 0.55 for N(0, I).
N_COMPONENTS = 12
KEYS = ("prior.weights", "prior.means", "prior.chols", "prior.center", "prior.axes", "prior.scale")


@dataclass(frozen=True)
class LatentPrior:
    """A Gaussian mixture over z and the slider frame (all float64 numpy).

    weights [K], means [K x L], chols [K x L x L] (lower Cholesky factors of the covariances),
    center [L] (mean code), axes [L x L] (rows: principal directions, unit length), scale [L]
    (standard deviation along each axis).
    """

    weights: np.ndarray
    means: np.ndarray
    chols: np.ndarray
    center: np.ndarray
    axes: np.ndarray
    scale: np.ndarray

    @property
    def latent_dim(self) -> int:
        return int(self.means.shape[1])

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """n codes from the mixture, float32 [n x L]; the same generator state gives the same codes."""
        k = rng.choice(len(self.weights), size=n, p=self.weights)
        eps = rng.standard_normal((n, self.latent_dim))
        z = self.means[k] + np.einsum("nij,nj->ni", self.chols[k], eps)
        return z.astype(np.float32)

    def to_latent(self, s: np.ndarray) -> np.ndarray:
        """Slider values [..., L] (standard deviations along the axes) -> z [..., L], float32."""
        s = np.asarray(s, dtype=np.float64)
        return (self.center + (s * self.scale) @ self.axes).astype(np.float32)

    def to_slider(self, z: np.ndarray) -> np.ndarray:
        """z [..., L] -> slider values [..., L], float32 (the inverse of :meth:`to_latent`)."""
        z = np.asarray(z, dtype=np.float64)
        return (((z - self.center) @ self.axes.T) / self.scale).astype(np.float32)

    def state(self) -> dict[str, torch.Tensor]:
        """Tensors for the checkpoint's state dict."""
        return {key: torch.as_tensor(getattr(self, key.split(".", 1)[1]), dtype=torch.float64) for key in KEYS}

    @classmethod
    def from_state(cls, state: dict[str, torch.Tensor], latent_dim: int) -> "LatentPrior | None":
        """The prior stored in a checkpoint's state (None when it has none); checked for shapes,
        finite values and valid weights, any fault a :class:`CheckpointError`."""
        if not any(k in state for k in KEYS):
            return None
        if not all(k in state for k in KEYS):
            raise CheckpointError("checkpoint holds an incomplete latent prior")
        a = {k.split(".", 1)[1]: state[k].double().numpy() for k in KEYS}
        K, L = a["means"].shape if a["means"].ndim == 2 else (0, 0)
        shapes = {"weights": (K,), "means": (K, L), "chols": (K, L, L), "center": (L,), "axes": (L, L), "scale": (L,)}
        if L != latent_dim or K < 1 or any(a[k].shape != s for k, s in shapes.items()):
            raise CheckpointError("checkpoint's latent prior does not match its latent size")
        if not all(np.all(np.isfinite(v)) for v in a.values()) or np.any(a["weights"] < 0) or np.any(a["scale"] <= 0):
            raise CheckpointError("checkpoint's latent prior holds invalid numbers")
        a["weights"] = a["weights"] / a["weights"].sum()
        return cls(**a)


def fit_prior(mu: np.ndarray, logvar: np.ndarray | None = None, *, n_components: int = N_COMPONENTS,
              seed: int = 0) -> LatentPrior:
    """Fit the mixture and the slider frame to posterior means ``mu`` [N x L] (and log-variances
    ``logvar`` [N x L]: their mean spread is added to each component's covariance, so draws
    are as varied as the posterior, not only as its means)."""
    from sklearn.mixture import GaussianMixture

    mu = np.asarray(mu, dtype=np.float64)
    if mu.ndim != 2 or len(mu) < 2 * n_components or not np.all(np.isfinite(mu)):
        raise ValueError(f"need at least {2 * n_components} finite codes [N x L] to fit a prior, got {mu.shape}")
    gm = GaussianMixture(n_components=n_components, covariance_type="full", random_state=seed,
                         reg_covar=1e-4, max_iter=300).fit(mu)
    cov = gm.covariances_
    if logvar is not None:
        cov = cov + np.diag(np.exp(np.asarray(logvar, dtype=np.float64)).mean(0))[None]
    chols = np.linalg.cholesky(cov)
    center = mu.mean(0)
    evals, evecs = np.linalg.eigh(np.cov(mu, rowvar=False))
    order = np.argsort(evals)[::-1]
    axes = evecs[:, order].T
    axes *= np.sign(axes[np.arange(len(axes)), np.abs(axes).argmax(1)])[:, None]  # a fixed sign per axis
    scale = np.sqrt(np.maximum(evals[order], 1e-8))
    return LatentPrior(weights=gm.weights_ / gm.weights_.sum(), means=gm.means_, chols=chols, center=center,
                       axes=axes, scale=scale)
