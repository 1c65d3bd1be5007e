import numpy as np
import pytest

from explorer.errors import ParameterError
from explorer.latent.interpolation import interpolate, lerp, norms, path_through, slerp



@pytest.fixture
def rng():
    """A fresh seeded generator per test: each test sees the same numbers whatever runs before it."""
    return np.random.default_rng(0)


def _angles(p: np.ndarray) -> np.ndarray:
    """Angle between consecutive points of a path [k x d], radians [k - 1]."""
    p = np.asarray(p, dtype=np.float64)
    cos = np.sum(p[:-1] * p[1:], axis=-1) / (np.linalg.norm(p[:-1], axis=-1) * np.linalg.norm(p[1:], axis=-1))
    return np.arccos(np.clip(cos, -1.0, 1.0))


@pytest.mark.parametrize("d", [2, 16, 128])
def test_slerp_hits_both_ends_exactly(d, rng):
    a, b = rng.standard_normal((2, d)).astype(np.float32)
    p = interpolate(a, b, steps=9)
    assert np.array_equal(p[0], a) and np.array_equal(p[-1], b)


@pytest.mark.parametrize("d,scale_b", [(2, 1.0), (16, 1.0), (128, 1.0), (16, 3.0)])
def test_slerp_takes_equal_angular_steps(d, scale_b, rng):
    a, b = rng.standard_normal((2, d))
    b *= scale_b  # the radius moves linearly too; the direction still turns at a constant rate
    steps = 9
    p = slerp(a, b, np.linspace(0, 1, steps))
    total = _angles(np.stack([a, b]))[0]
    np.testing.assert_allclose(_angles(p), total / (steps - 1), atol=1e-5)
    assert np.array_equal(p[0], a.astype(np.float32)) and np.array_equal(p[-1], b.astype(np.float32))


def test_lerp_steps_are_not_equal_in_angle(rng):
    # what the slerp test tells apart: between far-apart directions lerp turns fastest mid-way
    a, b = rng.standard_normal((2, 16))
    angles = _angles(lerp(a, b, np.linspace(0, 1, 9)))
    assert angles.max() - angles.min() > 0.05


def test_slerp_keeps_norm_of_equal_norm_endpoints(rng):
    a, b = rng.standard_normal((2, 64))
    b *= np.linalg.norm(a) / np.linalg.norm(b)
    n = norms(slerp(a, b, np.linspace(0, 1, 17)))
    np.testing.assert_allclose(n, np.linalg.norm(a), rtol=1e-5)


def test_lerp_midpoint_sinks_towards_origin_slerp_does_not(rng):
    d = 128
    a, b = rng.standard_normal((2, d))
    mid_l = norms(lerp(a, b, [0.5]))[0]
    mid_s = norms(slerp(a, b, [0.5]))[0]
    assert mid_l < 0.8 * np.sqrt(d) < mid_s  # independent Gaussians: |lerp mid| ~ sqrt(d/2)


@pytest.mark.parametrize(
    "a,b",
    [
        (np.ones(8), np.ones(8)),  # parallel
        (np.ones(8), 2 * np.ones(8)),  # parallel, different norm
        (np.ones(8), -np.ones(8)),  # antiparallel
        (np.zeros(8), np.ones(8)),  # zero endpoint
        (np.zeros(8), np.zeros(8)),  # both zero
    ],
)
def test_slerp_corner_cases_are_finite_and_exact_at_ends(a, b):
    p = slerp(a, b, np.linspace(0, 1, 7))
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p[0], a, atol=1e-6)
    np.testing.assert_allclose(p[-1], b, atol=1e-6)


def test_antiparallel_slerp_keeps_norm(rng):
    a = rng.standard_normal(16)
    np.testing.assert_allclose(norms(slerp(a, -a, np.linspace(0, 1, 9))), np.linalg.norm(a), rtol=1e-5)


def test_batched_slerp_matches_single(rng):
    a, b = rng.standard_normal((2, 3, 10))
    t = np.linspace(0, 1, 5)
    batched = slerp(a, b, t)
    assert batched.shape == (5, 3, 10)
    for i in range(3):
        np.testing.assert_allclose(batched[:, i], slerp(a[i], b[i], t), atol=1e-6)


def test_path_through_waypoints_visits_each(rng):
    w = rng.standard_normal((4, 8)).astype(np.float32)
    p = path_through(w, steps_per_leg=5)
    assert len(p) == 3 * 5 + 1
    for k in range(4):
        np.testing.assert_allclose(p[5 * k], w[k], atol=1e-6)


@pytest.mark.parametrize("kwargs", [dict(steps=1), dict(steps=9, method="cubic")])
def test_bad_interpolation_parameters(kwargs):
    with pytest.raises(ParameterError):
        interpolate(np.ones(3), np.zeros(3), **kwargs)
