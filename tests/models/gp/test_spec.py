"""The GP kernel JSON: envelopes, round trips, the contract example, and clear errors for bad files."""

import json

import numpy as np
import pytest

from explorer.errors import ParameterError, PresetError
from explorer.models.gp.kernel import Component, SMKernel
from explorer.models.gp.model import GPModel
from explorer.models.gp.presets import list_gp_presets, load_gp
from explorer.models.gp.spec import Envelope, GPSpec, parse_gp_spec
from tests.models.gp.kernels import spec_json, with_component


def test_adsr_envelope_shape():
    env = Envelope(attack_s=0.1, decay_s=0.2, sustain=0.5, release_s=0.3).curve(16000, sr=16000)
    t = np.arange(16000) / 16000
    assert env[0] == 0.0 and env.max() == pytest.approx(1.0, abs=1e-3)
    assert env[np.searchsorted(t, 0.1)] == pytest.approx(1.0, abs=1e-3)
    assert env[np.searchsorted(t, 0.5)] == pytest.approx(0.5)
    assert env[-1] < 1e-3
    assert np.all(np.diff(env[np.searchsorted(t, 0.7) :]) <= 0)


def test_json_round_trip_of_every_preset_and_a_full_spec():
    for name in list_gp_presets():
        spec = load_gp(name).spec
        again = parse_gp_spec(json.loads(json.dumps(spec.to_json())))
        assert again == spec
        assert again.to_json() == spec.to_json()
    full = parse_gp_spec(
        spec_json(
            envelope={"attack_s": 0.01, "decay_s": 0.2, "sustain": 0.4, "release_s": 0.1},
            pitch_midi=62.5,
            blocks={"hop_s": 0.05, "crossfade_s": 0.02, "kernels": [spec_json()["kernel"]] * 3},
            amplitude={"hop_s": 0.01, "values": [0.0, 1.0, 0.5]},
            description="test",
        )
    )
    assert parse_gp_spec(full.dumps()) == full


def test_contract_example_parses():
    contract = {
        "sample_rate": 44100,
        "duration_s": 2.0,
        "kernel": {
            "components": [
                {"weight": 1.0, "mean_hz": 261.63, "lengthscale_s": 0.25},
                {"weight": 0.4, "mean_hz": 523.25, "lengthscale_s": 0.18},
            ],
            "noise": 0.0,
        },
        "envelope": {"attack_s": 0.01, "decay_s": 0.4, "sustain": 0.5, "release_s": 0.5},
    }
    spec = parse_gp_spec(contract)
    assert spec.to_json() == contract
    model = GPModel(spec)
    assert model.render(model.sample_latent(1, seed=0)).shape == (1, 88200)


BAD_KERNELS = [
    (with_component(lengthscale_s=-0.1), "lengthscale_s"),
    (with_component(lengthscale_s=0.0), "lengthscale_s"),
    (with_component(lengthscale_s=float("nan")), "lengthscale_s"),
    ('{"sample_rate": 16000, "kernel": {"components": [{"weight": 1, "mean_hz": 440, "lengthscale_s": NaN}]}}', "lengthscale_s"),
    (with_component(lengthscale_s=1e9), "lengthscale_s"),
    (with_component(mean_hz=9000.0), "Nyquist"),
    (with_component(mean_hz=-5.0), "mean_hz"),
    (with_component(weight=-1.0), "weight"),
    (with_component(weight="1"), "weight"),
    (with_component(weight=True), "weight"),
    (with_component(decay_s=0), "decay_s"),
    (spec_json(kernel={"components": [], "noise": 0.0}), "empty"),
    (spec_json(kernel={"components": [{"weight": 1, "mean_hz": 440, "lengthscale_s": 0.1}] * 10000}), "limit is 512"),
    (spec_json(kernel={"components": {"weight": 1}}), "list"),
    (spec_json(kernel={"components": [{"weight": 1, "mean_hz": 440}]}), "lengthscale_s"),
    (spec_json(kernel={"components": [[1, 440, 0.1]]}), "JSON object"),
    (spec_json(kernel={"components": [{"weight": 1, "mean_hz": 440, "lengthscale_s": 0.1}], "noise": -1}), "noise"),
    (spec_json(duration_s=31.0), "duration_s"),
    (spec_json(duration_s=0.0), "duration_s"),
    (spec_json(duration_s=-2.0), "duration_s"),
    (spec_json(duration_s=float("inf")), "duration_s"),
    (spec_json(duration_s="2"), "duration_s"),
    (spec_json(sample_rate=12345), "sample_rate"),
    (spec_json(sample_rate="44100"), "sample_rate"),
    (spec_json(envelope={"attack_s": 0.01, "decay_s": 0.1, "sustain": 2.0, "release_s": 0.1}), "sustain"),
    (spec_json(envelope=[1, 2]), "envelope"),
    (spec_json(pitch_midi=200), "pitch_midi"),
    (spec_json(blocks={"hop_s": 0.05, "kernels": []}), "kernels"),
    (spec_json(blocks={"hop_s": 0.0, "kernels": [spec_json()["kernel"]]}), "hop_s"),
    (spec_json(amplitude={"hop_s": 0.01, "values": [1, -1]}), "amplitude"),
    (spec_json(amplitude={"hop_s": 0.01, "values": "loud"}), "amplitude"),
    ({"sample_rate": 16000}, "kernel"),
    ([1, 2, 3], "JSON object"),
    ("{not json", "not valid JSON"),
    (b"\xff\xfe", "UTF-8"),
]


@pytest.mark.parametrize("bad, words", BAD_KERNELS)
def test_bad_kernels_give_clear_errors(bad, words):
    with pytest.raises(PresetError, match=words):
        parse_gp_spec(bad)


def test_direct_construction_errors():
    comp = Component(1.0, 440.0, 0.1)
    with pytest.raises(ParameterError, match="Nyquist"):
        GPSpec(16000, 1.0, SMKernel((Component(1.0, 8500.0, 0.1),)))
    with pytest.raises(ParameterError, match="sample_rate"):
        GPSpec(11025, 1.0, SMKernel((comp,)))
