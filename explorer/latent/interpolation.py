"""Paths through latent space: slerp, lerp, multi-waypoint paths, norms.

For a standard-normal prior in d dimensions almost all mass lies near the sphere of radius
sqrt(d) (the "typical set"). Slerp between two typical points stays near that sphere; lerp
cuts through the inside, where the model saw almost no training latents.
"""

from __future__ import annotations

import numpy as np

from explorer.errors import ParameterError

METHODS = ("slerp", "lerp")


def lerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Linear interpolation.

    a, b : np.ndarray [shape=(d,)] or [shape=(n, d)] (broadcast against t)
    t : np.ndarray [shape=(k,)] fractions in [0, 1]
    Returns np.ndarray [shape=(k, d)] or [shape=(k, n, d)]
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64).reshape((-1,) + (1,) * a.ndim)
    return ((1.0 - t) * a + t * b).astype(np.float32)


def slerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Spherical interpolation (Shoemake), interpolating the norm linearly as well.

    Moves along the great circle between the directions of ``a`` and ``b`` while the radius goes
    linearly from |a| to |b|, so equal-norm endpoints keep their norm along the whole path.
    Safe in the corner cases: (nearly) parallel endpoints fall back to lerp of directions, a
    zero endpoint gives a straight radial path, antiparallel endpoints pass through a fixed
    perpendicular direction (the path is not unique there; this choice is deterministic).

    a, b : np.ndarray [shape=(d,)] or [shape=(n, d)]
    t : np.ndarray [shape=(k,)] fractions in [0, 1]; t=0 returns a, t=1 returns b exactly.
    Returns np.ndarray [shape=(k, d)] or [shape=(k, n, d)], float32
    """
    a64, b64 = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a64.shape != b64.shape:
        raise ParameterError(f"endpoints differ in shape: {a64.shape} vs {b64.shape}")
    t = np.asarray(t, dtype=np.float64)
    tt = t.reshape((-1,) + (1,) * a64.ndim)
    na = np.linalg.norm(a64, axis=-1, keepdims=True)
    nb = np.linalg.norm(b64, axis=-1, keepdims=True)
    ua = np.divide(a64, na, out=np.zeros_like(a64), where=na > 0)
    ub = np.divide(b64, nb, out=np.zeros_like(b64), where=nb > 0)
    ua = np.where(na > 0, ua, ub)  # a zero endpoint borrows the other's direction
    ub = np.where(nb > 0, ub, ua)
    cos = np.clip(np.sum(ua * ub, axis=-1, keepdims=True), -1.0, 1.0)
    antiparallel = cos < -1.0 + 1e-7
    if np.any(antiparallel):
        # detour through a deterministic perpendicular: slerp a->p for t<.5, p->b after
        p = _perpendicular(ua)
        first = _slerp_unit(ua, p, np.clip(2 * tt, 0, 1), np.zeros_like(cos))
        second = _slerp_unit(p, ub, np.clip(2 * tt - 1, 0, 1), np.zeros_like(cos))
        detour = np.where(tt < 0.5, first, second)
    else:
        detour = 0.0
    direction = _slerp_unit(ua, ub, tt, cos)
    direction = np.where(antiparallel, detour, direction)
    radius = (1.0 - tt) * na + tt * nb
    out = direction * radius
    # exact endpoints, whatever rounding did
    out = np.where(tt == 0.0, a64, np.where(tt == 1.0, b64, out))
    return out.astype(np.float32)


def _slerp_unit(ua: np.ndarray, ub: np.ndarray, t: np.ndarray, cos: np.ndarray) -> np.ndarray:
    omega = np.arccos(np.clip(cos, -1.0, 1.0))
    so = np.sin(omega)
    near = so < 1e-6
    safe = np.where(near, 1.0, so)
    wa = np.where(near, 1.0 - t, np.sin((1.0 - t) * omega) / safe)
    wb = np.where(near, t, np.sin(t * omega) / safe)
    v = wa * ua + wb * ub
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return np.divide(v, n, out=np.zeros_like(v), where=n > 0)


def _perpendicular(u: np.ndarray) -> np.ndarray:
    e = np.zeros_like(u)
    idx = np.argmin(np.abs(u), axis=-1)
    np.put_along_axis(e, idx[..., None], 1.0, axis=-1)
    p = e - np.sum(e * u, axis=-1, keepdims=True) * u
    return p / np.linalg.norm(p, axis=-1, keepdims=True)


def interpolate(a: np.ndarray, b: np.ndarray, *, steps: int, method: str = "slerp") -> np.ndarray:
    """``steps`` evenly spaced points from a to b inclusive: np.ndarray [shape=(steps, d)]."""
    if method not in METHODS:
        raise ParameterError(f"unknown interpolation method {method!r}; choose slerp or lerp")
    if not 2 <= steps <= 1000:
        raise ParameterError(f"steps must be between 2 and 1000, got {steps}")
    t = np.linspace(0.0, 1.0, steps)
    return (slerp if method == "slerp" else lerp)(a, b, t)


def path_through(waypoints: np.ndarray, *, steps_per_leg: int, method: str = "slerp") -> np.ndarray:
    """A path visiting every waypoint [shape=(k, d)] in order; returns [shape=(m, d)] with no repeats."""
    waypoints = np.asarray(waypoints, dtype=np.float32)
    if waypoints.ndim != 2 or len(waypoints) < 2:
        raise ParameterError("a path needs at least two waypoints")
    legs = [interpolate(a, b, steps=steps_per_leg + 1, method=method)[:-1] for a, b in zip(waypoints[:-1], waypoints[1:])]
    return np.concatenate(legs + [waypoints[-1:]], axis=0)


def norms(z: np.ndarray) -> np.ndarray:
    """Euclidean norm of each latent: [shape=(n, d)] -> [shape=(n,)]."""
    return np.linalg.norm(np.asarray(z, dtype=np.float64), axis=-1)
