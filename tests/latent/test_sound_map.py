"""Layout helpers of the map page: known answers (identical sounds on one point, neighbours kept)."""

import numpy as np
import pytest

from explorer.data.collection import synth_notes, synth_plans
from explorer.errors import ParameterError
from explorer.latent.sound_map import LAYOUTS, layout_2d, timbre_descriptors


def _clusters(seed=0, n=30, d=16):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((3, d)) * 10
    return np.concatenate([c + rng.standard_normal((n, d)) for c in centres]), np.repeat(np.arange(3), n)


@pytest.mark.parametrize("method", LAYOUTS)
def test_identical_rows_land_on_the_same_point(method):
    X, _ = _clusters()
    X[7] = X[50]
    X[8] = X[50]
    xy = layout_2d(X, method=method)
    assert xy.shape == (len(X), 2)
    assert np.array_equal(xy[7], xy[50]) and np.array_equal(xy[8], xy[50])
    assert not np.array_equal(xy[9], xy[50])


@pytest.mark.parametrize("method", LAYOUTS)
def test_clusters_stay_together(method):
    """Each point's nearest neighbour on the map is from its own cluster."""
    X, label = _clusters()
    xy = layout_2d(X, method=method)
    d = np.linalg.norm(xy[:, None] - xy[None], axis=-1) + np.eye(len(xy)) * 1e9
    assert np.mean(label[d.argmin(1)] == label) > 0.95
    assert np.abs(xy).max() == pytest.approx(1.0)  # scaled to -1..1


def test_layout_is_deterministic():
    X, _ = _clusters()
    assert np.array_equal(layout_2d(X), layout_2d(X))


@pytest.mark.parametrize("rows", [1, 2, 3])
def test_a_few_rows_still_get_a_layout(rows):
    X, _ = _clusters()
    xy = layout_2d(X[:rows])
    assert xy.shape == (rows, 2) and np.all(np.isfinite(xy))


@pytest.mark.parametrize("X,method", [(np.zeros((0, 4)), "PCA"), (np.full((5, 3), np.nan), "PCA"),
                                      (np.zeros((5, 3)), "UMAP"), (np.zeros(5), "PCA")])
def test_bad_tables_are_refused(X, method):
    with pytest.raises(ParameterError):
        layout_2d(X, method=method)


def test_descriptors_tell_a_bright_note_from_a_dark_one():
    notes = synth_notes(synth_plans(n=2, seed=0))
    t = np.arange(notes.audio.shape[1]) / 16000
    notes.audio[0] = 0.5 * np.sin(2 * np.pi * 220 * t)
    notes.audio[1] = 0.5 * np.sin(2 * np.pi * 3520 * t)
    d = timbre_descriptors(notes)
    assert d["brightness"][1] > 4 * d["brightness"][0]
    assert set(d) == {"brightness", "attack", "noisiness", "sustain"}
