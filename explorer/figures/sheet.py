"""A model card's picture sheet: rainbowgrams of a dozen random notes across pitches, one PNG.

``python -m explorer.figures.sheet --model vae --checkpoint NAME --out checkpoints/NAME.png``
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from explorer.audio.rainbowgram import rainbowgram
from explorer.render import render_safe

#: The pitches the tiles cycle through (MIDI C2 .. C6, clipped to the model's range).
PITCHES = (36, 48, 60, 72, 84, 43, 55, 67, 79, 40, 52, 64)


def picture_sheet(model, out: str | Path, *, n: int = 12, first_seed: int = 0, columns: int = 4) -> Path:
    """Render seeds ``first_seed ..`` (for a prior that knows the playing, the seeds the page's Random
    would pick for each pitch, from generators seeded so) at :data:`PITCHES` and save their rainbowgrams as a grid
    (``columns`` per row), each tile captioned with its seed and pitch; the PNG's path."""
    from PIL import Image, ImageDraw

    from explorer.audio.pitch import note_name

    lo, hi = model.pitch_range or (60, 60)
    tiles = []
    for i in range(n):
        seed, pitch = first_seed + i, int(np.clip(PITCHES[i % len(PITCHES)], lo, hi))
        if getattr(model, "plays_to_prior", False):  # a seed whose note suits the pitch, as the page's Random finds
            seed = model.seed_for(pitch, rng=np.random.default_rng(seed))
        sound = render_safe(model, model.sample_latent(1, seed)[0], pitch if model.pitch_range else None)
        img = np.ascontiguousarray(rainbowgram(sound.y, sr=sound.sr).image[::-1][::2])  # low notes at the bottom
        tile = Image.fromarray(img).resize((256, 200))
        ImageDraw.Draw(tile).text((4, 2), f"seed {seed} · {note_name(pitch)}", fill=(255, 255, 255))
        tiles.append(tile)
    rows = -(-n // columns)
    sheet = Image.new("RGB", (columns * 258, rows * 202), (40, 40, 40))
    for i, tile in enumerate(tiles):
        sheet.paste(tile, ((i % columns) * 258 + 1, (i // columns) * 202 + 1))
    out = Path(out)
    sheet.save(out)
    return out


def main(argv: list[str] | None = None) -> int:
    from explorer.models.registry import load_model

    p = argparse.ArgumentParser(prog="python -m explorer.figures.sheet", description=__doc__.splitlines()[0])
    p.add_argument("--model", choices=("vae", "gan"), required=True)
    p.add_argument("--checkpoint")
    p.add_argument("--out", type=Path, required=True)
    args = p.parse_args(argv)
    print(picture_sheet(load_model(args.model, args.checkpoint), args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
