"""The command line's ``render --midi`` and ``export --format sfz``: the work behind two parser entries.

Outputs are checked before any rendering (the parent folder exists, the name is not a folder,
the extension is right) and written to a temporary file beside the target, then renamed.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from explorer.audio.io import audio_bytes
from explorer.errors import ParameterError
from explorer.models.base import AudioModel
from explorer.play.midi import read_midi
from explorer.play.sfz import build_sfz, timbre_preset, write_instrument
from explorer.play.song import render_song
from explorer.presets import Preset

AUDIO_SUFFIXES = (".wav", ".flac")


def check_audio_out(out: Path) -> Path:
    """``out`` if a song can be written there: parent folder exists, not a folder, .wav or .flac."""
    out = Path(out)
    if out.suffix.lower() not in AUDIO_SUFFIXES:
        raise ParameterError(f"{out}: the song is written as .wav or .flac")
    if out.is_dir():
        raise ParameterError(f"{out} is a folder")
    if not (out.parent if str(out.parent) else Path(".")).is_dir():
        raise ParameterError(f"{out.parent} is not a folder: create it first")
    return out


def _write_atomic(out: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent if str(out.parent) else ".")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def render_midi(model: AudioModel, z: np.ndarray, midi: Path, *, out: Path, policy: str = "fold") -> int:
    """``render --midi``: the song in ``midi`` played with latent ``z`` written to ``out``."""
    out = check_audio_out(out)
    t0 = time.perf_counter()
    song = read_midi(midi)
    result = render_song(model, z, song, policy=policy)
    _write_atomic(out, audio_bytes(result.y, sr=result.sr, format=out.suffix.lstrip(".").upper()))
    for message in result.messages:
        sys.stderr.write(f"note: {message}\n")
    print(f"wrote {out} ({len(result.y) / result.sr:.2f} s at {result.sr} Hz: {result.notes} notes, up to "
          f"{result.polyphony} at once; notes rendered in {result.render_s:.2f} s, "
          f"{time.perf_counter() - t0:.2f} s in all)")
    return 0


def export(model: AudioModel, z: np.ndarray, preset: Preset, *, fmt: str, out: Path) -> int:
    """``export --format sfz``: the timbre as a sampler instrument in folder or zip ``out``."""
    if fmt != "sfz":
        raise ParameterError(f"unknown export format {fmt!r} (choose sfz)")
    out = Path(out)
    if out.suffix.lower() not in ("", ".zip") or (out.suffix.lower() == ".zip" and out.is_dir()):
        raise ParameterError(f"{out}: give a folder or a .zip file for the instrument")
    if not (out.parent if str(out.parent) else Path(".")).is_dir():
        raise ParameterError(f"{out.parent} is not a folder: create it first")
    if out.suffix == "" and out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ParameterError(f"{out} exists and is not an empty folder")
    t0 = time.perf_counter()
    instrument = build_sfz(model, z, timbre_preset(model, preset), name=out.stem)
    write_instrument(instrument, out)
    if instrument.untuned:
        sys.stderr.write(f"note: no clear pitch measured in the samples of MIDI {instrument.untuned}; their "
                         "pitch_keycenter is the note asked for, untuned\n")
    keys = f"keys {instrument.regions[0].lokey}-{instrument.regions[-1].hikey}"
    print(f"wrote {out}: {len(instrument.regions)} samples over {keys} ({instrument.name}.sfz, preset.json); "
          f"rendered in {instrument.render_s:.2f} s, {time.perf_counter() - t0:.2f} s in all")
    return 0
