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
