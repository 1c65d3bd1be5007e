"""``python -m explorer fit``: a fitted kernel that render resynthesizes, and one error line for bad input."""

import json

import numpy as np
import pytest
import soundfile as sf

from explorer.__main__ import main
from explorer.models.gp.spec import load_gp_spec

SR = 16000


def wav(path, y):
    sf.write(path, np.asarray(y, np.float32), SR)
    return path


def test_fit_writes_a_kernel_that_renders(tmp_path, capsys):
    t = np.arange(int(0.6 * SR)) / SR
    src = wav(tmp_path / "a.wav", 0.3 * np.sin(2 * np.pi * 180 * t) + 0.1 * np.sin(2 * np.pi * 360 * t))
    out = tmp_path / "k.json"
    assert main(["fit", "--audio", str(src), "--out", str(out), "--components", "6"]) == 0
    spec = load_gp_spec(out)
    assert spec.track is not None and spec.track.n_harmonics == 6
    assert json.loads(out.read_text())["sample_rate"] == SR
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary file left behind
    assert main(["render", "--model", "gp", "--gp-kernel", str(out), "--out", str(tmp_path / "r.wav")]) == 0
    y, sr = sf.read(tmp_path / "r.wav")
    assert sr == SR and len(y) == len(t) and np.abs(y).max() > 0.1


@pytest.mark.parametrize("case, words", [
    ("silent", "silent"), ("short", "too short"), ("missing", "no such file"), ("notaudio", ""), ("badout", ".json"),
])
def test_bad_input_is_one_error_line_and_exit_2(tmp_path, capsys, case, words):
    audio = tmp_path / "in.wav"
    out = tmp_path / "k.json"
    if case == "silent":
        wav(audio, np.zeros(SR))
    elif case == "short":
        wav(audio, 0.1 * np.ones(400))
    elif case == "notaudio":
        audio.write_text("not a sound")
    elif case == "badout":
        wav(audio, 0.1 * np.random.default_rng(0).standard_normal(SR))
        out = tmp_path / "k.txt"
    assert main(["fit", "--audio", str(audio), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: ") and words in err[-1]
    assert not out.exists()
