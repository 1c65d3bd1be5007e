"""What a path through a latent space looks like, as numbers for the figures: the plane it lies
in (a 2-D map of the path and of other latents) and the level the model gives it at each step."""

from __future__ import annotations

import numpy as np
from sklearn.decomposition import PCA

from explorer.audio.safety import rms_dbfs
from explorer.models.base import AudioModel


def latent_map(paths: dict[str, np.ndarray], cloud: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Project paths and a cloud of other latents onto the plane that fits the paths best (PCA).

    For paths between the same two end points (slerp and lerp from A to B) that plane holds A, B
    and the origin, so slerp is an arc and lerp its chord.

    Parameters
    ----------
    paths : dict name -> np.ndarray [shape=(steps, latent_dim)]
    cloud : np.ndarray [shape=(n, latent_dim)], e.g. ``model.sample_latent(n, seed)``

    Returns
    -------
    cloud_2d : np.ndarray [shape=(n, 2)]
    paths_2d : dict name -> np.ndarray [shape=(steps, 2)]
        Coordinates in the plane, centred on the mean of all path points.
    """
    pca = PCA(n_components=2).fit(np.concatenate(list(paths.values())))
    return pca.transform(cloud), {name: pca.transform(p) for name, p in paths.items()}


def path_levels(model: AudioModel, paths: dict[str, np.ndarray], *, pitch: int | None = None) -> dict[str, np.ndarray]:
    """RMS level of every step as the model renders it, before safety's loudness step.

    Parameters
    ----------
    paths : dict name -> np.ndarray [shape=(steps, latent_dim)]
    pitch : MIDI pitch of every step (None for an unconditioned model)

    Returns
    -------
    dict name -> np.ndarray [shape=(steps,)], dBFS (NaN or infinite samples count as 0)
    """
    out = {}
    for name, p in paths.items():
        pitches = None if pitch is None else np.full(len(p), pitch)
        out[name] = rms_dbfs(np.nan_to_num(model.render(p, pitches), nan=0.0, posinf=0.0, neginf=0.0))
    return out
