"""The model card's picture sheet."""

import numpy as np
from PIL import Image

from explorer.figures.sheet import picture_sheet
from explorer.models.vae import debug_model


def test_sheet_has_one_tile_per_note_and_the_tiles_differ(tmp_path):
    out = picture_sheet(debug_model(), tmp_path / "s.png", n=6, columns=3)
    img = np.asarray(Image.open(out).convert("RGB"))
    assert img.shape == (2 * 202, 3 * 258, 3)
    tiles = [img[r * 202 + 20 : r * 202 + 200, c * 258 + 1 : c * 258 + 257] for r in range(2) for c in range(3)]
    assert all(t.std() > 1 for t in tiles)  # each tile drew something
    assert not np.array_equal(tiles[0], tiles[1])  # different seeds and pitches, different pictures


def test_a_prior_that_knows_the_playing_shows_the_seeds_random_would_find(tmp_path, monkeypatch):
    from explorer.models.vae.prior import fit_prior

    model = debug_model()
    rng = np.random.default_rng(0)
    codes = rng.normal(size=(400, model.latent_dim))
    model.prior = fit_prior(codes, condition=np.c_[rng.integers(30, 90, 400), rng.integers(1, 128, 400)],
                            n_components=2)
    import explorer.figures.sheet as sheet

    found, played = [], []
    seed_for, render = model.seed_for, sheet.render_safe
    monkeypatch.setattr(model, "seed_for", lambda *a, **k: found.append(seed_for(*a, **k)) or found[-1])
    monkeypatch.setattr(sheet, "render_safe", lambda m, z, *a, **k: played.append(z) or render(m, z, *a, **k))
    first = np.asarray(Image.open(picture_sheet(model, tmp_path / "a.png", n=3, columns=3)))
    assert len(found) == 3  # each tile is the note of the seed found for its pitch
    for z, seed in zip(played, found, strict=True):
        np.testing.assert_array_equal(z, model.sample_latent(1, seed)[0])
    again = np.asarray(Image.open(picture_sheet(model, tmp_path / "b.png", n=3, columns=3)))
    assert np.array_equal(first, again)  # the same sheet every time
