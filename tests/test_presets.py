import json

import pytest

from explorer.errors import PresetError
from explorer.presets import FORMAT, Preset, parse_preset

GOOD = {"format": FORMAT, "model": "vae", "checkpoint": "vae-synth-v1", "pitch": 60, "latent": [0.1, -1.3], "seed": 7}


def test_round_trip():
    p = parse_preset(GOOD)
    assert parse_preset(p.to_json()) == p
    assert p.to_dict() == GOOD


def test_seed_only_and_extra_fields_kept():
    p = parse_preset({"model": "gan", "seed": 3, "directions": [0.5]})
    assert p.seed == 3 and p.latent is None and p.extra == {"directions": [0.5]}
    assert parse_preset(p.to_json()).extra == {"directions": [0.5]}


def test_gp_preset_needs_gp_object():
    assert parse_preset({"model": "gp", "seed": 1, "gp": {"kernel": {}}}).gp == {"kernel": {}}
    with pytest.raises(PresetError, match='"gp" object'):
        parse_preset({"model": "gp", "seed": 1})


@pytest.mark.parametrize(
    "data,match",
    [
        (b"\xff\xfe\x00", "UTF-8"),
        ("{not json", "not valid JSON"),
        ("[1, 2]", "JSON object"),
        ({"model": "vae", "seed": 1, "format": "someone-else@3"}, "unknown preset format"),
        ({"model": "diffusion", "seed": 1}, "model must be one of"),
        ({"model": "vae"}, "latent"),
        ({"model": "vae", "seed": -1}, "out of range"),
        ({"model": "vae", "seed": 1.5}, "whole number"),
        ({"model": "vae", "seed": "1"}, "whole number"),
        ({"model": "vae", "seed": 1, "pitch": 300}, "out of range"),
        ({"model": "vae", "latent": []}, "non-empty"),
        ({"model": "vae", "latent": [1, "x"]}, "finite numbers"),
        ({"model": "vae", "latent": [1, float("nan")]}, "finite numbers"),
        ({"model": "vae", "latent": [1e9]}, "100"),
        ({"model": "vae", "seed": 1, "checkpoint": 5}, "checkpoint"),
        ({"model": "vae", "seed": 1, "gp": {}}, "must not carry"),
    ],
)
def test_bad_presets_have_clear_messages(data, match):
    with pytest.raises(PresetError, match=match):
        parse_preset(data)


def test_huge_preset_refused():
    with pytest.raises(PresetError, match="too large"):
        parse_preset(json.dumps({"model": "vae", "seed": 1, "pad": "x" * 2_000_000}).encode())


def test_preset_dataclass_defaults():
    assert Preset(model="vae", seed=1).to_dict() == {"format": FORMAT, "model": "vae", "seed": 1}
