"""The command line contract (DESIGN.md section 6): one-line errors, exit 2, no traceback."""

import argparse
import json
import subprocess
import sys

import pytest

from explorer.__main__ import build_parser, main


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


#: One row per way a person can get a subcommand wrong: argparse-level mistakes and mistakes found
#: inside the command (files that are missing or not what they claim to be). Every subcommand of
#: the parser must have rows here (checked below), so a new one cannot skip the contract.
BAD_INPUT = {
    "render": [
        (["render", "--model", "vae", "--checkpoint", "/nonexistent/ckpt.pt"], "not found"),
        (["render", "--model", "gp", "--gp-kernel", "/nonexistent/k.json"], "not found"),
        (["render", "--model", "gan", "--preset", "{gp_preset}"], "preset is for the gp model, not gan"),
        (["render", "--preset", "{broken}"], "not valid JSON"),
        (["render", "--model", "gp", "--checkpoint", "gp-nosuch"], "gp-nosuch"),
        (["render", "--model", "gan", "--checkpoint", "debug", "--midi", "{broken}", "--out", "{tmp}/s.wav"],
         "not a MIDI file"),
    ],
    "export": [
        (["export", "--model", "gan", "--checkpoint", "debug", "--out", "{tmp}/x.txt"], "folder or a .zip"),
        (["export", "--model", "gan", "--format", "wav", "--out", "{tmp}/x"], "invalid choice"),
        (["export", "--model", "gan"], "required"),
    ],
    "interpolate": [
        (["interpolate", "--model", "vae", "--from", "1", "--to", "/nonexistent/p.json", "--out", "{tmp}/i"], "not found"),
        (["interpolate", "--model", "vae", "--from", "1", "--to", "2", "--gp-kernel", "{broken}", "--out", "{tmp}/i"],
         "only for --model gp"),
        (["interpolate", "--model", "gan", "--from", "{gp_preset}", "--to", "2", "--out", "{tmp}/i"], "not gan"),
        (["interpolate", "--model", "gp", "--from", "1"], "required"),
    ],
    "dataset": [
        (["dataset", "--out", "{tmp}/d", "--size", "2", "--families", "nosuch"], "unknown family"),
        (["dataset", "--out", "{tmp}/d", "--seed", "x"], "seed must be a whole number"),
    ],
    "train": [
        (["train", "vae", "--data", "/nonexistent", "--out", "{tmp}/o", "--smoke-test"], "not found"),
        (["train", "gan", "--data", "d", "--out", "{tmp}/o", "--init", "x"], "is for the VAE"),
        (["train", "vae", "--data", "d"], "required"),
    ],
    "eval": [
        (["eval", "--model", "vae", "--checkpoint", "/nonexistent/x.pt"], "not found"),
        (["eval", "--model", "diffusion"], "invalid choice"),
    ],
    "encode": [
        (["encode", "--audio", "/nonexistent/a.wav", "--out", "{tmp}/p.json"], "not found"),
        (["encode", "--audio", "{broken}", "--out", "{tmp}/p.wav"], ".json"),
        (["encode", "--model", "gan", "--audio", "{broken}", "--out", "{tmp}/p.json"], "invalid choice"),
        (["encode", "--audio", "{broken}", "--out", "{tmp}/p.json"], "not a readable audio file"),
    ],
    "bench": [
        (["bench", "--repeats", "0"], "positive"),
        (["bench", "--json", "extra"], "unrecognized arguments"),
    ],
    "fit": [
        (["fit", "--audio", "/nonexistent/x.wav", "--out", "{tmp}/k.json"], "no such file"),
        (["fit", "--audio", "{broken}", "--out", "{tmp}/k.txt"], "must end in .json"),
        (["fit", "--out", "{tmp}/k.json"], "required"),
    ],
}


def test_bad_input_table_covers_every_subcommand():
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert set(BAD_INPUT) == set(sub.choices)


@pytest.mark.parametrize("args,match", [row for rows in BAD_INPUT.values() for row in rows],
                         ids=lambda v: " ".join(v) if isinstance(v, list) else None)
def test_every_subcommand_bad_input_one_error_line_exit_2(args, match, tmp_path, capsys):
    (tmp_path / "broken.json").write_text("{broken")
    (tmp_path / "gp.json").write_text(json.dumps({"model": "gp", "seed": 1, "gp": {
        "sample_rate": 16000, "duration_s": 0.1,
        "kernel": {"components": [{"weight": 1.0, "mean_hz": 440.0, "lengthscale_s": 0.1}]}}}))
    args = [a.format(tmp=tmp_path, broken=tmp_path / "broken.json", gp_preset=tmp_path / "gp.json") for a in args]
    try:  # an exception escaping main() is what a person would see as a traceback: it fails here
        code = main(args)
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    assert code == 2
    assert err.count("error: ") == 1 and err.startswith("error: ") and match in err, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err + out
    assert not (tmp_path / "o.pt").exists() and not (tmp_path / "i").exists()
