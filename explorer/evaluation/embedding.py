"""Comparing two sets of notes in the classifier's embedding (GANSynth / WaveGAN practice).

Every function takes embeddings or class probabilities of whole notes: ``real`` and ``fake``
[n x d] (fake: generated notes, or for the real-vs-real reference the other half of the real
notes).

- ``fd_cls``: Frechet distance between Gaussians fitted to the two sets (Heusel et al. 2017).
- ``precision`` / ``recall`` (Kynkaanniemi et al. 2019): the fraction of fake notes inside the
  real manifold (the union of balls around each real note reaching its k-th nearest real
  neighbour), and of real notes inside the fake manifold.
- ``density`` / ``coverage`` (Naeem et al. 2020): how many real balls contain each fake note,
  divided by k, on average (1 for matching sets; above 1 when fakes crowd dense regions); the
  fraction of real notes whose ball holds at least one fake note. k = 5 as in both papers.
- ``inception_score``: exp(E_x KL(p(y|x) || p(y))) of the class probabilities (Salimans 2016):
  high when each note is clearly one class and the classes are evenly used.
- ``family_histogram``: fraction of notes predicted as each family; ``families_covered``: how
  many families get at least 2 % of the notes.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import linalg

K = 5
COVERED_FRACTION = 0.02


def frechet_distance(real: np.ndarray, fake: np.ndarray) -> float:
    """Frechet distance between Gaussians fitted to the rows of ``real`` and ``fake`` [n x d]."""
    real, fake = np.asarray(real, np.float64), np.asarray(fake, np.float64)
    mu_a, mu_b = real.mean(0), fake.mean(0)
    ca, cb = np.atleast_2d(np.cov(real, rowvar=False)), np.atleast_2d(np.cov(fake, rowvar=False))
    eps = 1e-6 * np.eye(len(ca))  # fewer notes than dimensions leave the product singular: regularise
    with warnings.catch_warnings():  # as in pytorch-fid
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        covmean = linalg.sqrtm((ca + eps) @ (cb + eps))
    covmean = (covmean[0] if isinstance(covmean, tuple) else covmean).real
    return float(max(0.0, np.sum((mu_a - mu_b) ** 2) + np.trace(ca + cb - 2 * covmean)))


def _pairwise(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    d2 = (a**2).sum(1)[:, None] + (b**2).sum(1)[None, :] - 2 * a @ b.T
    return np.sqrt(np.maximum(d2, 0.0))


def _kth_radius(x: np.ndarray, k: int) -> np.ndarray:
    """Distance of each row of x to its k-th nearest other row."""
    d = _pairwise(x, x)
    return np.sort(d, axis=1)[:, k]  # column 0 is the row itself


def prdc(real: np.ndarray, fake: np.ndarray, *, k: int = K) -> dict[str, float]:
    """Precision, recall, density and coverage of ``fake`` against ``real`` [n x d] (k-NN balls)."""
    real, fake = np.asarray(real, np.float64), np.asarray(fake, np.float64)
    if min(len(real), len(fake)) <= k:
        raise ValueError(f"precision/recall need more than k={k} notes in each set")
    r_real, r_fake = _kth_radius(real, k), _kth_radius(fake, k)
    d = _pairwise(real, fake)  # [n_real x n_fake]
    inside_real = d <= r_real[:, None]  # fake j inside the ball of real i
    return {
        "precision": float(inside_real.any(axis=0).mean()),
        "recall": float((d <= r_fake[None, :]).any(axis=1).mean()),
        "density": float(inside_real.sum(axis=0).mean() / k),
        "coverage": float((d.min(axis=1) <= r_real).mean()),
    }


def inception_score(probs: np.ndarray) -> float:
    """exp(E_x KL(p(y|x) || p(y))) for class probabilities [n x classes] (one split)."""
    p = np.clip(np.asarray(probs, np.float64), 1e-12, 1.0)
    marginal = p.mean(axis=0, keepdims=True)
    return float(np.exp(np.mean(np.sum(p * (np.log(p) - np.log(marginal)), axis=1))))


def family_histogram(probs: np.ndarray, families: tuple[str, ...] | list[str]) -> dict[str, float]:
    """Fraction of notes whose most probable class is each family (every family listed)."""
    pred = np.asarray(probs).argmax(axis=1)
    counts = np.bincount(pred, minlength=len(families)) / max(len(pred), 1)
    return {f: round(float(c), 4) for f, c in zip(families, counts)}


def families_covered(histogram: dict[str, float], *, fraction: float = COVERED_FRACTION) -> int:
    """How many families get at least ``fraction`` of the notes."""
    return int(sum(v >= fraction for v in histogram.values()))
