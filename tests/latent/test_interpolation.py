import numpy as np
import pytest

from explorer.errors import ParameterError
from explorer.latent.interpolation import interpolate, lerp, norms, path_through, slerp

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("d", [2, 16, 128])
def test_slerp_hits_both_ends_exactly(d):
    a, b = RNG.standard_normal((2, d)).astype(np.float32)
    p = interpolate(a, b, steps=9)
    assert np.array_equal(p[0], a) and np.array_equal(p[-1], b)


def test_slerp_keeps_norm_of_equal_norm_endpoints():
    a, b = RNG.standard_normal((2, 64))
    b *= np.linalg.norm(a) / np.linalg.norm(b)
    n = norms(slerp(a, b, np.linspace(0, 1, 17)))
    np.testing.assert_allclose(n, np.linalg.norm(a), rtol=1e-5)


def test_lerp_midpoint_sinks_towards_origin_slerp_does_not():
    d = 128
    a, b = RNG.standard_normal((2, d))
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


def test_antiparallel_slerp_keeps_norm():
    a = RNG.standard_normal(16)
    np.testing.assert_allclose(norms(slerp(a, -a, np.linspace(0, 1, 9))), np.linalg.norm(a), rtol=1e-5)


def test_batched_slerp_matches_single():
    a, b = RNG.standard_normal((2, 3, 10))
    t = np.linspace(0, 1, 5)
    batched = slerp(a, b, t)
    assert batched.shape == (5, 3, 10)
    for i in range(3):
        np.testing.assert_allclose(batched[:, i], slerp(a[i], b[i], t), atol=1e-6)


def test_path_through_waypoints_visits_each():
    w = RNG.standard_normal((4, 8)).astype(np.float32)
    p = path_through(w, steps_per_leg=5)
    assert len(p) == 3 * 5 + 1
    for k in range(4):
        np.testing.assert_allclose(p[5 * k], w[k], atol=1e-6)


@pytest.mark.parametrize("kwargs", [dict(steps=1), dict(steps=9, method="cubic")])
def test_bad_interpolation_parameters(kwargs):
    with pytest.raises(ParameterError):
        interpolate(np.ones(3), np.zeros(3), **kwargs)
