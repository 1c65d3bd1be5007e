"""Writing the dataset: deterministic per seed, resumable, labelled, with a card."""

import json

import numpy as np
import pytest
import soundfile as sf

from explorer.audio.constants import N_SAMPLES, SR
from explorer.data import dataset as ds_mod
from explorer.data import synthesize_note, write_dataset
from explorer.data.synth import FAMILIES
from explorer.errors import ParameterError


def files_of(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.name.startswith("dataset_card")}


def test_same_seed_same_files_whatever_the_workers(tmp_path):
    a = write_dataset(tmp_path / "a", size=12, seed=5, workers=1, progress=False)
    b = write_dataset(tmp_path / "b", size=12, seed=5, workers=2, progress=False)
    fa, fb = files_of(a), files_of(b)
    assert len(fa) == 13 and fa == fb  # 12 FLAC files + labels.jsonl, byte for byte
    c = write_dataset(tmp_path / "c", size=12, seed=6, workers=1, progress=False)
    assert files_of(c)["labels.jsonl"] != fa["labels.jsonl"]


def test_labels_audio_and_card(tmp_path):
    out = write_dataset(tmp_path / "d", size=12, seed=1, workers=1, progress=False)
    rows = [json.loads(line) for line in (out / "labels.jsonl").read_text().splitlines()]
    assert [r["index"] for r in rows] == list(range(12))
    assert [r["family"] for r in rows[:10]] == list(FAMILIES)  # balanced: families cycle
    for r in rows[:3]:
        y, sr = sf.read(out / r["file"], dtype="float32")
        assert sr == SR and y.shape == (N_SAMPLES,)
        assert sf.info(out / r["file"]).subtype == "PCM_16"
        ref, params = synthesize_note(r["family"], r["pitch"], r["velocity"], seed=r["seed"])
        assert params == r["params"]
        assert np.max(np.abs(y - ref)) < 2e-4  # 16-bit quantization only
    card = json.loads((out / "dataset_card.json").read_text())
    assert card["seed"] == 1 and card["size"] == 12 and card["status"] == "complete"
    assert sum(card["pitch_histogram"].values()) == 12
    assert sum(card["counts"]["family"].values()) == 12 and card["counts"]["family"]["voice"] == 1
    assert card["size_on_disk_bytes"] > 0 and card["generation"]["notes_rendered"] == 12
    md = (out / "dataset_card.md").read_text()
    assert "seed 1" in md and "Pitch histogram" in md and "voice" in md


def test_families_subset(tmp_path):
    out = write_dataset(tmp_path / "s", size=4, seed=0, families=["voice", "organ"], workers=1, progress=False)
    rows = [json.loads(line) for line in (out / "labels.jsonl").read_text().splitlines()]
    assert [r["family"] for r in rows] == ["organ", "voice", "organ", "voice"]  # canonical order


def test_resume_after_an_interruption(tmp_path, monkeypatch):
    fresh = files_of(write_dataset(tmp_path / "fresh", size=8, seed=2, workers=1, progress=False))

    real = ds_mod.render_note
    calls = {"n": 0}

    def dying(plan, out_dir):
        calls["n"] += 1
        if calls["n"] == 4:  # the machine dies while writing note 3: a temp file, no label
            (tmp_path / "run" / "audio" / ".000003_x.123.tmp").write_bytes(b"half a file")
            raise KeyboardInterrupt
        return real(plan, out_dir)

    monkeypatch.setattr(ds_mod, "render_note", dying)
    with pytest.raises(KeyboardInterrupt):
        write_dataset(tmp_path / "run", size=8, seed=2, workers=1, progress=False)
    assert not (tmp_path / "run" / "labels.jsonl").exists()
    with open(tmp_path / "run" / "labels.partial.jsonl", "a") as f:
        f.write('{"index": 7, "fi')  # a torn line
    first = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "run" / "audio").glob("*.flac")}
    assert len(first) == 3

    monkeypatch.setattr(ds_mod, "render_note", real)
    write_dataset(tmp_path / "run", size=8, seed=2, workers=1, progress=False)
    after = files_of(tmp_path / "run")
    assert after == fresh  # complete, no temp file, no journal, same bytes
    assert all((tmp_path / "run" / "audio" / n).stat().st_mtime_ns == t for n, t in first.items())  # kept
    card = json.loads((tmp_path / "run" / "dataset_card.json").read_text())
    assert card["generation"]["notes_rendered"] == 5

    # growing a finished dataset renders only the new notes; the first 8 are a prefix
    write_dataset(tmp_path / "run", size=10, seed=2, workers=1, progress=False)
    labels = (tmp_path / "run" / "labels.jsonl").read_text().splitlines()
    assert len(labels) == 10 and "\n".join(labels[:8]) + "\n" == fresh["labels.jsonl"].decode()


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"size": 0}, "size"),
        ({"size": "10"}, "size"),
        ({"size": 2_000_000}, "size"),
        ({"seed": -3}, "seed"),
        ({"families": ["kazoo"]}, "unknown family"),
        ({"families": []}, "at least one family"),
        ({"workers": -1}, "workers"),
    ],
)
def test_bad_arguments(tmp_path, kwargs, match):
    with pytest.raises(ParameterError, match=match):
        write_dataset(tmp_path / "x", **{"size": 2, "progress": False, **kwargs})


def test_refuses_a_foreign_or_different_folder(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.pdf").write_bytes(b"%PDF")
    with pytest.raises(ParameterError, match="not empty"):
        write_dataset(tmp_path / "mine", size=2, progress=False)
    write_dataset(tmp_path / "d", size=2, seed=1, workers=1, progress=False)
    with pytest.raises(ParameterError, match="seed"):
        write_dataset(tmp_path / "d", size=2, seed=2, workers=1, progress=False)
    (tmp_path / "file").write_text("x")
    with pytest.raises(ParameterError, match="not a folder"):
        write_dataset(tmp_path / "file", size=2, progress=False)
