"""A 2-D map of a collection of sounds: what each sound is as numbers (the VAE's code or the
evaluation classifier's embedding), its timbre descriptors, and a layout in the plane.

Sounds that are alike land close together: t-SNE keeps neighbours neighbours (the clusters are
real, the distances between far clusters are not), PCA keeps the two directions along which the
sounds differ most (distances are honest, clusters may overlap). Identical sounds land on the
very same point with either.
"""

from __future__ import annotations

import numpy as np
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE

from explorer.audio.constants import SR
from explorer.audio.features import DESCRIPTORS, descriptors
from explorer.audio.stft import stft
from explorer.data.collection import Collection
from explorer.errors import ParameterError

#: How a sound becomes numbers: label -> what the page says about it.
DESCRIBERS = ("VAE code", "classifier embedding")
LAYOUTS = ("t-SNE", "PCA")
#: Notes per batch for the encoder, the classifier and the descriptors (bounded memory, steady progress).
BATCH = 64
#: t-SNE iterations (sklearn's first 250 are its early exaggeration) and Barnes-Hut angle: enough for
#: the clusters to settle; 1000 sounds in about 10 s on two busy cores (500 iterations at angle 0.5: 19 s).
TSNE_ITERATIONS, TSNE_ANGLE = 400, 0.8


def vae_codes(model, collection: Collection) -> np.ndarray:
    """The VAE's latent means of every note, float32 [n x latent_dim], each encoded at its own
    pitch (and velocity, for a model conditioned on it; unknown velocities get the model's default)."""
    n = len(collection)
    out = np.zeros((n, model.latent_dim), np.float32)
    lo, hi = model.pitch_range
    pitch = np.clip(collection.pitch, lo, hi)
    for i in range(0, n, BATCH):
        j = min(n, i + BATCH)
        vel = collection.velocity[i:j]
        velocity = None if np.any(vel < 1) or getattr(model, "velocity_range", None) is None else vel
        out[i:j] = model.encode(collection.audio[i:j], SR, pitch[i:j], velocity=velocity)
    return out


def classifier_embedding(classifier, collection: Collection) -> np.ndarray:
    """The evaluation classifier's embedding of every note, float64 [n x embed_dim]."""
    if len(collection) == 0:
        return np.zeros((0, classifier.net.head.in_features))
    return classifier.embed(collection.audio, sr=SR, batch=BATCH)[0]


def timbre_descriptors(collection: Collection) -> dict[str, np.ndarray]:
    """Brightness (Hz), attack (s), noisiness (0-1) and sustain (dB) of every note (see
    :data:`explorer.audio.features.DESCRIPTORS`), each float [n]."""
    parts = []
    for i in range(0, len(collection), BATCH):
        S = np.abs(stft(collection.audio[i : i + BATCH]))  # [b x F x T]
        parts.append(descriptors(S, sr=SR))
    return {k: np.concatenate([p[k] for p in parts]) for k in DESCRIPTORS}


def layout_2d(X: np.ndarray, *, method: str = "t-SNE", seed: int = 0) -> np.ndarray:
    """Positions in the plane of the rows of ``X`` [n x d]: float64 [n x 2], each axis scaled to
    -1..1 (the numbers on a map's axes mean nothing; only who is near whom does).

    Identical rows get identical positions (the layout is made of the distinct rows only).
    Fewer than four distinct rows are too few for t-SNE's neighbourhoods: PCA places them.
    """
    if method not in LAYOUTS:
        raise ParameterError(f"unknown layout {method!r}; choose {' or '.join(LAYOUTS)}")
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or len(X) == 0 or not np.all(np.isfinite(X)):
        raise ParameterError("a layout needs a finite table of numbers [n x d] with at least one row")
    distinct, back = np.unique(X, axis=0, return_inverse=True)
    back = back.reshape(-1)
    m = len(distinct)
    if m == 1:
        return np.zeros((len(X), 2))
    if method == "PCA" or m < 4:
        k = min(2, m, X.shape[1])
        xy = PCA(n_components=k, random_state=seed).fit_transform(distinct)
    else:
        xy = TSNE(n_components=2, perplexity=float(min(30.0, (m - 1) / 3)), init="pca", learning_rate="auto",
                  max_iter=TSNE_ITERATIONS, angle=TSNE_ANGLE, random_state=seed).fit_transform(distinct)
    xy = np.pad(xy, ((0, 0), (0, 2 - xy.shape[1])))
    span = np.abs(xy - xy.mean(0)).max(0)
    xy = np.divide(xy - xy.mean(0), span, out=np.zeros_like(xy), where=span > 0)
    return xy[back]

