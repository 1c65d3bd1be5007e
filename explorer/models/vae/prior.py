"""A learned prior for the VAE: where the codes of real notes live, and the slider frame over it.

A VAE's decoder only ever saw codes its encoder produced. When the training notes are varied
(twelve instrument families), those codes do not fill the N(0, I) ball the KL term asks for:
they sit in clumps, and random draws from N(0, I) land between them, mostly on a few families.
So random notes are drawn from a Gaussian mixture fitted to the aggregate posterior (the
posterior means of the training notes, with their posterior spread added): a second, small
model of the codes, as two-stage VAEs do. scikit-learn's GaussianMixture does the fit.

The mixture can also be fitted to each code *together with how its note was played* (pitch and
velocity). A draw for a given pitch then comes from the codes of notes played near that pitch
(each component's Gaussian conditioned on it, its weight by how likely the pitch is under it):
a tuba's clump is not picked for a C6, where the decoder never heard a tuba. With vae-gm-v1's
network, ``eval`` gave fd_cls 18.9 against 22.7 and coverage 0.72 against 0.68 for the mixture over
the codes alone, and release failures 0.175 against 0.145 (checkpoints/vae-gm-v2.md). Without a
pitch, a draw comes from the codes' marginal (every clump at its overall weight), exactly as from a
mixture fitted to the codes alone.

The sliders move in the frame of those codes: 0 is their mean (a typical note) and axis k is
their k-th principal direction, in standard deviations, so +-2 stays among real notes and the
first slider is the one along which notes differ most.

Stored in the checkpoint's state as tensors (``prior.*``), so loading stays weights-only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from explorer.errors import CheckpointError

#: Mixture components: 10 full-covariance components covered 0.96 of the real corpus's
#: embedding (coverage) on the synthetic-data VAE in a quick test, against 0.55 for N(0, I).
N_COMPONENTS = 12
REQUIRED = ("prior.weights", "prior.means", "prior.chols", "prior.center", "prior.axes", "prior.scale")
#: present when the mixture is fitted to codes and playing: how a condition is standardised
CONDITION = ("prior.cond_center", "prior.cond_scale")
#: every tensor of a checkpoint's state that belongs to the prior (not to the network)
KEYS = REQUIRED + CONDITION


@dataclass(frozen=True)
class LatentPrior:
    """A Gaussian mixture over z (and, if conditioned, the playing) and the slider frame (float64 numpy).

    weights [K], means [K x (L + C)], chols [K x (L + C) x (L + C)] (lower Cholesky factors of the
    covariances; z first, then the C standardised conditions), center [L] (mean code), axes
    [L x L] (rows: principal directions, unit length), scale [L] (standard deviation along each
    axis), cond_center / cond_scale [C] (a condition c enters as (c - cond_center) / cond_scale;
    C = 0: a mixture over z alone).
    """

    weights: np.ndarray
    means: np.ndarray
    chols: np.ndarray
    center: np.ndarray
    axes: np.ndarray
    scale: np.ndarray
    cond_center: np.ndarray = field(default_factory=lambda: np.zeros(0))
    cond_scale: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def latent_dim(self) -> int:
        return int(self.center.shape[0])

    @property
    def n_conditions(self) -> int:
        """C: how many numbers of the playing the mixture is fitted to (0, 1: pitch, 2: pitch and velocity)."""
        return int(self.cond_center.shape[0])

    def draw(self, rng: np.random.Generator, n: int, condition: np.ndarray | None = None) -> np.ndarray:
        """n codes from the mixture, float32 [n x L]; the same generator state gives the same codes.

        condition : np.ndarray [shape=(n, C)] or None
            the playing of each draw (MIDI pitch, then velocity), for a prior fitted with it: each
            code comes from the mixture conditioned on its row. None (or a prior without
            conditions): from the mixture over z (for C > 0 its marginal, the same numbers as ever).
        """
        L = self.latent_dim
        if condition is None or not self.n_conditions:
            k = rng.choice(len(self.weights), size=n, p=self.weights)
            eps = rng.standard_normal((n, L))
            # the leading L x L block of a joint Cholesky factor is the factor of z's marginal
            z = self.means[k, :L] + np.einsum("nij,nj->ni", self.chols[k, :L, :L], eps)
            return z.astype(np.float32)
        c = (np.asarray(condition, dtype=np.float64).reshape(n, self.n_conditions) - self.cond_center) / self.cond_scale
        gain, chols, log_like = self._conditionals(c)
        p = np.exp(log_like - log_like.max(1, keepdims=True)) * self.weights
        p /= p.sum(1, keepdims=True)
        k = np.minimum((p.cumsum(1) < rng.random((n, 1))).sum(1), len(self.weights) - 1)
        eps = rng.standard_normal((n, L))
        mean = self.means[k, :L] + np.einsum("nlc,nc->nl", gain[k], c - self.means[k, L:])
        return (mean + np.einsum("nij,nj->ni", chols[k], eps)).astype(np.float32)

    def _conditionals(self, c: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per component: the gain [K x L x C] of z's mean on the condition, the Cholesky factor of
        z's covariance given it [K x L x L] (the same for every condition value), and the log
        likelihood of each row of ``c`` [n x C] under the component's condition marginal [n x K]."""
        L = self.latent_dim
        cov = self.chols @ np.swapaxes(self.chols, 1, 2)
        zz, zc, cc = cov[:, :L, :L], cov[:, :L, L:], cov[:, L:, L:]
        gain = zc @ np.linalg.inv(cc)
        chols = np.linalg.cholesky(zz - gain @ np.swapaxes(zc, 1, 2))
        d = c[:, None, :] - self.means[None, :, L:]  # [n x K x C]
        maha = np.einsum("nkc,kcd,nkd->nk", d, np.linalg.inv(cc), d)
        log_like = -0.5 * (maha + np.linalg.slogdet(cc)[1][None])
        return gain, chols, log_like

    def playing_log_likelihood(self, z: np.ndarray, condition: np.ndarray) -> np.ndarray:
        """log p(condition | z) under the mixture, [n], for rows of z [n x L] and condition [n x C]
        (raw MIDI numbers; the density of the standardised condition). Weighting draws from the
        marginal by it and resampling gives draws given the condition (importance resampling)."""
        L, C = self.latent_dim, self.n_conditions
        z = np.asarray(z, dtype=np.float64).reshape(-1, L)
        c = (np.asarray(condition, dtype=np.float64).reshape(len(z), C) - self.cond_center) / self.cond_scale
        joint = _log_normal(np.concatenate([z, c], axis=1), self.means, self.chols) + np.log(self.weights)
        marginal = _log_normal(z, self.means[:, :L], self.chols[:, :L, :L]) + np.log(self.weights)
        return _logsumexp(joint) - _logsumexp(marginal)

    def to_latent(self, s: np.ndarray) -> np.ndarray:
        """Slider values [..., L] (standard deviations along the axes) -> z [..., L], float32."""
        s = np.asarray(s, dtype=np.float64)
        return (self.center + (s * self.scale) @ self.axes).astype(np.float32)

    def to_slider(self, z: np.ndarray) -> np.ndarray:
        """z [..., L] -> slider values [..., L], float32 (the inverse of :meth:`to_latent`)."""
        z = np.asarray(z, dtype=np.float64)
        return (((z - self.center) @ self.axes.T) / self.scale).astype(np.float32)

    def state(self) -> dict[str, torch.Tensor]:
        """Tensors for the checkpoint's state dict (the condition's only when there is one, so a
        prior over z alone is stored as it always was)."""
        keys = KEYS if self.n_conditions else REQUIRED
        return {key: torch.as_tensor(getattr(self, key.split(".", 1)[1]), dtype=torch.float64) for key in keys}

    @classmethod
    def from_state(cls, state: dict[str, torch.Tensor], latent_dim: int) -> "LatentPrior | None":
        """The prior stored in a checkpoint's state (None when it has none); checked for shapes,
        finite values and valid weights, any fault a :class:`CheckpointError`."""
        if not any(k in state for k in KEYS):
            return None
        if not all(k in state for k in REQUIRED) or (any(k in state for k in CONDITION)
                                                      and not all(k in state for k in CONDITION)):
            raise CheckpointError("checkpoint holds an incomplete latent prior")
        a = {k.split(".", 1)[1]: state[k].double().numpy() for k in KEYS if k in state}
        a.setdefault("cond_center", np.zeros(0))
        a.setdefault("cond_scale", np.zeros(0))
        C = a["cond_center"].shape[0] if a["cond_center"].ndim == 1 else -1
        K, J = a["means"].shape if a["means"].ndim == 2 else (0, 0)
        L = J - C
        shapes = {"weights": (K,), "means": (K, J), "chols": (K, J, J), "center": (L,), "axes": (L, L), "scale": (L,),
                  "cond_center": (C,), "cond_scale": (C,)}
        if C < 0 or C > 2 or L != latent_dim or K < 1 or any(a[k].shape != s for k, s in shapes.items()):
            raise CheckpointError("checkpoint's latent prior does not match its latent size")
        if not all(np.all(np.isfinite(v)) for v in a.values()) or np.any(a["weights"] < 0) or np.any(a["scale"] <= 0) \
                or np.any(a["cond_scale"] <= 0) or not a["weights"].sum() > 0:
            raise CheckpointError("checkpoint's latent prior holds invalid numbers")
        a["weights"] = a["weights"] / a["weights"].sum()
        prior = cls(**a)
        if C:
            try:  # every conditional covariance must be positive definite
                prior._conditionals(np.zeros((1, C)))
            except np.linalg.LinAlgError:
                raise CheckpointError("checkpoint's latent prior holds invalid numbers") from None
        return prior


def _log_normal(x: np.ndarray, means: np.ndarray, chols: np.ndarray) -> np.ndarray:
    """log N(x_n; means_k, chols_k chols_k^T) for rows x [n x D] and K components: [n x K]."""
    d = x[:, None, :] - means[None]  # [n x K x D]
    white = np.linalg.solve(chols[None], d[..., None])[..., 0]  # L^-1 (x - m)
    log_det = np.log(np.abs(np.diagonal(chols, axis1=1, axis2=2))).sum(1)
    return -0.5 * (white ** 2).sum(-1) - log_det[None] - 0.5 * x.shape[1] * np.log(2 * np.pi)


def _logsumexp(a: np.ndarray) -> np.ndarray:
    top = a.max(1, keepdims=True)
    return (top + np.log(np.exp(a - top).sum(1, keepdims=True)))[:, 0]


def fit_prior(mu: np.ndarray, logvar: np.ndarray | None = None, *, condition: np.ndarray | None = None,
              n_components: int = N_COMPONENTS, seed: int = 0) -> LatentPrior:
    """Fit the mixture and the slider frame to posterior means ``mu`` [N x L] (and log-variances
    ``logvar`` [N x L]: their mean spread is added to each component's covariance of z, so draws
    are as varied as the posterior, not only as its means). ``condition`` [N x C]: how each note
    was played (MIDI pitch, then velocity), fitted jointly with its code (standardised)."""
    from sklearn.mixture import GaussianMixture

    mu = np.asarray(mu, dtype=np.float64)
    if mu.ndim != 2 or len(mu) < 2 * n_components or not np.all(np.isfinite(mu)):
        raise ValueError(f"need at least {2 * n_components} finite codes [N x L] to fit a prior, got {mu.shape}")
    L = mu.shape[1]
    cond_center = cond_scale = np.zeros(0)
    joint = mu
    if condition is not None:
        condition = np.asarray(condition, dtype=np.float64).reshape(len(mu), -1)
        cond_center, cond_scale = condition.mean(0), condition.std(0)
        if not np.all(np.isfinite(condition)) or np.any(cond_scale <= 0):
            raise ValueError("the playing a prior is fitted to must be finite and must vary")
        joint = np.concatenate([mu, (condition - cond_center) / cond_scale], axis=1)
    gm = GaussianMixture(n_components=n_components, covariance_type="full", random_state=seed,
                         reg_covar=1e-4, max_iter=300).fit(joint)
    cov = gm.covariances_.copy()
    if logvar is not None:
        cov[:, :L, :L] += np.diag(np.exp(np.asarray(logvar, dtype=np.float64)).mean(0))[None]
    chols = np.linalg.cholesky(cov)
    center = mu.mean(0)
    evals, evecs = np.linalg.eigh(np.cov(mu, rowvar=False))
    order = np.argsort(evals)[::-1]
    axes = evecs[:, order].T
    axes *= np.sign(axes[np.arange(len(axes)), np.abs(axes).argmax(1)])[:, None]  # a fixed sign per axis
    scale = np.sqrt(np.maximum(evals[order], 1e-8))
    return LatentPrior(weights=gm.weights_ / gm.weights_.sum(), means=gm.means_, chols=chols, center=center,
                       axes=axes, scale=scale, cond_center=cond_center, cond_scale=cond_scale)
