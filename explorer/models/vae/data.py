"""The VAE's view of a dataset: every note's log|S| and measured pitch track, once, and the
held-out split that training and ``eval`` share.

Arrays are computed once per dataset and kept in the shared feature cache
(:func:`explorer.training.cached_arrays`), so a training step is only the network.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from explorer.models.vae import vibrato as vae_vibrato
from explorer.models.vae.networks import N_BINS
from explorer.models.vae.spectrogram import log_magnitude
from explorer.training import cached_arrays, load_notes

#: Held-out notes: a fixed pseudo-random 1/VAL_MOD of the dataset (see :func:`split`).
VAL_MOD = 20


def compute_features(audio: np.ndarray, *, config: dict[str, Any], chunk: int = 256) -> np.ndarray:
    """log|S| of every note, float16 [N x 513 x 128] (natural log, not standardised)."""
    out = np.empty((len(audio), N_BINS, config["n_frames"]), dtype=np.float16)
    with torch.no_grad():
        for i in range(0, len(audio), chunk):
            out[i : i + chunk] = log_magnitude(torch.from_numpy(audio[i : i + chunk]), config=config).numpy()
    return out


def dataset_features(root: Path, *, config: dict[str, Any], max_items: int | None = None,
                     collective: bool = False, log=print) -> dict[str, np.ndarray]:
    """Notes' features + labels: {"feats": float16 [N x 513 x 128], "pitch": int64 [N], "velocity": int64 [N]
    (-1 unknown), "family": str [N]}."""

    def compute() -> dict[str, np.ndarray]:
        notes = load_notes(root, max_items=max_items)
        log(f"loaded {len(notes['pitch'])} notes from {root}; computing features")
        return {"feats": compute_features(notes["audio"], config=config), "pitch": notes["pitch"],
                "velocity": notes["velocity"], "family": notes["family"]}

    return cached_arrays("vae", root, (max_items, config["log_eps"], "velocity"), compute, collective=collective,
                         log=log)


def pitch_tracks(root: Path, feats: np.ndarray, *, config: dict[str, Any], max_items: int | None = None,
                 chunk: int = 256, collective: bool = False, log=print) -> dict[str, np.ndarray]:
    """Each note's measured pitch track and the vibrato head's numbers fitted to it
    (:mod:`explorer.models.vae.vibrato`): {"cents", "confidence"} float16 [N x T] and "params"
    float32 [N x 6], cached beside the features."""

    def compute() -> dict[str, np.ndarray]:
        cents = np.empty(feats.shape[::2], dtype=np.float16)
        confidence = np.empty_like(cents)
        for i in range(0, len(feats), chunk):
            c, w = vae_vibrato.measure(torch.from_numpy(feats[i : i + chunk]))
            cents[i : i + chunk], confidence[i : i + chunk] = c.numpy(), w.numpy()
        params = vae_vibrato.fit(torch.from_numpy(cents), torch.from_numpy(confidence),
                                 frame_s=config["hop_length"] / config["sr"])
        return {"cents": cents, "confidence": confidence, "params": params.numpy()}

    return cached_arrays("vae-tracks", root, (max_items, feats.shape), compute, collective=collective, log=log)


def split(n: int, val_mod: int = VAL_MOD) -> tuple[np.ndarray, np.ndarray]:
    """(train, held-out) indices: a fixed pseudo-random 1/``val_mod`` of the notes is held out
    (same rule in eval). Not ``index % val_mod``: our dataset cycles through the families, so a
    stride would hold out a single family."""
    idx = np.arange(n)
    val = np.random.default_rng(20240).random(n) < 1.0 / val_mod
    if n < 2 * val_mod or not val.any() or val.all():  # tiny (smoke) data: hold out one note
        val = idx == 0
    return idx[~val], idx[val]
