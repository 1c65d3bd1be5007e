"""SFZ export: regions cover the range exactly, pitch_keycenter (+ tune) matches each WAV's measured
pitch within 10 cents, safe file names, the preset inside, folder and zip output."""

import io
import json
import re
import zipfile

import numpy as np
import pytest
import soundfile as sf

from explorer.audio.pitch import cents_between, median_f0, midi_to_hz
from explorer.errors import ParameterError
from explorer.presets import Preset, parse_preset
from explorer.play.sfz import build_sfz, key_ranges, safe_name, sample_pitches, write_instrument
from tests.play.conftest import SteadyToy, Unpitched


def parse_sfz(text: str) -> list[dict[str, str]]:
    """The regions of an .sfz file as opcode dicts (global opcodes merged in)."""
    text = re.sub(r"//.*", "", text)
    glob, regions, current = {}, [], None
    for header, body in re.findall(r"<(\w+)>([^<]*)", text):
        opcodes = dict(re.findall(r"(\w+)=(\S+)", body))
        if header == "global":
            glob.update(opcodes)
        elif header == "region":
            regions.append({**glob, **opcodes})
    return regions


@pytest.fixture(scope="module")
def detuned():
    """A toy 20 cents sharp, so that only ``tune`` brings the samples to their keys."""
    model = SteadyToy(detune=20.0)
    return model, build_sfz(model, np.zeros(4), Preset(model="vae", seed=3))


def test_regions_cover_the_range_without_gaps_or_overlaps(detuned):
    model, inst = detuned
    regions = parse_sfz(inst.files[f"{inst.name}.sfz"].decode())
    keys = [k for r in regions for k in range(int(r["lokey"]), int(r["hikey"]) + 1)]
    assert keys == list(range(36, 85))  # every key once, in order
    assert all(int(r["lokey"]) <= int(r["pitch_keycenter"]) <= int(r["hikey"]) for r in regions)
    steps = np.diff([int(r["pitch_keycenter"]) for r in regions])
    assert set(steps) <= {1, 2, 3}
    assert all(r["loop_mode"] == "loop_continuous" and float(r["ampeg_release"]) > 0 for r in regions)


def test_pitch_keycenter_and_tune_match_the_measured_pitch_of_each_wav(detuned):
    model, inst = detuned
    for r in parse_sfz(inst.files[f"{inst.name}.sfz"].decode()):
        y, sr = sf.read(io.BytesIO(inst.files[r["sample"]]), dtype="float32")
        assert sr == model.sample_rate
        y16 = __import__("librosa").resample(y, orig_sr=sr, target_sr=16000)
        key = int(r["pitch_keycenter"])
        f0 = median_f0(y16, sr=16000, fmin=midi_to_hz(key - 13), fmax=midi_to_hz(key + 13), resolution=0.05)
        sounding = key - int(r.get("tune", 0)) / 100  # the note the sampler thinks the WAV plays
        assert abs(cents_between(f0, midi_to_hz(sounding))) <= 10, (r["sample"], f0)


def test_loop_points_lie_inside_each_wav(detuned):
    _, inst = detuned
    for r in parse_sfz(inst.files[f"{inst.name}.sfz"].decode()):
        frames = sf.info(io.BytesIO(inst.files[r["sample"]])).frames
        assert 0 < int(r["loop_start"]) < int(r["loop_end"]) < frames


def test_file_names_are_safe_and_the_preset_is_inside(detuned):
    _, inst = detuned
    assert all(re.fullmatch(r"[a-z0-9_-]+\.(wav|sfz|json)", n) for n in inst.files), list(inst.files)
    assert parse_preset(inst.files["preset.json"]).seed == 3
    assert safe_name("My sound: C#/..\\x") == "my-sound-c-x"


def test_an_unpitched_sound_is_one_region_over_every_key():
    inst = build_sfz(Unpitched(), np.zeros(4), Preset(model="gp", seed=0, gp={}))
    (region,) = parse_sfz(inst.files[f"{inst.name}.sfz"].decode())
    assert (region["lokey"], region["hikey"], region["pitch_keytrack"]) == ("0", "127", "0")


def test_sample_pitches_and_ranges():
    assert sample_pitches(24, 32, 3).tolist() == [24, 27, 30, 32]
    assert key_ranges(np.array([24, 27, 30, 32]), 24, 32) == [(24, 25), (26, 28), (29, 31), (32, 32)]


def test_written_as_a_zip_or_a_folder_and_bad_outputs_refused(detuned, tmp_path):
    _, inst = detuned
    z = write_instrument(inst, tmp_path / "toy.zip")
    with zipfile.ZipFile(z) as zf:
        assert f"{inst.name}/{inst.name}.sfz" in zf.namelist() and f"{inst.name}/preset.json" in zf.namelist()
    d = write_instrument(inst, tmp_path / "toy")
    assert sorted(p.name for p in d.iterdir()) == sorted(inst.files)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left behind
    for bad, message in [(tmp_path / "toy", "not an empty folder"), (tmp_path / "nope" / "x.zip", "not a folder"),
                         (tmp_path / "x.wav", "folder or a .zip")]:
        with pytest.raises(ParameterError, match=message):
            write_instrument(inst, bad)
    json.loads(inst.files["preset.json"])


class _Velocity(SteadyToy):
    """Brighter the harder it is played: the 2nd harmonic's level follows velocity."""

    velocity_range = (1, 127)

    def render(self, z, pitch=None, *, velocity=None):
        y = super().render(z, pitch).astype(np.float64)
        v = 100 if velocity is None else velocity
        t = np.arange(self.sample_rate) / self.sample_rate
        f0 = 440.0 * 2 ** ((np.asarray(pitch, dtype=np.float64)[:, None] - 69) / 12)
        return (y + (v / 127.0) * np.sin(2 * np.pi * 3 * f0 * t) * 0.5).astype(np.float32)


def test_a_velocity_model_gets_one_layer_per_velocity_range_rendered_at_its_velocity():
    from explorer.play.sfz import VELOCITY_LAYERS

    inst = build_sfz(_Velocity(), np.zeros(4), Preset(model="vae", seed=3), tune=False)
    regions = parse_sfz(inst.files[f"{inst.name}.sfz"].decode())
    layers = sorted({(int(r["lovel"]), int(r["hivel"])) for r in regions})
    assert layers == [(lo, hi) for lo, hi, _ in VELOCITY_LAYERS]
    assert [lo for lo, _ in layers][1:] == [hi + 1 for _, hi in layers][:-1]  # 1-127 without gaps
    at_c4 = {int(r["lovel"]): r["sample"] for r in regions if int(r["pitch_keycenter"]) == 60}
    soft, loud = (sf.read(io.BytesIO(inst.files[at_c4[lo]]))[0] for lo in (1, 96))
    bright = [np.abs(np.fft.rfft(y))[3 * 262 - 20 : 3 * 262 + 20].max() / np.abs(np.fft.rfft(y)).max()
              for y in (soft, loud)]
    assert bright[1] > bright[0]  # the loud layer is brighter: rendered at its own velocity
    plain = build_sfz(SteadyToy(), np.zeros(4), Preset(model="vae", seed=3), tune=False)
    assert "lovel" not in plain.files[f"{plain.name}.sfz"].decode()  # no velocity knob: one layer
