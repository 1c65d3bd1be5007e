"""Conditions every pitched model shares beside pitch: MIDI velocity as a network input."""

from __future__ import annotations

import numpy as np
import torch

#: The velocity a note is drawn at when none is asked for (the corpus's loudest but one layer).
DEFAULT_VELOCITY = 100


def velocity_input(velocity, n: int) -> torch.Tensor:
    """MIDI velocity (1-127; None or -1: :data:`DEFAULT_VELOCITY`) [n] -> the network's input [n x 1],
    centred near the middle of the range."""
    v = np.full(n, DEFAULT_VELOCITY, dtype=np.float32) if velocity is None else \
        np.broadcast_to(np.asarray(velocity, dtype=np.float32).reshape(-1), (n,)).copy()
    v[v <= 0] = DEFAULT_VELOCITY
    return torch.from_numpy(np.clip(v, 1.0, 127.0) / 127.0 - 0.6).reshape(n, 1)


def velocity_of_input(x: torch.Tensor) -> torch.Tensor:
    """The MIDI velocities [n] a network input [n x 1] of :func:`velocity_input` stands for."""
    return ((x[:, 0].double() + 0.6) * 127.0).round()
