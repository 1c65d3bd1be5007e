"""Bad outputs, bad checkpoints and too much work, for every subcommand that writes (issue 20):
exit 2, exactly one ``error:`` line, no traceback, and nothing left half-written, all found
before any work is done (explorer/outputs.py)."""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from explorer import outputs
from explorer.__main__ import build_parser, main
from explorer.errors import ParameterError
from explorer.models.checkpoint import save_checkpoint
from explorer.models.vae import networks as vae_net

GP = ["--model", "gp", "--gp-kernel", "{kernel}"]
#: One row per bad output (or input found only by the command itself): (argv, message). Every
#: subcommand with an ``--out`` must have rows (checked below), so ``fit``, ``encode``, ``export``
#: and ``render --midi`` join the table when they land.
BAD_OUTPUTS = {
    "render": [
        (["render", *GP, "--out", "{tmp}/folder"], "is a folder"),
        (["render", *GP, "--out", ""], "empty"),
        (["render", *GP, "--out", "{tmp}/missing/x.wav"], "does not exist"),
        (["render", *GP, "--out", "{tmp}/keep.wav/x.wav"], "not a folder"),
        (["render", *GP, "--out", "/proc/x.wav"], "cannot write"),
        (["render", *GP, "--out", "{tmp}/x.mp3"], r"must end in \.wav or \.flac, not \.mp3"),
        (["render", *GP, "--out", "{tmp}/x.txt"], "must end in"),
        (["render", *GP, "--out", "{tmp}/x"], "must end in"),
        (["render", *GP, "--out", "/dev/full"], "not a regular file"),
        (["render", "--model", "vae", "--checkpoint", "{crafted}", "--out", "{tmp}/v.wav"], "gl_iters"),
        (["render", "--model", "vae", "--checkpoint", "{tmp}/folder", "--out", "{tmp}/v.wav"], "not found"),
    ],
    "interpolate": [
        (["interpolate", *GP, "--from", "1", "--to", "2", "--out", "{tmp}/keep.wav"], "not a folder"),
        (["interpolate", *GP, "--from", "1", "--to", "2", "--out", "{tmp}/missing/m"], "does not exist"),
        (["interpolate", *GP, "--from", "1", "--to", "2", "--out", "/proc/m"], "cannot write"),
        (["interpolate", *GP, "--from", "1", "--to", "2", "--out", ""], "empty"),
        (["interpolate", "--model", "gp", "--gp-kernel", "{long_kernel}", "--from", "1", "--to", "2",
          "--steps", "300", "--out", "{tmp}/m"], "too much audio"),
    ],
    "dataset": [
        (["dataset", "--out", "{tmp}/keep.wav", "--size", "2"], "not a folder"),
        (["dataset", "--out", "/proc/d", "--size", "2"], "cannot write"),
    ],
    "encode": [
        (["encode", "--audio", "{tmp}/keep.wav", "--out", "{tmp}/folder"], "is a folder"),
        (["encode", "--audio", "{tmp}/keep.wav", "--out", "{tmp}/p.wav"], r"must end in \.json"),
        (["encode", "--audio", "{tmp}/keep.wav", "--out", "/proc/p.json"], "cannot write"),
        (["encode", "--audio", "{tmp}/keep.wav", "--out", ""], "empty"),
        (["encode", "--audio", "{tmp}/keep.wav", "--out", "{tmp}/p.json"], "not a readable audio file"),
    ],
    "fit": [
        (["fit", "--audio", "{tmp}/keep.wav", "--out", "{tmp}/folder"], "is a folder"),
        (["fit", "--audio", "{tmp}/keep.wav", "--out", "{tmp}/k.wav"], r"must end in \.json"),
        (["fit", "--audio", "{tmp}/keep.wav", "--out", "/proc/k.json"], "cannot write"),
        (["fit", "--audio", "{tmp}/keep.wav", "--out", ""], "empty"),
    ],
    "export": [
        (["export", *GP, "--out", "{tmp}/keep.wav"], "give a folder or a .zip"),
        (["export", *GP, "--out", "{tmp}/missing/x.zip"], "create it first"),
    ],
    "train": [
        (["train", "vae", "--data", "{tmp}/folder", "--out", "/proc/nope/x", "--smoke-test"], "cannot write"),
        (["train", "vae", "--data", "{tmp}/folder", "--out", "{tmp}/folder", "--smoke-test"], "is a folder"),
        (["train", "vae", "--data", "{tmp}/folder", "--out", "{tmp}/v", "--steps", "0"], "only fits the prior of an --init"),
        (["train", "gan", "--data", "{tmp}/folder", "--out", "{tmp}/keep.wav/x", "--smoke-test"], "not a folder"),
    ],
}


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() else b"<dir>") for p in sorted(root.rglob("*"))}


@pytest.fixture
def layout(tmp_path):
    """tmp/: an existing folder, an existing file, GP kernels (2 s at 16 kHz, 30 s at 48 kHz), a
    crafted VAE checkpoint asking for 100000 Griffin-Lim iterations."""
    (tmp_path / "folder").mkdir()
    (tmp_path / "keep.wav").write_bytes(b"an earlier render")
    kernel = {"sample_rate": 16000, "duration_s": 0.2,
              "kernel": {"components": [{"weight": 1.0, "mean_hz": 440.0, "lengthscale_s": 0.1}]}}
    (tmp_path / "kernel.json").write_text(json.dumps(kernel))
    (tmp_path / "long.json").write_text(json.dumps({**kernel, "sample_rate": 48000, "duration_s": 30.0}))
    from explorer.models import vae

    save_checkpoint(tmp_path / "crafted.pt", family="vae", config={**vae_net.TINY_CONFIG, "gl_iters": 100000},
                    state=vae.debug_model().net.state_dict())
    return tmp_path


def _fill(args, tmp):
    return [a.format(tmp=tmp, kernel=tmp / "kernel.json", long_kernel=tmp / "long.json", crafted=tmp / "crafted.pt")
            for a in args]


def _one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    return lines[0]


def test_table_covers_every_subcommand_that_writes():
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    writers = {name for name, p in sub.choices.items() if any("--out" in a.option_strings for a in p._actions)}
    assert writers <= set(BAD_OUTPUTS), f"add rows for {writers - set(BAD_OUTPUTS)}"


@pytest.mark.parametrize("args,match", [row for rows in BAD_OUTPUTS.values() for row in rows],
                         ids=lambda v: " ".join(v) if isinstance(v, list) else None)
def test_bad_output_one_error_line_exit_2_nothing_written(args, match, layout, capsys):
    before = _snapshot(layout)
    assert main(_fill(args, layout)) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert pytest.importorskip("re").search(match, line), line
    assert _snapshot(layout) == before  # nothing half-written, nothing replaced, no temp files left


def test_real_process_dev_full_and_proc_no_traceback(layout):
    for out in ("/dev/full", "/proc/x.wav"):
        r = subprocess.run([sys.executable, "-m", "explorer", "render", *_fill(GP, layout), "--out", out],
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 2
        _one_error_line(r.stderr)


def test_work_is_bounded_before_rendering(layout, capsys, monkeypatch):
    """steps x samples over the bound is refused before the morph is computed."""
    monkeypatch.setattr(outputs, "MAX_WORK_SAMPLES", 10 * 3200)
    from explorer.latent import morph

    monkeypatch.setattr(morph, "render_morph", lambda *a, **k: pytest.fail("rendered before the work was checked"))
    args = ["interpolate", *GP, "--from", "1", "--to", "2", "--steps", "6", "--out", "{tmp}/m"]
    assert main(_fill(args, layout)) == 2
    assert "too much audio" in _one_error_line(capsys.readouterr().err)


def test_interpolate_leaves_nothing_when_a_later_step_cannot_be_written(layout, capsys, monkeypatch):
    written = []
    real = outputs.write_sound

    def failing(path, y, *, sr):
        if len(written) == 2:
            raise OSError(28, "No space left on device", str(path))
        written.append(path)
        return real(path, y, sr=sr)

    monkeypatch.setattr(outputs, "write_sound", failing)
    before = _snapshot(layout)
    args = ["interpolate", *GP, "--from", "1", "--to", "2", "--steps", "4", "--out", "{tmp}/m"]
    assert main(_fill(args, layout)) == 2
    assert "No space left on device" in _one_error_line(capsys.readouterr().err)
    assert len(written) == 2 and _snapshot(layout) == before  # no step_00.wav, no temp folder


def test_interpolate_into_an_existing_folder_replaces_its_steps(layout, capsys):
    out = layout / "folder"
    (out / "notes.txt").write_text("mine")
    args = ["interpolate", *GP, "--from", "1", "--to", "2", "--steps", "3", "--out", str(out)]
    assert main(_fill(args, layout)) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == ["morph.wav", "notes.txt", "path.json", "step_00.wav", "step_01.wav", "step_02.wav"]
    assert not [p for p in layout.iterdir() if p.name.startswith(".")]


def test_render_replaces_a_file_whole(layout, capsys):
    import soundfile as sf

    assert main(["render", *_fill(GP, layout), "--out", str(layout / "keep.wav")]) == 0
    y, sr = sf.read(layout / "keep.wav")
    assert sr == 16000 and len(y) == 3200
    assert not [p for p in layout.iterdir() if p.name.startswith(".")]


def test_atomic_path_removes_the_temp_file_on_failure(tmp_path):
    target = tmp_path / "x.pt"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with outputs.atomic_path(target) as tmp:
            torch.save({"a": torch.zeros(3)}, tmp)
            raise RuntimeError("interrupted")
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["x.pt"]


def test_atomic_writes_never_replace_a_device_or_a_file_with_a_folder(tmp_path):
    """Even without the check before the work, a rename never lands on a device (it replaced
    /dev/full with a regular file once, when that check was broken for a test) and a folder never
    replaces a file."""
    device = tmp_path / "fifo"  # stands in for a device: not a regular file (never a real /dev node here)
    os.mkfifo(device)
    with pytest.raises(ParameterError, match="not a regular file"):
        outputs.write_bytes(device, b"x")
    assert device.is_fifo()
    (tmp_path / "f").write_text("keep")
    with pytest.raises(ParameterError, match="not a folder"):
        with outputs.atomic_folder(tmp_path / "f"):
            pass
    assert (tmp_path / "f").read_text() == "keep"
