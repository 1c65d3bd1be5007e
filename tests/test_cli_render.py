"""render / interpolate end to end through the real CLI: same arguments -> same samples."""

import json

import numpy as np
import pytest
import soundfile as sf

from explorer.__main__ import main

GP = ["--model", "gp", "--checkpoint", "gp-middle-c"]


def _read(path):
    y, sr = sf.read(path, dtype="int16")
    return y, sr


def test_render_is_reproducible_and_safe(tmp_path):
    a, b = tmp_path / "a.wav", tmp_path / "b.wav"
    assert main(["render", *GP, "--seed", "5", "--out", str(a)]) == 0
    assert main(["render", *GP, "--seed", "5", "--out", str(b)]) == 0
    ya, sr = _read(a)
    yb, _ = _read(b)
    assert np.array_equal(ya, yb) and sr == 44100
    y = ya / 32768.0
    assert np.max(np.abs(y)) <= 0.8913 + 1e-4
    assert np.all(np.abs(y[:10]) < 0.01) and np.all(np.abs(y[-10:]) < 0.01)  # faded in and out


def test_preset_renders_same_as_seed(tmp_path):
    spec = json.loads((__import__("explorer.models.registry", fromlist=["x"]).checkpoint_path("gp", "gp-middle-c")).read_text())
    preset = tmp_path / "p.json"
    preset.write_text(json.dumps({"format": "latent-audio-explorer/preset@1", "model": "gp", "gp": spec, "seed": 9}))
    main(["render", "--preset", str(preset), "--out", str(tmp_path / "p.wav")])
    main(["render", *GP, "--seed", "9", "--out", str(tmp_path / "s.wav")])
    assert np.array_equal(_read(tmp_path / "p.wav")[0], _read(tmp_path / "s.wav")[0])


def test_gp_kernel_file_and_pitch(tmp_path):
    k = tmp_path / "k.json"
    k.write_text(json.dumps({"sample_rate": 16000, "duration_s": 0.5,
                             "kernel": {"components": [{"weight": 1.0, "mean_hz": 440.0, "lengthscale_s": 0.2}]}}))
    assert main(["render", "--model", "gp", "--gp-kernel", str(k), "--out", str(tmp_path / "k.wav")]) == 0
    y, sr = _read(tmp_path / "k.wav")
    assert sr == 16000 and len(y) == 8000


def test_interpolate_ends_equal_renders(tmp_path):
    out = tmp_path / "morph"
    assert main(["interpolate", *GP, "--from", "1", "--to", "2", "--steps", "3", "--out", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == ["morph.wav", "path.json", "step_00.wav", "step_01.wav", "step_02.wav"]
    for seed, step in (("1", "step_00.wav"), ("2", "step_02.wav")):
        main(["render", *GP, "--seed", seed, "--out", str(tmp_path / f"r{seed}.wav")])
        assert np.array_equal(_read(out / step)[0], _read(tmp_path / f"r{seed}.wav")[0])
    path = json.loads((out / "path.json").read_text())
    assert path["method"] == "slerp" and len(path["norms"]) == 3


@pytest.mark.parametrize("kernel,match", [
    ({"sample_rate": 16000, "duration_s": 1.0, "kernel": {"components": []}}, "component"),
    ({"sample_rate": 16000, "duration_s": 1.0,
      "kernel": {"components": [{"weight": 1.0, "mean_hz": 9000.0, "lengthscale_s": 0.1}]}}, "Nyquist"),
    ({"sample_rate": 16000, "duration_s": 1.0,
      "kernel": {"components": [{"weight": 1.0, "mean_hz": 440.0, "lengthscale_s": -1}]}}, "lengthscale"),
    ({"sample_rate": 16000, "duration_s": 1e6,
      "kernel": {"components": [{"weight": 1.0, "mean_hz": 440.0, "lengthscale_s": 0.1}]}}, "duration"),
])
def test_bad_gp_kernels_exit_2(tmp_path, capsys, kernel, match):
    k = tmp_path / "k.json"
    k.write_text(json.dumps(kernel))
    assert main(["render", "--model", "gp", "--gp-kernel", str(k), "--out", str(tmp_path / "x.wav")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and match.lower() in err.lower()
    assert not (tmp_path / "x.wav").exists()


def test_gp_kernel_morph_between_two_presets(tmp_path, capsys):
    from explorer.models.registry import checkpoint_path

    files = []
    for name, seed in (("gp-middle-c", 1), ("gp-organ", 2)):
        f = tmp_path / f"{name}.json"
        spec = json.loads(checkpoint_path("gp", name).read_text())
        f.write_text(json.dumps({"model": "gp", "gp": spec, "seed": seed, "pitch": 60}))
        files.append(str(f))
    fixed, moving = tmp_path / "fixed", tmp_path / "moving"
    args = ["interpolate", "--model", "gp", "--from", files[0], "--to", files[1], "--steps", "3"]
    assert main([*args, "--out", str(fixed)]) == 0
    assert main([*args, "--kernel", "interpolated", "--out", str(moving)]) == 0
    assert np.array_equal(_read(fixed / "step_00.wav")[0], _read(moving / "step_00.wav")[0])
    assert not np.array_equal(_read(fixed / "step_02.wav")[0], _read(moving / "step_02.wav")[0])
    assert main(["interpolate", *GP, "--from", "1", "--to", "2", "--kernel", "interpolated", "--out", str(tmp_path / "x")]) == 2
    assert "two GP preset files" in capsys.readouterr().err


def test_preset_naming_a_checkpoint_not_installed_plays_the_default_with_a_note(tmp_path, capsys):
    preset = tmp_path / "p.json"
    preset.write_text(json.dumps({"model": "vae", "checkpoint": "../../../../etc/passwd", "seed": 4, "pitch": 60}))
    assert main(["render", "--preset", str(preset), "--out", str(tmp_path / "p.wav")]) == 0
    err = capsys.readouterr().err
    from explorer.models.registry import DEFAULT_CHECKPOINT

    assert err == ("note: This preset was saved with a checkpoint, which is not installed here; it plays with "
                   f"`{DEFAULT_CHECKPOINT['vae']}` and may sound different.\n")
    assert main(["render", "--model", "vae", "--seed", "4", "--pitch", "60", "--out", str(tmp_path / "s.wav")]) == 0
    assert np.array_equal(_read(tmp_path / "p.wav")[0], _read(tmp_path / "s.wav")[0])


def test_interpolate_plays_the_checkpoint_its_preset_names(tmp_path, capsys):
    """Step 0 equals `render` of endpoint A, also when A names another installed checkpoint."""
    preset = tmp_path / "a.json"
    preset.write_text(json.dumps({"model": "vae", "checkpoint": "vae-synth-v1", "seed": 2, "pitch": 50}))
    out = tmp_path / "m"
    assert main(["interpolate", "--model", "vae", "--from", str(preset), "--to", "3", "--steps", "2",
                 "--out", str(out)]) == 0
    assert main(["render", "--preset", str(preset), "--out", str(tmp_path / "a.wav")]) == 0
    assert capsys.readouterr().err == ""
    assert np.array_equal(_read(out / "step_00.wav")[0], _read(tmp_path / "a.wav")[0])
    assert main(["render", "--model", "vae", "--seed", "2", "--pitch", "50", "--out", str(tmp_path / "v3.wav")]) == 0
    assert not np.array_equal(_read(out / "step_00.wav")[0], _read(tmp_path / "v3.wav")[0])  # not the default
