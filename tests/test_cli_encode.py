"""encode: a recorded note -> the preset of its code, which render turns back into sound."""

import json

import numpy as np
import pytest
import soundfile as sf

from explorer.__main__ import main
from explorer.audio.constants import SR
from explorer.models.registry import load_model
from explorer.models.vae import encode_sound

CKPT = ["--checkpoint", "vae-synth-v3"]


@pytest.fixture(scope="module")
def note(tmp_path_factory):
    """A 1.5 s A3 (220 Hz) with a few harmonics after 0.4 s of silence."""
    t = np.arange(int(1.5 * SR)) / SR
    y = sum(0.3 / k * np.sin(2 * np.pi * 220 * k * t) for k in range(1, 6)) * np.exp(-t / 0.8)
    path = tmp_path_factory.mktemp("enc") / "a3.wav"
    sf.write(path, np.concatenate([np.zeros(int(0.4 * SR)), y]).astype(np.float32), SR)
    return path


def test_encode_writes_the_preset_the_page_would_make(note, tmp_path, capsys):
    out = tmp_path / "a3.json"
    assert main(["encode", *CKPT, "--audio", str(note), "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "MIDI 57" in said and "estimated" in said
    preset = json.loads(out.read_text())
    assert preset["model"] == "vae" and preset["checkpoint"] == "vae-synth-v3" and preset["pitch"] == 57
    model = load_model("vae", "vae-synth-v3")
    page = encode_sound(model, note.read_bytes())  # the page's upload path
    assert np.allclose(preset["latent"], page.z, atol=1e-4)
    wav = tmp_path / "back.wav"
    assert main(["render", "--preset", str(out), "--out", str(wav)]) == 0
    assert sf.info(wav).samplerate == SR


def test_given_pitch_and_offset(note, tmp_path, capsys):
    out = tmp_path / "given.json"
    assert main(["encode", *CKPT, "--audio", str(note), "--pitch", "C4", "--offset", "0.3", "--out", str(out)]) == 0
    assert "MIDI 60 (pitch given)" in capsys.readouterr().out
    assert json.loads(out.read_text())["pitch"] == 60


@pytest.mark.parametrize("args, message", [
    (["--audio", "missing.wav", "--out", "x.json"], "not found"),
    (["--audio", "NOTE", "--out", "x.wav"], ".json"),
    (["--audio", "NOTE", "--out", "no/such/folder/x.json"], ".json"),
    (["--audio", "NOTE", "--offset", "60", "--out", "x.json"], "past the end"),
    (["--audio", "NOTE", "--offset", "-1", "--out", "x.json"], "offset"),
    (["--audio", "NOTE", "--pitch", "100", "--out", "x.json"], "range"),
])
def test_bad_encode_arguments_give_one_error_line(note, tmp_path, monkeypatch, capsys, args, message):
    monkeypatch.chdir(tmp_path)
    args = [str(note) if a == "NOTE" else a for a in args]
    assert main(["encode", *CKPT, *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and message in err and err.count("\n") == 1
    assert not list(tmp_path.glob("*.json"))
