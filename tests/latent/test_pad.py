"""The four-corner morph pad: known answers (corners, edges, weights) and bad positions."""

import numpy as np
import pytest

from explorer.errors import ParameterError
from explorer.latent.interpolation import slerp
from explorer.latent.pad import bilinear_weights, pad_grid, pad_latent

CORNER_POINTS = [(0, 0), (1, 0), (0, 1), (1, 1)]  # A, B, C, D


@pytest.fixture
def corners():
    return np.random.default_rng(0).standard_normal((4, 24)).astype(np.float32)


@pytest.mark.parametrize("k,point", enumerate(CORNER_POINTS))
def test_corners_give_exactly_the_corner_latents(corners, k, point):
    assert np.array_equal(pad_latent(corners, *point), corners[k])
    assert np.array_equal(bilinear_weights(*point), np.eye(4)[k])


@pytest.mark.parametrize("x,y", [(0.0, 0.0), (0.3, 0.8), (0.5, 0.5), (1.0, 0.25), (0.9, 0.1)])
def test_weights_sum_to_one(x, y):
    w = bilinear_weights(x, y)
    assert w.sum() == pytest.approx(1.0, abs=1e-12) and np.all(w >= 0)
    # the weights put the point where it is: the weighted corners' positions give (x, y)
    assert w @ np.array(CORNER_POINTS, float) == pytest.approx([x, y])


def test_edges_are_the_slerp_between_their_corners(corners):
    t = np.linspace(0, 1, 7)
    top = np.stack([pad_latent(corners, x, 0.0) for x in t])
    left = np.stack([pad_latent(corners, 0.0, y) for y in t])
    np.testing.assert_allclose(top, slerp(corners[0], corners[1], t), atol=1e-6)
    np.testing.assert_allclose(left, slerp(corners[0], corners[2], t), atol=1e-6)


def test_every_point_keeps_a_typical_norm(corners):
    """Slerp keeps the point on the shell: the middle of four equal-norm corners has their norm
    (a plain bilinear mix would be about half as long)."""
    eq = corners / np.linalg.norm(corners, axis=1, keepdims=True) * 5.0
    assert np.linalg.norm(pad_latent(eq, 0.5, 0.5)) == pytest.approx(5.0, rel=1e-5)
    assert np.linalg.norm(bilinear_weights(0.5, 0.5) @ eq) < 3.5


def test_grid_matches_single_points(corners):
    g = pad_grid(corners, 5)
    assert g.shape == (5, 5, 24)
    np.testing.assert_allclose(g[1, 3], pad_latent(corners, 0.75, 0.25), atol=1e-6)  # row = y, column = x
    assert np.array_equal(g[0, 0], corners[0]) and np.array_equal(g[4, 4], corners[3])


@pytest.mark.parametrize("x,y", [(-0.1, 0.5), (0.5, 1.2), (float("nan"), 0.0), ("a", 0.0)])
def test_positions_outside_the_square_are_refused(corners, x, y):
    with pytest.raises(ParameterError):
        pad_latent(corners, x, y)


def test_wrong_corner_count_is_refused(corners):
    with pytest.raises(ParameterError):
        pad_latent(corners[:3], 0.5, 0.5)
    with pytest.raises(ParameterError):
        pad_grid(corners, 1)
