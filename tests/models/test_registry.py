"""The registry answers every "which model?" question (explorer/models/registry.py), with known answers."""

from __future__ import annotations

import json

import pytest

import explorer.models.vae
from explorer.errors import CheckpointError, ParameterError, PresetError
from explorer.models import registry
from explorer.models.gp import GPModel, parse_gp_spec
from explorer.models.registry import (
    available_checkpoints,
    checkpoint_name,
    family_of,
    installed_checkpoint,
    load_model,
    model_for_kernel,
    model_for_preset,
    model_from_gp_spec,
    morph_models,
)
from explorer.paths import GP_PRESET_DIR
from explorer.presets import Preset

KERNEL = {"sample_rate": 16000, "duration_s": 0.25,
          "kernel": {"components": [{"weight": 1.0, "mean_hz": 440.0, "lengthscale_s": 0.1}]}}
HOSTILE = ["../../../../etc/passwd", "/nonexistent/secret.pt", "a/b", ".hidden", "..", "a\\b", "vae-x/../vae-a",
           "C:evil", "", "vae-a.pt", "vae-nothere", None, 5]


def _spec(name: str) -> dict:
    return json.loads((GP_PRESET_DIR / f"{name}.json").read_text())


@pytest.fixture
def store(tmp_path, monkeypatch):
    """checkpoints/ in a temporary folder with two (empty) VAE files and one GAN file; VAE loads
    are recorded instead of run (a debug model stands for each file)."""
    for name in ("vae-a.pt", "vae-b.pt", "gan-a.pt", "notes.md"):
        (tmp_path / name).write_bytes(b"")
    monkeypatch.setattr(registry, "CHECKPOINT_DIR", tmp_path)
    monkeypatch.setattr(registry, "DEFAULT_CHECKPOINT", {**registry.DEFAULT_CHECKPOINT, "vae": "vae-b"})
    opened = []

    def fake_load(path):
        opened.append(path)
        return explorer.models.vae.debug_model()

    monkeypatch.setattr(explorer.models.vae, "load", fake_load)
    return opened


# -- what is installed ------------------------------------------------------------------------
def test_available_checkpoints_lists_each_family_default_first(store):
    found = available_checkpoints()
    assert found["vae"] == ["vae-b", "vae-a"]  # the default first, then by name
    assert found["gan"] == ["gan-a"]
    assert found["gp"][0] == "gp-middle-c" and "gp-organ" in found["gp"]
    assert sorted(found["gp"]) == sorted(p.stem for p in GP_PRESET_DIR.glob("*.json"))


def test_installed_checkpoint_accepts_installed_names(store):
    assert installed_checkpoint("vae", "vae-a") == "vae-a"
    assert installed_checkpoint("gp", "gp-organ") == "gp-organ"


@pytest.mark.parametrize("family", ["vae", "gp"])
def test_installed_checkpoint_refuses_paths_with_one_message(store, tmp_path, family):
    (tmp_path / "secret.pt").write_bytes(b"x")  # a file that exists must not change the answer
    messages = set()
    for name in HOSTILE + [str(tmp_path / "secret.pt"), "../secret", "gan-a"]:
        with pytest.raises(CheckpointError) as exc:
            installed_checkpoint(family, name)
        messages.add(str(exc.value))
    assert messages == {f"no {family.upper()} checkpoint of that name is installed here"}


def test_installed_checkpoint_unknown_family():
    with pytest.raises(ParameterError, match="unknown model"):
        installed_checkpoint("diffusion", "x")


# -- loading ------------------------------------------------------------------------------------
def test_load_model_names_debug_and_paths(store, tmp_path):
    model = load_model("vae", "vae-a")
    assert store == [tmp_path / "vae-a.pt"]
    assert family_of(model) == "vae" and checkpoint_name(model) == "vae-a"
    assert checkpoint_name(load_model("vae")) == "vae-b"  # the default
    assert checkpoint_name(load_model("gan", "debug")) == "debug"
    assert checkpoint_name(load_model("vae", str(tmp_path / "sub" / "x.pt"))) is None  # a path (CLI)
    assert checkpoint_name(load_model("gp", "gp-organ")) == "gp-organ"


def test_model_for_kernel_builds_the_gp_of_a_kernel_json():
    model = model_for_kernel(KERNEL)
    assert isinstance(model, GPModel) and family_of(model) == "gp"
    assert model.sample_rate == 16000 and model.spec.n_samples == 4000
    assert checkpoint_name(model) is None
    assert model_from_gp_spec is model_for_kernel
    with pytest.raises(PresetError):
        model_for_kernel({"sample_rate": 16000, "duration_s": 1.0, "kernel": {"components": []}})


def test_family_of_and_checkpoint_name_of_foreign_objects():
    with pytest.raises(ParameterError):
        family_of(object())
    assert checkpoint_name(object()) is None


# -- which model plays a preset -------------------------------------------------------------------
def test_gp_preset_plays_its_own_kernel():
    model, notice = model_for_preset(Preset(model="gp", gp=_spec("gp-organ"), seed=1))
    assert notice is None and family_of(model) == "gp"
    assert model.spec == parse_gp_spec(_spec("gp-organ"))
    model, notice = model_for_preset({"model": "gp", "gp": KERNEL, "seed": 3})  # a dict as read from a file
    assert notice is None and model.sample_rate == 16000


def test_gp_preset_without_kernel_plays_the_default_gp():
    model, notice = model_for_preset(Preset(model="gp", seed=1))
    assert notice is None and checkpoint_name(model) == "gp-middle-c"


def test_preset_plays_the_installed_checkpoint_it_names(store, tmp_path):
    current = load_model("vae", "vae-b")
    store.clear()
    model, notice = model_for_preset(Preset(model="vae", checkpoint="vae-a", seed=1), current=current)
    assert notice is None and checkpoint_name(model) == "vae-a" and model is not current
    assert store == [tmp_path / "vae-a.pt"]


def test_preset_naming_the_current_checkpoint_reuses_it(store):
    current = load_model("vae", "vae-a")
    store.clear()
    model, notice = model_for_preset(Preset(model="vae", checkpoint="vae-a", seed=1), current=current)
    assert model is current and notice is None and store == []


def test_preset_without_checkpoint_plays_current_or_default(store, tmp_path):
    current = load_model("vae", "vae-a")
    assert model_for_preset(Preset(model="vae", seed=1), current=current) == (current, None)
    store.clear()
    model, notice = model_for_preset(Preset(model="vae", seed=1))
    assert notice is None and checkpoint_name(model) == "vae-b" and store == [tmp_path / "vae-b.pt"]


def test_preset_naming_a_missing_checkpoint_plays_current_with_a_notice(store):
    current = load_model("vae", "vae-a")
    model, notice = model_for_preset(Preset(model="vae", checkpoint="vae-synth-v9", seed=1), current=current)
    assert model is current
    assert notice == ("This preset was saved with the checkpoint `vae-synth-v9`, which is not installed here; "
                      "it plays with `vae-a` and may sound different.")
    model, notice = model_for_preset(Preset(model="vae", checkpoint="vae-synth-v9", seed=1))
    assert checkpoint_name(model) == "vae-b" and "plays with `vae-b`" in notice


@pytest.mark.parametrize("name", ["../../../../etc/passwd", "/nonexistent/secret.pt", "a/b", ".hidden"])
def test_preset_naming_a_path_never_opens_it(store, tmp_path, name):
    current = load_model("vae", "vae-a")
    store.clear()
    model, notice = model_for_preset(Preset(model="vae", checkpoint=name, seed=1), current=current)
    assert model is current and store == []  # nothing opened
    assert notice == ("This preset was saved with a checkpoint, which is not installed here; "
                      "it plays with `vae-a` and may sound different.")


def test_preset_naming_an_installed_but_broken_checkpoint_raises(store, monkeypatch):
    def broken(path):
        raise CheckpointError(f"checkpoint {path.name} is truncated")

    monkeypatch.setattr(explorer.models.vae, "load", broken)
    with pytest.raises(CheckpointError, match="truncated"):
        model_for_preset(Preset(model="vae", checkpoint="vae-a", seed=1))


def test_preset_of_another_family_than_current_is_refused():
    with pytest.raises(PresetError, match="for the GAN model, not the VAE"):
        model_for_preset(Preset(model="gan", seed=1), current=load_model("vae", "debug"))


# -- kernel morphs ---------------------------------------------------------------------------------
def test_morph_models_between_two_gp_kernels():
    a = Preset(model="gp", gp=_spec("gp-bowed"), seed=1)
    b = Preset(model="gp", gp=_spec("gp-organ"), seed=2)
    models = morph_models(a, b, steps=4)
    assert len(models) == 4 and all(family_of(m) == "gp" for m in models)
    spec_a, spec_b = parse_gp_spec(a.gp), parse_gp_spec(b.gp)
    assert models[0].spec == spec_a  # step 0 is A's kernel itself
    assert models[-1].spec.kernel.components == tuple(c for c in spec_b.kernel.components
                                                      if c.mean_hz <= spec_a.sample_rate / 2)
    weights = [float(sum(c.weight for c in m.spec.kernel.components)) for m in models]
    total_a, total_b = (float(sum(c.weight for c in s.kernel.components)) for s in (spec_a, spec_b))
    assert weights[1] == pytest.approx(2 / 3 * total_a + 1 / 3 * total_b, rel=1e-6)  # t = 1/3


def test_morph_models_moves_harmonic_kernels_to_the_pitch():
    a = Preset(model="gp", gp=_spec("gp-middle-c"), seed=1)
    b = Preset(model="gp", gp=_spec("gp-organ"), seed=2)
    assert parse_gp_spec(a.gp).harmonic
    models = morph_models(a, b, steps=2, pitch=72)
    assert models[0].spec == parse_gp_spec(a.gp).transposed(72)


@pytest.mark.parametrize("a,b", [
    (None, Preset(model="gp", gp=KERNEL, seed=1)),  # a seed endpoint
    (Preset(model="gp", gp=KERNEL, seed=1), Preset(model="gp", gp=KERNEL, seed=2)),  # the same kernel
    (Preset(model="vae", seed=1), Preset(model="vae", seed=2)),  # no kernels
])
def test_morph_models_none_unless_two_different_kernels(a, b):
    assert morph_models(a, b, steps=3) is None


def test_morph_models_bad_steps():
    with pytest.raises(ParameterError, match="between 2 and 1000"):
        morph_models(None, None, steps=1)
