"""The shipped GP presets: every one renders; lookup by name or path, and its errors."""

import json

import numpy as np
import pytest

from explorer.errors import CheckpointError
from explorer.models.gp.presets import list_gp_presets, load_gp
from explorer.models.gp.spec import parse_gp_spec
from tests.models.gp.kernels import spec_json


def test_every_shipped_preset_renders():
    names = list_gp_presets()
    for required in ("gp-middle-c", "gp-organ", "gp-bowed", "gp-breathy-vowel", "gp-wind", "gp-surf", "gp-speech-fit"):
        assert required in names
    for name in names:
        model = load_gp(name)
        y = model.render(model.sample_latent(1, seed=0))
        assert np.all(np.isfinite(y)) and y.std() > 0, name
        assert model.clipped_power_fraction() < 1e-3, name


def test_load_gp_errors():
    with pytest.raises(CheckpointError, match="unknown GP preset"):
        load_gp("no-such-preset")
    with pytest.raises(CheckpointError, match="no such"):
        load_gp("missing/dir/kernel.json")


def test_load_gp_from_a_file_path_and_a_preset_file(tmp_path):
    spec = parse_gp_spec(spec_json())
    (tmp_path / "k.json").write_text(spec.dumps())
    preset = {"format": "latent-audio-explorer/preset@1", "model": "gp", "seed": 3, "gp": spec.to_json()}
    (tmp_path / "p.json").write_text(json.dumps(preset))
    assert load_gp(tmp_path / "k.json").spec == spec
    assert load_gp(str(tmp_path / "p.json")).spec == spec


# -- JSON -----------------------------------------------------------------------------------
