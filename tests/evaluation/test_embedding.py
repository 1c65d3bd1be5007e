"""Embedding metrics: known answers (identical sets, disjoint sets, mode collapse)."""

import numpy as np
import pytest

from explorer.evaluation import embedding


def test_frechet_distance_of_gaussians_matches_the_formula():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((20000, 3))
    b = rng.standard_normal((20000, 3)) * 2.0 + np.array([1.0, 0.0, 0.0])
    # |mu_a - mu_b|^2 + tr(I + 4I - 2 * 2I) = 1 + 3
    assert embedding.frechet_distance(a, b) == pytest.approx(4.0, rel=0.03)
    assert embedding.frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)


def test_prdc_ideal_for_the_same_distribution():
    rng = np.random.default_rng(1)
    real, fake = rng.standard_normal((400, 8)), rng.standard_normal((400, 8))
    m = embedding.prdc(real, fake)
    assert m["precision"] > 0.8 and m["recall"] > 0.8 and m["coverage"] > 0.85
    assert 0.8 < m["density"] < 1.2


def test_prdc_mode_collapse_keeps_precision_loses_recall_and_coverage():
    rng = np.random.default_rng(2)
    real = np.concatenate([rng.standard_normal((200, 4)) + c for c in (0.0, 10.0)])
    fake = rng.standard_normal((400, 4)) * 0.3  # one mode, tight
    m = embedding.prdc(real, fake)
    assert m["precision"] > 0.95
    assert m["recall"] < 0.5 and m["coverage"] < 0.5
    assert m["density"] > 1.0  # crowds the dense centre of one mode


def test_prdc_balls_reach_the_kth_neighbour():
    real = np.arange(10.0)[:, None]  # the ball of the end point 9 reaches its 5th neighbour, 4: radius 5
    fake = np.concatenate([real, [[13.5]]])
    assert embedding.prdc(real, fake)["precision"] == 1.0
    assert embedding.prdc(real, np.concatenate([real, [[14.5]]]))["precision"] == 10 / 11


def test_prdc_disjoint_sets_score_zero():
    rng = np.random.default_rng(3)
    m = embedding.prdc(rng.standard_normal((100, 4)), rng.standard_normal((100, 4)) + 50)
    assert m == {"precision": 0.0, "recall": 0.0, "density": 0.0, "coverage": 0.0}


def test_prdc_refuses_sets_smaller_than_k():
    with pytest.raises(ValueError):
        embedding.prdc(np.zeros((5, 2)), np.zeros((10, 2)))


def test_inception_score_and_family_histogram():
    eye = np.eye(4)
    confident_even = np.repeat(eye, 25, axis=0)
    assert embedding.inception_score(confident_even) == pytest.approx(4.0, rel=1e-6)
    assert embedding.inception_score(np.full((100, 4), 0.25)) == pytest.approx(1.0)
    assert embedding.inception_score(np.repeat(eye[:1], 100, axis=0)) == pytest.approx(1.0)
    hist = embedding.family_histogram(np.concatenate([np.repeat(eye[:1], 97, axis=0), np.repeat(eye[1:2], 3, axis=0)]),
                                      ["a", "b", "c", "d"])
    assert hist == {"a": 0.97, "b": 0.03, "c": 0.0, "d": 0.0}
    assert embedding.families_covered(hist) == 2
