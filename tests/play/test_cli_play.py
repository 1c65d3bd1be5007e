"""``render --midi`` and ``export --format sfz`` through the real CLI: outputs, reproducibility, bad input."""

import zipfile

import numpy as np
import pytest
import soundfile as sf

from explorer.__main__ import main
from explorer.play.sfz import VELOCITY_LAYERS
from explorer.presets import parse_preset
from tests.play.conftest import midi_bytes

GAN = ["--model", "gan", "--checkpoint", "debug", "--seed", "4"]


@pytest.fixture
def song(tmp_path):
    path = tmp_path / "triad.mid"
    path.write_bytes(midi_bytes([(60, 0, 1, 100), (64, 1, 1, 100), (67, 2, 6, 100)]))  # the last note: 3 s
    return path


def test_render_midi_writes_the_song_the_same_every_time(tmp_path, song, capsys):
    a, b = tmp_path / "a.wav", tmp_path / "b.wav"
    assert main(["render", *GAN, "--midi", str(song), "--out", str(a)]) == 0
    assert "3 notes" in capsys.readouterr().out
    assert main(["render", *GAN, "--midi", str(song), "--out", str(b)]) == 0
    ya, sr = sf.read(a, dtype="int16")
    assert sr == 16000 and np.array_equal(ya, sf.read(b, dtype="int16")[0])
    assert len(ya) / sr == pytest.approx(4.0 + 0.15, abs=0.01)  # the 3 s note is held past the 2 s render
    assert np.max(np.abs(ya)) / 32768 <= 0.8913 + 1e-4
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_gp_renders_midi_too(tmp_path, song):
    assert main(["render", "--model", "gp", "--checkpoint", "gp-middle-c", "--midi", str(song),
                 "--out", str(tmp_path / "gp.wav")]) == 0
    assert sf.info(tmp_path / "gp.wav").samplerate == 44100


def test_export_sfz_zip_holds_the_instrument_and_its_preset(tmp_path):
    out = tmp_path / "inst.zip"
    assert main(["export", *GAN, "--format", "sfz", "--out", str(out)]) == 0
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        preset = parse_preset(zf.read("inst/preset.json"))
    # the debug GAN is velocity-conditioned: 21 keys in each velocity layer
    assert "inst/inst.sfz" in names and sum(n.endswith(".wav") for n in names) == 21 * len(VELOCITY_LAYERS)
    assert (preset.model, preset.checkpoint, preset.seed) == ("gan", "debug", 4)


@pytest.mark.parametrize("args,message", [
    (["render", *GAN, "--midi", "MISSING", "--out", "OUT/x.wav"], "no such file"),
    (["render", *GAN, "--midi", "NOTMIDI", "--out", "OUT/x.wav"], "not a MIDI file"),
    (["render", *GAN, "--midi", "SONG", "--out", "OUT/x.mp3"], "written as .wav"),
    (["render", *GAN, "--midi", "SONG", "--out", "OUT/nofolder/x.wav"], "create it first"),
    (["export", *GAN, "--out", "OUT/x.txt"], "folder or a .zip"),
    (["export", *GAN, "--out", "OUT"], "not an empty folder"),
])
def test_bad_input_is_one_error_line_and_exit_2(tmp_path, song, capsys, args, message):
    (tmp_path / "bad.mid").write_bytes(b"not midi")
    subs = {"MISSING": str(tmp_path / "missing.mid"), "NOTMIDI": str(tmp_path / "bad.mid"), "SONG": str(song)}
    args = [subs.get(a, a.replace("OUT", str(tmp_path))) for a in args]
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:") and message in err[0], err
