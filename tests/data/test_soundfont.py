"""The real-instrument corpus: family map, pitch tracker, FluidSynth rendering, corpus writing, CLI.

Rendering tests use Debian's 6 MB TimGM6mb soundfont (apt package timgm6mb-soundfont) and
FluidSynth (libfluidsynth3 + pyfluidsynth); .ci/run installs them. Elsewhere they are skipped.
"""

import json
import os
from collections import Counter, defaultdict

import numpy as np
import pytest

from explorer.__main__ import main
from explorer.data.soundfont import corpus as corpus_mod
from explorer.data.soundfont import synth as synth_mod
from explorer.data.soundfont.families import FAMILIES, FAMILY_SPECS, exclusion_reason, family_of
from explorer.data.soundfont.quality import cents_from, check_note, estimate_f0
from explorer.data.soundfont.synth import TEST_SOUNDFONT, Instrument, SoundfontError
from explorer.errors import ParameterError

SR = 16000
SF = TEST_SOUNDFONT.name


def _have_fluidsynth() -> bool:
    try:
        synth_mod.fluidsynth()
        return TEST_SOUNDFONT.is_file()
    except SoundfontError:
        return False


needs_render = pytest.mark.skipif(
    not _have_fluidsynth() and not os.environ.get("CI"),
    reason="needs FluidSynth and TimGM6mb (apt-get install libfluidsynth3 timgm6mb-soundfont; pip install pyfluidsynth)")


def files_of(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.name.startswith("dataset_card")}


def labels_of(root, name="labels.jsonl"):
    return [json.loads(line) for line in (root / name).read_text().splitlines()]


# ---------------------------------------------------------------------------- family map


@pytest.mark.parametrize("bank, program, name, family", [
    (0, 0, "Acoustic Grand Piano", "piano"), (8, 4, "Detuned EP 1", "piano"), (0, 11, "Vibraphone", "mallet"),
    (8, 14, "Church Bell", "mallet"), (0, 19, "Church Organ", "organ"), (0, 24, "Nylon Guitar", "guitar"),
    (0, 33, "Finger Bass", "bass"), (0, 40, "Violin", "strings"), (0, 46, "Harp", "strings"),
    (0, 48, "Strings", "strings"), (0, 52, "Choir Aahs", "voice"), (0, 53, "Voice Oohs", "voice"),
    (0, 56, "Trumpet", "brass"), (0, 65, "Alto Sax", "reed"), (0, 73, "Flute", "flute"),
    (0, 81, "Saw Lead", "synth_lead"), (0, 89, "Warm Pad", "synth_pad"), (20, 49, "Violins Slow", "strings"),
])
def test_gm_programs_map_to_their_family(bank, program, name, family):
    assert family_of(bank, program, name) == family


@pytest.mark.parametrize("bank, program, name, why", [
    (128, 0, "Standard", "drum kit"), (128, 56, "SFX", "drum kit"), (0, 47, "Timpani", "timpani"),
    (0, 55, "Orchestra Hit", "orchestra hit"), (0, 98, "Crystal", "synth effects"), (0, 105, "Banjo", "ethnic"),
    (0, 115, "Woodblock", "percussive"), (0, 127, "Gun Shot", "sound effects"), (9, 125, "Burst Noise", "sound"),
    (17, 56, "Trumpet Expr.", "expression"),
])
def test_drums_effects_and_expression_presets_are_left_out(bank, program, name, why):
    assert family_of(bank, program, name) is None and why in exclusion_reason(bank, program, name)


def test_every_program_has_a_family_or_a_reason():
    for program in range(128):
        fam, why = family_of(0, program), exclusion_reason(0, program)
        assert (fam is None) != (why is None)
    counts = Counter(family_of(0, p) for p in range(128))
    assert counts.pop(None) == 34 and set(counts) == set(FAMILIES)
    assert [f for f in FAMILIES if not FAMILY_SPECS[f].harmonic] == ["mallet"]
    assert [f for f in FAMILIES if FAMILY_SPECS[f].octaves] == ["organ"]


# --------------------------------------------------------------------------- pitch tracker


def _tone(f0, *, harmonics=20, missing_fundamental=False, n=32768):
    t = np.arange(n) / SR
    ks = [k for k in range(1, harmonics + 1) if k * f0 < 0.45 * SR and not (missing_fundamental and k == 1)]
    return (sum(np.sin(2 * np.pi * k * f0 * t) / k for k in ks) * np.exp(-t)).astype(np.float32)


@pytest.mark.parametrize("midi", [24, 36, 48, 60, 72, 84])
@pytest.mark.parametrize("kind", ["sine", "bright", "missing fundamental"])
def test_yin_finds_the_pitch_of_known_tones(midi, kind):
    f0 = 440.0 * 2 ** ((midi - 69) / 12)
    y = _tone(f0, harmonics=1 if kind == "sine" else 20, missing_fundamental=kind == "missing fundamental")
    assert abs(cents_from(estimate_f0(y, sr=SR), midi)) < 10.0


def test_yin_hears_no_pitch_in_noise_or_silence():
    assert estimate_f0(np.random.default_rng(0).standard_normal(32768), sr=SR) is None
    assert estimate_f0(np.zeros(32768), sr=SR) is None


def test_check_note_drops_silent_and_off_pitch_notes():
    y = _tone(261.63)
    assert check_note(y, sr=SR, pitch=60, harmonic=True)[0] is None
    assert check_note(y * 1e-4, sr=SR, pitch=60, harmonic=True)[0] == "silent"  # about -80 dBFS
    reason, m = check_note(y, sr=SR, pitch=61, harmonic=True)  # 100 cents sharp of its label
    assert reason == "off pitch" and m["pitch_cents"] == pytest.approx(-100, abs=5)
    assert check_note(y, sr=SR, pitch=61, harmonic=False)[0] is None  # mallets are never dropped for pitch
    assert check_note(y, sr=SR, pitch=72, harmonic=True)[0] == "off pitch"  # an octave below its label
    assert check_note(y, sr=SR, pitch=72, harmonic=True, octaves=True)[0] is None  # organ: a 16-foot stop
    assert check_note(y, sr=SR, pitch=73, harmonic=True, octaves=True)[0] == "off pitch"
    noise = np.random.default_rng(1).standard_normal(32768).astype(np.float32) * 0.1
    assert check_note(noise, sr=SR, pitch=60, harmonic=True)[0] == "no clear pitch"


# ------------------------------------------------------------------------------- rendering


@pytest.fixture(scope="module")
def synth():
    with synth_mod.SoundfontSynth([TEST_SOUNDFONT]) as s:
        yield s


@needs_render
@pytest.mark.parametrize("program, pitch", [(0, 60), (56, 57), (40, 67), (73, 72), (33, 36), (65, 50), (52, 64)])
def test_rendered_notes_sound_at_their_label(synth, program, pitch):
    y = synth.render(Instrument(SF, 0, program, "", family_of(0, program)), pitch, 100)
    assert y.shape == (32768,) and y.dtype == np.float32 and np.all(np.isfinite(y))
    reason, m = check_note(y, sr=SR, pitch=pitch, harmonic=True)
    assert reason is None and abs(m["pitch_cents"]) < 50.0


@needs_render
def test_a_note_does_not_depend_on_the_note_before(synth):
    trumpet = Instrument(SF, 0, 56, "Trumpet", "brass")
    with synth_mod.SoundfontSynth([TEST_SOUNDFONT]) as fresh:
        alone = fresh.render(trumpet, 60, 75)
    for program, pitch, velocity in [(19, 36, 127), (0, 30, 25), (48, 72, 127), (33, 40, 100), (10, 70, 50)]:
        synth.render(Instrument(SF, 0, program, "", ""), pitch, velocity)  # loud, long, panned, sustained
        assert np.array_equal(synth.render(trumpet, 60, 75), alone)  # nothing leaks in from before


@needs_render
def test_sounding_cells_follow_the_presets_key_ranges(synth):
    cells = synth.sounding_cells(Instrument(SF, 0, 56, "Trumpet", "brass"), range(0, 128), (25, 127))
    assert sorted({p for p, _ in cells}) == list(range(12, 120))  # TimGM6mb's trumpet: keys 12-119
    assert len(cells) == 2 * 108
    assert synth.sounding_cells(Instrument(SF, 0, 56, "", ""), [60], [0]) == []  # velocity 0 is a note-off


# -------------------------------------------------------------------------------- planning


def test_splits_are_by_program_and_never_share_an_instrument():
    insts = [Instrument(sf, bank, prog, "", family_of(bank, prog)) for sf in ("a.sf2", "b.sf3")
             for bank in (0, 8) for prog in range(128) if family_of(bank, prog)]
    splits = corpus_mod.assign_splits(insts, seed=0)
    assert splits == corpus_mod.assign_splits(insts, seed=0) != corpus_mod.assign_splits(insts, seed=1)
    by_family = defaultdict(Counter)
    for (family, _), split in splits.items():
        by_family[family][split] += 1
    assert by_family["brass"] == {"train": 6, "valid": 1, "test": 1}
    assert by_family["strings"] == {"train": 9, "valid": 1, "test": 1}
    assert by_family["voice"] == {"train": 1, "valid": 1, "test": 1}


def test_cell_order_visits_every_cell_once_and_spreads_the_start():
    cells = [(p, v) for p in range(24, 85) for v in corpus_mod.VELOCITIES if not (p > 80 and v == 25)]
    order = corpus_mod.cell_order(cells, rng=np.random.default_rng(0))
    assert sorted(order) == sorted(cells)
    first = order[:61]
    assert len({p for p, _ in first}) == 61  # one note per pitch before any pitch repeats
    assert max(Counter(v for _, v in first).values()) <= 13  # velocities cycle
    low = sum(p < 55 for p, _ in order[:8])
    assert 2 <= low <= 6  # the first few notes spread over the range


# ---------------------------------------------------------------------------------- corpus


@needs_render
def test_same_seed_same_files_whatever_the_workers(tmp_path):
    kw = {"soundfonts": [TEST_SOUNDFONT], "size": 24, "families": ["brass", "reed", "bass"], "progress": False}
    a = corpus_mod.write_corpus(tmp_path / "a", seed=3, workers=1, **kw)
    b = corpus_mod.write_corpus(tmp_path / "b", seed=3, workers=2, **kw)
    fa, fb = files_of(a), files_of(b)
    assert len([f for f in fa if f.endswith(".flac")]) == len(labels_of(a)) >= 18
    assert fa == fb  # every FLAC, labels.jsonl and dropped.jsonl, byte for byte
    c = corpus_mod.write_corpus(tmp_path / "c", seed=4, workers=1, **kw)
    assert files_of(c)["labels.jsonl"] != fa["labels.jsonl"]


@needs_render
def test_corpus_labels_splits_and_card(tmp_path):
    out = corpus_mod.write_corpus(tmp_path / "gm", soundfonts=[TEST_SOUNDFONT], size=120, seed=0, workers=1,
                                  progress=False)
    rows, dropped = labels_of(out), labels_of(out, "dropped.jsonl")
    assert len(rows) + len(dropped) == 120
    split_of = defaultdict(set)
    for r in rows + dropped:
        split_of[r["instrument_id"]].add(r["split"])
        split_of[("program", r["family"], r["program"])].add(r["split"])
    assert all(len(s) == 1 for s in split_of.values())  # no instrument (nor program) in two splits
    assert {r["split"] for r in rows} == {"train", "valid", "test"}
    assert len({r["instrument_id"] for r in rows + dropped}) == 94  # every instrument before any repeats
    assert {r["family"] for r in rows} == set(FAMILIES)
    for key in ("file", "path", "soundfont", "bank", "program", "instrument", "family", "pitch", "velocity", "split"):
        assert all(key in r for r in rows)
    import soundfile as sf

    for r in rows[:5]:
        y, sr = sf.read(out / r["file"], dtype="float32")
        assert sr == SR and y.shape == (32768,) and np.max(np.abs(y)) <= 0.85
        f0 = estimate_f0(y, sr=SR)  # the stored file still sounds at its label
        if FAMILY_SPECS[r["family"]].harmonic:
            assert abs(cents_from(f0, r["pitch"])) <= 50
    assert all(d["dropped"] in ("silent", "no clear pitch", "off pitch") for d in dropped)
    assert not any((out / d["file"]).exists() for d in dropped)
    card = json.loads((out / "dataset_card.json").read_text())
    assert card["source"] == "soundfont" and card["size"] == len(rows) and card["planned"] == 120
    assert card["sources"][0]["package"] == "timgm6mb-soundfont" and card["sources"][0]["licence"] == "GPL-2"
    assert sum(card["counts"]["split_notes"].values()) == len(rows)
    assert card["dropped"]["total"] == len(dropped)
    assert sum(sum(v.values()) for v in card["dropped"]["by_family"].values()) == len(dropped)
    octave_off = sum(d["dropped"] == "off pitch" and abs(abs(d["pitch_cents"]) - 1200) < 50 for d in dropped)
    assert sum(card["dropped"]["off_pitch_by_whole_octaves"].values()) >= octave_off
    assert card["excluded_presets"]["drum kit (bank 128)"] == 8
    md = (out / "dataset_card.md").read_text()
    assert "timgm6mb-soundfont" in md and "Quality control" in md and "test programs" in md

    from explorer.data.loader import NoteDataset

    train = NoteDataset(out)
    assert len(train) == sum(r["split"] == "train" for r in rows)  # training never reads held-out instruments
    assert len(NoteDataset(out, split="test")) == sum(r["split"] == "test" for r in rows)
    assert len(NoteDataset(out, split=None)) == len(rows)


@needs_render
def test_resume_after_an_interruption(tmp_path, monkeypatch):
    kw = {"soundfonts": [TEST_SOUNDFONT], "size": 10, "seed": 2, "workers": 1, "progress": False,
          "families": ["guitar", "bass"]}
    fresh = files_of(corpus_mod.write_corpus(tmp_path / "fresh", **kw))
    real, calls = corpus_mod.render_planned, {"n": 0}

    def dying(synth, plan, out_dir):
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt
        return real(synth, plan, out_dir)

    monkeypatch.setattr(corpus_mod, "render_planned", dying)
    with pytest.raises(KeyboardInterrupt):
        corpus_mod.write_corpus(tmp_path / "run", **kw)
    assert not (tmp_path / "run" / "labels.jsonl").exists()
    monkeypatch.setattr(corpus_mod, "render_planned", real)
    corpus_mod.write_corpus(tmp_path / "run", **kw)
    assert files_of(tmp_path / "run") == fresh
    card = json.loads((tmp_path / "run" / "dataset_card.json").read_text())
    assert card["generation"]["notes_rendered"] == 6
    corpus_mod.write_corpus(tmp_path / "run", **kw)  # nothing left to render: same files, same run figures
    assert files_of(tmp_path / "run") == fresh
    assert json.loads((tmp_path / "run" / "dataset_card.json").read_text())["generation"] == card["generation"]
    with pytest.raises(ParameterError, match="seed"):
        corpus_mod.write_corpus(tmp_path / "run", **{**kw, "seed": 3})


@pytest.mark.parametrize("kwargs, match", [
    ({"size": 0}, "size"), ({"seed": -1}, "seed"), ({"families": ["kazoo"]}, "unknown family"),
    ({"families": []}, "at least one family"), ({"workers": -1}, "workers"),
])
def test_bad_arguments(tmp_path, kwargs, match):
    with pytest.raises(ParameterError, match=match):
        corpus_mod.write_corpus(tmp_path / "x", **{"soundfonts": [TEST_SOUNDFONT], "progress": False, **kwargs})


# ------------------------------------------------------------------------------------- CLI


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "Traceback" not in err and len(err.splitlines()) == 1
    return err


def test_cli_without_an_installed_soundfont_names_the_package(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(synth_mod, "DEFAULT_SOUNDFONTS", (tmp_path / "FluidR3_GM.sf2", tmp_path / "MuseScore.sf3"))
    assert main(["dataset", "--source", "soundfont", "--out", str(tmp_path / "gm")]) == 2
    err = _one_error_line(capsys)
    assert "fluid-soundfont-gm" in err and "apt-get install" in err
    assert not (tmp_path / "gm").exists()


def test_cli_bad_soundfont_paths(tmp_path, capsys):
    assert main(["dataset", "--source", "soundfont", "--soundfont", str(tmp_path / "nope.sf2"),
                 "--out", str(tmp_path / "gm")]) == 2
    assert "nope.sf2 not found" in _one_error_line(capsys)
    assert main(["dataset", "--soundfont", str(TEST_SOUNDFONT), "--out", str(tmp_path / "s")]) == 2
    assert "--source soundfont" in _one_error_line(capsys)


@needs_render
def test_cli_a_file_that_is_not_a_soundfont(tmp_path, capsys):
    bad = tmp_path / "notes.sf2"
    bad.write_text("not a RIFF file")
    assert main(["dataset", "--source", "soundfont", "--soundfont", str(bad), "--out", str(tmp_path / "gm")]) == 2
    assert "not a soundfont" in _one_error_line(capsys)


def test_cli_without_fluidsynth_names_what_to_install(tmp_path, monkeypatch, capsys):
    import sys

    monkeypatch.setattr(synth_mod, "_FS", None)
    monkeypatch.setitem(sys.modules, "fluidsynth", None)  # import fails as when the library is missing
    assert main(["dataset", "--source", "soundfont", "--soundfont", str(TEST_SOUNDFONT),
                 "--out", str(tmp_path / "gm")]) == 2
    err = _one_error_line(capsys)
    assert "libfluidsynth3" in err and "pyfluidsynth" in err


@needs_render
def test_cli_writes_a_small_corpus(tmp_path, capsys):
    out = tmp_path / "gm"
    assert main(["dataset", "--source", "soundfont", "--soundfont", str(TEST_SOUNDFONT), "--size", "6",
                 "--families", "reed", "--workers", "1", "--out", str(out)]) == 0
    assert "corpus written to" in capsys.readouterr().out
    assert {r["family"] for r in labels_of(out)} == {"reed"}
