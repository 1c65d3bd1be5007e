"""A four-corner morph pad (after NSynth Super): four corner latents and a point in the unit square.

Corners, in the order the functions take them: A top-left (0, 0), B top-right (1, 0), C
bottom-left (0, 1), D bottom-right (1, 1); x runs from left to right, y from top to bottom.
The latent at (x, y) is bilinear interpolation done with slerp: slerp along the top edge
(A -> B at x) and along the bottom edge (C -> D at x), then slerp between the two at y. Every
point therefore lies on the slerp arcs between typical latents (a valid latent, never the
quiet inside of the shell), the corners are exactly the corner latents, and each edge is the
plain slerp between its two corners. The share each corner has in the point is given by the
bilinear weights, which sum to 1.
"""

from __future__ import annotations

import numpy as np

from explorer.errors import ParameterError
from explorer.latent.interpolation import slerp

CORNERS = ("A", "B", "C", "D")


def _check_point(x: float, y: float) -> tuple[float, float]:
    try:
        x, y = float(x), float(y)
    except (TypeError, ValueError):
        raise ParameterError(f"a pad position is two numbers, got {x!r}, {y!r}") from None
    if not (np.isfinite(x) and np.isfinite(y) and 0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
        raise ParameterError(f"a pad position lies in the unit square (0..1 each), got ({x}, {y})")
    return x, y


def bilinear_weights(x: float, y: float) -> np.ndarray:
    """The share of corners A, B, C, D in the point (x, y): float64 [4], each in 0..1, sum 1."""
    x, y = _check_point(x, y)
    return np.array([(1 - x) * (1 - y), x * (1 - y), (1 - x) * y, x * y])


def _corners(corners) -> np.ndarray:
    c = np.asarray(corners, dtype=np.float32)
    if c.ndim != 2 or len(c) != 4:
        raise ParameterError(f"a pad needs four corner latents [4 x d], got shape {c.shape}")
    return c


def pad_latent(corners, x: float, y: float) -> np.ndarray:
    """The latent at (x, y) of the pad with ``corners`` [4 x d] (A, B, C, D): float32 [d].

    (0, 0) gives A exactly, (1, 0) B, (0, 1) C and (1, 1) D.
    """
    a, b, c, d = _corners(corners)
    x, y = _check_point(x, y)
    top, bottom = slerp(a, b, np.array([x]))[0], slerp(c, d, np.array([x]))[0]
    return slerp(top, bottom, np.array([y]))[0]


def pad_grid(corners, n: int) -> np.ndarray:
    """The latents of an ``n`` x ``n`` grid over the pad, corners included: float32 [n x n x d],
    row ``i`` at y = i / (n - 1), column ``j`` at x = j / (n - 1)."""
    if not isinstance(n, (int, np.integer)) or not 2 <= n <= 16:
        raise ParameterError(f"a pad grid has 2-16 points a side, got {n!r}")
    c = _corners(corners)
    t = np.linspace(0.0, 1.0, n)
    top, bottom = slerp(c[0], c[1], t), slerp(c[2], c[3], t)  # [n x d] each, one per column
    return slerp(top, bottom, t)  # [rows (y) x columns (x) x d]
