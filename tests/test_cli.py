"""The command line contract (DESIGN.md section 6): one-line errors, exit 2, no traceback."""

import json
import subprocess
import sys

import pytest

from explorer.__main__ import main


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "explorer", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


def test_help_lists_subcommands():
    r = run_cli("--help")
    assert r.returncode == 0
    for cmd in ("render", "interpolate", "dataset", "train", "eval", "bench"):
        assert cmd in r.stdout


@pytest.mark.parametrize(
    "args,match",
    [
        ([], "required"),
        (["fly"], "invalid choice"),
        (["render", "--model", "diffusion"], "invalid choice"),
        (["render", "--model", "gp", "--seed", "abc"], "seed must be a whole number"),
        (["render", "--model", "gp", "--seed", "-4"], "seed must be between"),
        (["render", "--model", "gp", "--pitch", "H9"], "pitch must be a MIDI number"),
        (["render"], "give --model or --preset"),
        (["render", "--preset", "/nonexistent/p.json"], "not found"),
        (["render", "--model", "vae", "--gp-kernel", "k.json"], "only for --model gp"),
        (["interpolate", "--model", "gp", "--from", "1", "--to", "2", "--steps", "0", "--out", "x"], "positive"),
        (["interpolate", "--model", "gp", "--from", "1", "--to", "2", "--steps", "1", "--out", "x"], "between 2"),
        (["interpolate", "--model", "gp", "--from", "1", "--to", "2", "--method", "cubic", "--out", "x"], "invalid choice"),
        (["dataset", "--out", "d", "--size", "0"], "positive"),
        (["train", "transformer", "--data", "d", "--out", "o"], "invalid choice"),
    ],
)
def test_bad_arguments_one_line_error_exit_2(args, match, capsys):
    with pytest.raises(SystemExit) as e:
        rc = main(args)
        raise SystemExit(rc)
    assert e.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and match in err and "Traceback" not in err
    assert len(err.splitlines()) == 1


def test_bad_preset_file_message(tmp_path, capsys):
    p = tmp_path / "p.json"
    p.write_text("{broken")
    assert main(["render", "--preset", str(p)]) == 2
    assert "not valid JSON" in capsys.readouterr().err
    p.write_text(json.dumps({"model": "vae"}))
    assert main(["render", "--preset", str(p)]) == 2
    assert "latent" in capsys.readouterr().err


def test_real_process_exits_2_without_traceback():
    r = run_cli("render", "--model", "vae", "--checkpoint", "/nonexistent/ckpt.pt")
    assert r.returncode == 2
    assert r.stderr.startswith("error: ") and "Traceback" not in r.stderr
