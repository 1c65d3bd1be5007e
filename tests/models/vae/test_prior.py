"""The VAE's learned prior: random notes where real codes live, the slider frame, the checkpoint."""

import numpy as np
import pytest
import torch

from explorer.errors import CheckpointError
from explorer.models.checkpoint import load_checkpoint, save_checkpoint
from explorer.models.vae import debug_model
from explorer.models.vae.model import model_from_checkpoint
from explorer.models.vae.networks import FAMILY
from explorer.models.vae.prior import LatentPrior, fit_prior
from explorer.render import render_safe


def _codes(n=600, L=8, seed=0):
    """Two clumps far from the origin: where N(0, I) draws rarely land."""
    rng = np.random.default_rng(seed)
    a = rng.normal(-3.0, 0.3, (n // 2, L))
    b = rng.normal(2.0, 0.5, (n // 2, L))
    return np.concatenate([a, b])


def test_draws_land_on_the_clumps_and_repeat_with_the_seed():
    prior = fit_prior(_codes(), n_components=2)
    z = prior.draw(np.random.default_rng(5), 400)
    again = prior.draw(np.random.default_rng(5), 400)
    assert np.array_equal(z, again)
    near = np.minimum(np.abs(z.mean(1) + 3.0), np.abs(z.mean(1) - 2.0))
    assert np.mean(near < 1.0) > 0.95  # N(0, I) draws would sit at mean ~0, between the clumps
    share_b = np.mean(z.mean(1) > 0)
    assert 0.4 < share_b < 0.6  # both clumps, in proportion


def test_slider_frame_is_centred_ordered_and_invertible():
    codes = np.random.default_rng(1).normal(0.0, [3.0, 1.0, 0.2], (2000, 3)) + [5.0, -1.0, 0.0]
    prior = fit_prior(codes, n_components=2)
    assert np.allclose(prior.to_latent(np.zeros(3)), [5.0, -1.0, 0.0], atol=0.2)  # 0 = a typical code
    assert prior.scale[0] > prior.scale[1] > prior.scale[2]  # the widest axis first
    assert abs(abs(prior.axes[0, 0]) - 1.0) < 0.01
    z = prior.draw(np.random.default_rng(2), 50)
    assert np.allclose(prior.to_latent(prior.to_slider(z)), z, atol=1e-4)
    s = prior.to_slider(codes)
    assert np.allclose(s.std(0), 1.0, atol=0.05)  # one slider unit = one standard deviation


def test_checkpoint_round_trip_and_the_model_samples_from_it(tmp_path):
    base = debug_model()
    prior = fit_prior(_codes(L=base.latent_dim), n_components=2)
    path = save_checkpoint(tmp_path / "p.pt", family=FAMILY, config=base.config,
                           state={**base.net.state_dict(), **prior.state()})
    model = model_from_checkpoint(load_checkpoint(path, family=FAMILY))
    assert model.prior is not None
    z = model.sample_latent(3, 11)
    assert np.array_equal(z, model.sample_latent(3, 11))
    assert np.allclose(z, prior.draw(__import__("explorer.models.base", fromlist=["x"]).latent_rng(11), 3))
    assert np.allclose(model.to_latent(np.zeros(base.latent_dim)), prior.center, atol=1e-5)
    assert debug_model().prior is None  # no prior: N(0, I), raw sliders
    assert np.array_equal(debug_model().to_slider(z), z)


@pytest.mark.parametrize("spoil", ["missing", "shape", "nan", "weights"])
def test_a_damaged_prior_is_refused(tmp_path, spoil):
    base = debug_model()
    state = fit_prior(_codes(L=base.latent_dim), n_components=2).state()
    if spoil == "missing":
        del state["prior.axes"]
    elif spoil == "shape":
        state["prior.means"] = torch.zeros(2, base.latent_dim + 1)
    elif spoil == "nan":
        state["prior.chols"][0, 0, 0] = float("nan")
    else:
        state["prior.weights"] = torch.tensor([-1.0, 2.0], dtype=torch.float64)
    with pytest.raises(CheckpointError, match="prior"):
        LatentPrior.from_state(state, base.latent_dim)


def test_velocity_changes_a_velocity_model_and_is_ignored_by_others():
    model = debug_model()  # the tiny config has the velocity condition
    assert model.velocity_range == (1, 127)
    z = model.sample_latent(1, 0)[0]
    soft, loud = render_safe(model, z, 60, velocity=25).y, render_safe(model, z, 60, velocity=127).y
    assert not np.allclose(soft, loud)
    assert np.array_equal(render_safe(model, z, 60).y, render_safe(model, z, 60, velocity=100).y)
    with pytest.raises(Exception, match="velocity"):
        render_safe(model, z, 60, velocity=0)


def _played_codes(n=800, L=6, seed=0):
    """Clump A played low (MIDI ~40), clump B played high (~80), velocities all over."""
    rng = np.random.default_rng(seed)
    low = rng.random(n) < 0.5
    codes = np.where(low[:, None], rng.normal(-3.0, 0.3, (n, L)), rng.normal(2.0, 0.4, (n, L)))
    pitch = np.where(low, rng.normal(40, 3, n), rng.normal(80, 3, n)).round()
    velocity = rng.integers(20, 128, n).astype(float)
    return codes, np.c_[pitch, velocity]


def _saved_and_loaded(prior, path):
    """The debug VAE with ``prior``, through a checkpoint file."""
    base = debug_model()
    save_checkpoint(path, family=FAMILY, config=base.config, state={**base.net.state_dict(), **prior.state()})
    return model_from_checkpoint(load_checkpoint(path, family=FAMILY))


def test_a_prior_fitted_with_the_playing_draws_the_codes_of_notes_played_like_that():
    codes, playing = _played_codes()
    prior = fit_prior(codes, condition=playing, n_components=2)
    assert prior.n_conditions == 2 and prior.latent_dim == codes.shape[1]
    at = lambda p: prior.draw(np.random.default_rng(4), 300, np.c_[np.full(300, p), np.full(300, 100)]).mean(1)
    assert np.mean(np.abs(at(40) + 3.0) < 1.0) > 0.95  # a low note: clump A's codes
    assert np.mean(np.abs(at(80) - 2.0) < 1.0) > 0.95  # a high one: clump B's
    assert np.array_equal(at(40), at(40))  # the same generator and playing, the same codes
    anywhere = prior.draw(np.random.default_rng(4), 400).mean(1)  # no playing: both clumps, in proportion
    assert 0.35 < np.mean(anywhere > 0) < 0.65 and np.mean(np.minimum(np.abs(anywhere + 3), np.abs(anywhere - 2)) < 1) > 0.95


def test_the_model_draws_for_a_pitch_and_a_checkpoint_keeps_the_conditioned_prior(tmp_path):
    codes, playing = _played_codes(L=debug_model().latent_dim)
    prior = fit_prior(codes, condition=playing, n_components=2)
    model = _saved_and_loaded(prior, tmp_path / "c.pt")
    assert model.plays_to_prior and model.prior.n_conditions == 2
    low, high = (model.sample_latent(50, 3, pitch=p, velocity=90).mean(1) for p in (40, 80))
    assert np.all(low < -1.5) and np.all(high > 0.5)
    assert np.array_equal(model.sample_latent(5, 3, pitch=40), model.sample_latent(5, 3, pitch=40))
    assert np.array_equal(model.sample_latent(5, 3), model.sample_latent(5, 3, pitch=None))
    with pytest.raises(Exception, match="pitch"):
        model.sample_latent(1, 3, pitch=500)
    with pytest.raises(Exception, match="velocity"):
        model.sample_latent(1, 3, pitch=60, velocity=float("nan"))
    # a prior over z alone ignores the playing: the shipped checkpoints' seeds keep their sounds
    plain = fit_prior(codes, n_components=2)
    assert "prior.cond_center" not in plain.state()
    old = _saved_and_loaded(plain, tmp_path / "p.pt")
    assert not old.plays_to_prior
    assert np.array_equal(old.sample_latent(4, 9, pitch=40), old.sample_latent(4, 9))


def test_a_seed_found_for_a_pitch_keeps_its_note_at_every_pitch(tmp_path):
    """seed_for picks seeds by importance resampling: their codes (the plain ``sample_latent(1, seed)``)
    follow the codes of notes played at that pitch, which the likelihood of the playing tells apart."""
    codes, playing = _played_codes(L=debug_model().latent_dim)
    prior = fit_prior(codes, condition=playing, n_components=2)
    model = _saved_and_loaded(prior, tmp_path / "c.pt")
    rng = np.random.default_rng(0)
    for pitch, clump in ((40, -3.0), (80, 2.0)):
        seeds = [model.seed_for(pitch, 100, rng=rng) for _ in range(40)]
        z = np.stack([model.sample_latent(1, s)[0] for s in seeds])
        assert np.mean(np.abs(z.mean(1) - clump) < 1.0) > 0.9
    z = prior.draw(np.random.default_rng(1), 500)
    low, high = (prior.playing_log_likelihood(z, np.c_[np.full(500, p), np.full(500, 100)]) for p in (40, 80))
    assert np.all(np.isfinite(low)) and np.mean((low > high) == (z.mean(1) < 0)) > 0.95  # each clump's pitch
    plain = _saved_and_loaded(fit_prior(codes, n_components=2), tmp_path / "p.pt")
    assert 0 <= plain.seed_for(40, rng=np.random.default_rng(3), high=10) < 10  # any seed for a plain prior


@pytest.mark.parametrize("spoil", ["half", "scale", "shape", "singular"])
def test_a_damaged_condition_is_refused(spoil):
    codes, playing = _played_codes(L=debug_model().latent_dim)
    state = fit_prior(codes, condition=playing, n_components=2).state()
    L = codes.shape[1]
    if spoil == "half":
        del state["prior.cond_scale"]
    elif spoil == "scale":
        state["prior.cond_scale"][0] = 0.0
    elif spoil == "shape":
        state["prior.cond_center"] = torch.zeros(3, dtype=torch.float64)
    else:  # a condition block that is not positive definite
        state["prior.chols"][:, L:, :] = 0.0
    with pytest.raises(CheckpointError, match="prior"):
        LatentPrior.from_state(state, L)
