"""The recipes of the shipped GP presets: the files in checkpoints/gp/ are what they make."""

import json

import pytest

from explorer.models.gp.presets import PRESET_DIR
from explorer.models.gp.recipes import PRESETS, _compact, _readme
from explorer.models.gp.spec import load_gp_spec, parse_gp_spec


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_shipped_presets_are_what_the_generator_makes(name):
    shipped = json.loads((PRESET_DIR / f"{name}.json").read_text())
    assert _compact(PRESETS[name]().to_json()) == shipped


def test_fitted_example_preset_is_a_piecewise_fit():
    spec = parse_gp_spec((PRESET_DIR / "gp-speech-fit.json").read_bytes())
    assert spec.blocks is not None and spec.amplitude is not None and spec.sample_rate == 16000
    assert (PRESET_DIR / "examples" / "hello.wav").stat().st_size < 200_000


def test_readme_is_what_the_generator_makes():
    names = [*PRESETS, "gp-speech-fit", "gp-speech-voiced", "gp-piano-fit"]  # the order build_presets writes them in
    specs = {name: load_gp_spec(PRESET_DIR / f"{name}.json") for name in names}
    assert _readme(specs) == (PRESET_DIR / "README.md").read_text()
