"""The one JSON reader: plain messages for every way a file can be wrong, deep nesting included."""

import json
import subprocess
import sys

import pytest

from explorer.errors import PresetError
from explorer.jsonfile import MAX_DEPTH, read_json
from explorer.models.gp import parse_gp_spec
from explorer.presets import parse_preset


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("data, message", [
    (b"\xff\xfe", "not UTF-8"),
    ("{nope", "not valid JSON"),
    (nested(5000), "nested too deeply"),   # json.loads itself would raise RecursionError
    (nested(MAX_DEPTH + 1), "nested too deeply"),
    (json.loads(nested(MAX_DEPTH + 1)), "nested too deeply"),  # already parsed
])
def test_bad_json_gets_a_message(data, message):
    with pytest.raises(PresetError, match=message):
        read_json(data, what="preset")


def test_good_json_and_size_cap():
    assert read_json(b'{"a": [1, 2]}', what="preset") == {"a": [1, 2]}
    assert read_json(json.loads(nested(MAX_DEPTH)), what="preset") == json.loads(nested(MAX_DEPTH))
    with pytest.raises(PresetError, match="too large"):
        read_json(b"[" + b"1," * 100 + b"1]", what="preset", max_bytes=50)


def test_presets_and_gp_kernels_use_it():
    deep = '{"model": "vae", "latent": ' + nested(3000) + "}"
    with pytest.raises(PresetError, match="nested too deeply"):
        parse_preset(deep)
    with pytest.raises(PresetError, match="GP kernel is nested too deeply"):
        parse_gp_spec('{"kernel": ' + nested(3000) + "}")


@pytest.mark.parametrize("option", ["--preset", "--gp-kernel"])
def test_cli_deep_json_is_one_error_line(tmp_path, option):
    f = tmp_path / "deep.json"
    f.write_text('{"model": "gp", "gp": ' + nested(5000) + "}")
    proc = subprocess.run([sys.executable, "-m", "explorer", "render", "--model", "gp", option, str(f),
                           "--out", str(tmp_path / "x.wav")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1 and "nested too deeply" in proc.stderr
