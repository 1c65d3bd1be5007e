"""Collections for the map: a corpus folder, synthetic notes, a person's ZIP or files; bad input."""

import io
import zipfile

import numpy as np
import pytest
import soundfile as sf

from explorer.audio.constants import N_SAMPLES, SR
from explorer.data import collection as coll
from explorer.errors import AudioLoadError, ParameterError
from tests.sounds import wav_bytes, zip_bytes


def test_zip_of_sounds_and_other_files():
    data = zip_bytes({"notes/a.wav": wav_bytes(220), "notes/b.WAV": wav_bytes(440), "readme.txt": b"hi",
                      "__MACOSX/._a.wav": b"x", "notes/.hidden.wav": b"x"})
    members, others = coll.zip_members(data)
    assert [n for n, _ in members] == ["notes/a.wav", "notes/b.WAV"] and others == 3
    notes = coll.own_sounds(members)
    assert len(notes) == 2 and notes.audio.shape == (2, N_SAMPLES) and notes.names == ["a.wav", "b.WAV"]
    assert notes.pitch.tolist() == [57, 69]  # A3 and A4, measured
    assert notes.pitch_estimated and np.all(np.isfinite(notes.audio))


@pytest.mark.parametrize("data,words", [
    (zip_bytes({}), "empty"),
    (zip_bytes({"a.txt": b"x", "b.pdf": b"y"}), "no sounds"),
    (b"this is not a zip", "not a ZIP"),
])
def test_bad_zips_get_a_clear_message(data, words):
    with pytest.raises(AudioLoadError, match=words):
        coll.zip_members(data)


def test_too_many_sounds_are_refused_before_reading():
    data = zip_bytes({f"n{i}.wav": b"" for i in range(coll.MAX_SOUNDS + 1)})
    with pytest.raises(ParameterError, match="at most 5,000"):
        coll.zip_members(data)


def test_a_zip_bomb_is_refused_unread(monkeypatch):
    monkeypatch.setattr(coll, "MAX_ZIP_AUDIO_BYTES", 1000)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.wav", b"\0" * 100_000)
    with pytest.raises(AudioLoadError, match="MB unpacked"):
        coll.zip_members(buf.getvalue())


def test_bad_files_are_skipped_with_their_reason():
    notes = coll.own_sounds([("good.wav", wav_bytes()), ("fake.wav", b"not audio at all"), ("empty.wav", b""),
                             ("silent.wav", wav_bytes(0.0))])
    assert notes.names == ["good.wav"]
    reasons = dict(notes.skipped)
    assert set(reasons) == {"fake.wav", "empty.wav", "silent.wav"}
    assert "empty" in reasons["empty.wav"] and "silent" in reasons["silent.wav"]
    coll.check_usable(notes, given=4)
    none = coll.own_sounds([("fake.wav", b"nope")])
    with pytest.raises(AudioLoadError, match="none of the 1 file"):
        coll.check_usable(none, given=1)


def test_corpus_rows_spread_over_the_folder(tiny_data):
    rows = coll.corpus_rows(tiny_data, n=4)
    assert [r["index"] for r in rows] == [0, 4, 7, 11]
    notes = coll.corpus_notes(tiny_data, rows)
    assert len(notes) == 4 and notes.family == [r["family"] for r in rows]
    assert notes.pitch.tolist() == [r["pitch"] for r in rows]
    assert coll.corpus_folders(tiny_data.parent) == [tiny_data]


def test_synthetic_notes_are_the_dataset_notes(tiny_data):
    plans = coll.synth_plans(n=3, seed=3)
    notes = coll.synth_notes(plans)
    on_disk = coll.corpus_notes(tiny_data, coll.corpus_rows(tiny_data, n=12)[:3])
    np.testing.assert_allclose(notes.audio, on_disk.audio, atol=1e-4)  # 16-bit FLAC on disk


def test_join_and_selection_zip():
    a = coll.own_sounds([("x y.wav", wav_bytes(220))])
    b = coll.own_sounds([("x y.wav", wav_bytes(330)), ("bad.wav", b"no")])
    both = coll.Collection.join([a, b])
    assert len(both) == 2 and len(both.skipped) == 1 and both.pitch.shape == (2,)
    with zipfile.ZipFile(io.BytesIO(coll.selection_zip(both, [0, 1]))) as zf:
        assert zf.namelist() == ["x_y.wav", "x_y-2.wav"]
        y, sr = sf.read(io.BytesIO(zf.read("x_y.wav")))
    assert sr == SR and np.max(np.abs(y)) <= 0.892  # through the safety step: at most -1 dBFS


def test_joined_parts_share_one_copy_of_the_audio():
    """After a join, the cached parts hold views into the whole (same values, no second copy)."""
    parts = [coll.own_sounds([("a.wav", wav_bytes(220)), ("b.wav", wav_bytes(330))]),
             coll.own_sounds([("c.wav", wav_bytes(440))])]
    before = [p.audio.copy() for p in parts]
    whole = coll.Collection.join(parts)
    for p, old in zip(parts, before):
        assert np.shares_memory(p.audio, whole.audio)
        np.testing.assert_array_equal(p.audio, old)
    np.testing.assert_array_equal(whole.audio, np.concatenate(before))
    assert coll.Collection.join(parts).audio.shape == whole.audio.shape  # joining again (cache miss) still works


def test_a_sound_over_the_duration_limit_is_skipped_with_the_limit_said():
    buf = io.BytesIO()
    sf.write(buf, np.full(int(61 * 8000), 0.1, np.float32), 8000, format="WAV")
    notes = coll.own_sounds([("long.wav", buf.getvalue()), ("ok.wav", wav_bytes())])
    assert notes.names == ["ok.wav"]
    assert "too long (limit 60 s)" in dict(notes.skipped)["long.wav"]
