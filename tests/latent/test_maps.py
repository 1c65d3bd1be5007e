"""latent_map and path_levels with known answers."""

import numpy as np
import pytest

from explorer.latent.interpolation import interpolate
from explorer.latent.maps import latent_map, path_levels
from explorer.models.base import LatentAudioModel


def _pairwise(x: np.ndarray) -> np.ndarray:
    return np.linalg.norm(x[:, None, :] - x[None, :, :], axis=-1)


def test_paths_in_a_plane_keep_their_shape_and_other_directions_vanish():
    rng = np.random.default_rng(0)
    d = 40
    basis, _ = np.linalg.qr(rng.standard_normal((d, d)))  # orthonormal columns
    a, b = 6.0 * basis[:, 0], 6.0 * basis[:, 1]  # A and B span a plane through the origin
    paths = {m: interpolate(a, b, steps=9, method=m) for m in ("slerp", "lerp")}
    # a cloud that sits exactly off the plane: the paths' mean plus directions orthogonal to it
    mean = np.concatenate(list(paths.values())).mean(axis=0)
    off_plane = rng.standard_normal((30, d - 2)) @ basis[:, 2:].T
    cloud_2d, paths_2d = latent_map(paths, mean + off_plane)

    for m, p in paths.items():  # the projection is an isometry of the plane the paths lie in
        np.testing.assert_allclose(_pairwise(paths_2d[m]), _pairwise(p), atol=1e-4)
    np.testing.assert_allclose(cloud_2d, 0.0, atol=1e-4)  # everything else projects onto the centre
    # slerp keeps its distance from the origin: the origin in map coordinates is the projected zero vector
    origin_2d, _ = latent_map(paths, np.zeros((1, d)))
    radii = np.linalg.norm(paths_2d["slerp"] - origin_2d, axis=1)
    np.testing.assert_allclose(radii, 6.0, rtol=1e-4)


class _Linear(LatentAudioModel):
    """Renders a constant signal of amplitude z[0] (times pitch / 60 when given): known RMS."""

    name, sample_rate, latent_dim, pitch_range = "linear", 8000, 3, (24, 84)

    def render(self, z, pitch=None):
        gain = np.ones(len(z)) if pitch is None else np.asarray(pitch) / 60.0
        return (np.asarray(z)[:, :1] * gain[:, None] * np.ones((1, 800))).astype(np.float32)


@pytest.mark.parametrize("pitch,gain", [(None, 1.0), (30, 0.5)])
def test_path_levels_are_the_rms_of_the_raw_render(pitch, gain):
    z = np.array([[1.0, 0, 0], [0.5, 0, 0], [0.1, 0, 0]], dtype=np.float32)
    levels = path_levels(_Linear(), {"p": z}, pitch=pitch)
    np.testing.assert_allclose(levels["p"], 20 * np.log10(gain * z[:, 0]), atol=1e-4)


def test_path_levels_count_non_finite_samples_as_silence():
    class _Broken(_Linear):
        def render(self, z, pitch=None):
            y = super().render(z, pitch)
            y[0] = np.nan
            y[1, ::2] = np.inf
            return y

    levels = path_levels(_Broken(), {"p": np.ones((2, 3), dtype=np.float32)})
    assert levels["p"][0] == -np.inf
    np.testing.assert_allclose(levels["p"][1], 20 * np.log10(np.sqrt(0.5)), atol=1e-4)
