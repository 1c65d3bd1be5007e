"""The loader: our dataset folder, or any folder of sounds, bad files and all."""

import logging

import librosa
import numpy as np
import pytest
import soundfile as sf
import torch
from torch.utils.data import DataLoader

from explorer.audio.constants import N_SAMPLES, SR
from explorer.data import NoteDataset, load_arrays, synthesize_note, write_dataset
from explorer.errors import ParameterError


@pytest.fixture(scope="module")
def user_folder(tmp_path_factory):
    """Good sounds (mono 44.1 kHz, 6-channel, 96 kHz with leading silence, a long one) and bad files."""
    root = tmp_path_factory.mktemp("user sounds")
    (root / "takes" / "more").mkdir(parents=True)
    y, _ = synthesize_note("reed", 57, 90, seed=1)
    sf.write(root / "a_reed.wav", librosa.resample(y, orig_sr=SR, target_sr=44100), 44100)
    y, _ = synthesize_note("voice", 64, 127, seed=2)
    sf.write(root / "takes" / "six_channels.wav", np.tile(y[:, None], (1, 6)) * 0.4, SR)
    y, _ = synthesize_note("organ", 45, 127, seed=3)
    hi = np.concatenate([np.zeros(96000 // 2, np.float32), librosa.resample(y, orig_sr=SR, target_sr=96000)])
    sf.write(root / "takes" / "more" / "hi_res.flac", hi, 96000)
    y, _ = synthesize_note("brass", 52, 90, seed=4)
    sf.write(root / "takes" / "long.ogg", np.concatenate([y, y, y]), SR)
    # the bad ones
    (root / "corrupt.wav").write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(256)) * 8)
    (root / "empty.flac").write_bytes(b"")
    (root / "not_audio.mp3").write_text("these are my lecture notes\n" * 40)
    sf.write(root / "silence.wav", np.zeros(SR, np.float32), SR)
    (root / "readme.txt").write_text("not a sound, and not named like one")
    (root / ".hidden.wav").write_bytes(b"junk")
    return root


def test_user_folder_survives_bad_files(user_folder, tmp_path, caplog):
    before = sorted(p.name for p in user_folder.rglob("*"))
    with caplog.at_level(logging.WARNING, logger="explorer.data.loader"):
        ds = NoteDataset(user_folder, cache_dir=tmp_path / "cache")
    assert len(ds) == 4
    assert ds.n_skipped == 4  # corrupt, empty, not audio, silent
    assert sorted(f for f, _ in ds.skipped) == ["corrupt.wav", "empty.flac", "not_audio.mp3", "silence.wav"]
    assert "skipped 4 unreadable" in caplog.text
    assert sorted(p.name for p in user_folder.rglob("*")) == before  # nothing written into the user's folder
    assert (tmp_path / "cache" / "pitch_estimates.json").is_file()

    by_file = {it["file"]: it for it in ds.items}
    assert by_file["a_reed.wav"]["pitch"] == 57
    assert by_file["takes/six_channels.wav"]["pitch"] == 64
    assert by_file["takes/more/hi_res.flac"]["pitch"] == 45
    assert by_file["takes/long.ogg"]["pitch"] == 52
    for i in range(len(ds)):
        item = ds[i]
        assert item["audio"].dtype == torch.float32 and item["audio"].shape == (N_SAMPLES,)
        assert torch.isfinite(item["audio"]).all() and item["audio"].abs().max() <= 10 ** (-1 / 20)
        assert item["family"] == "unknown" and item["velocity"] == -1
    # the 96 kHz file had half a second of silence in front: trimmed, so the note starts at once
    hi = ds[[it["file"] for it in ds.items].index("takes/more/hi_res.flac")]["audio"].numpy()
    assert np.sqrt(np.mean(hi[:1600] ** 2)) > 0.01


def test_pitch_estimates_are_cached(user_folder, tmp_path, monkeypatch):
    NoteDataset(user_folder, cache_dir=tmp_path)
    from explorer.data import loader

    monkeypatch.setattr(loader, "_memory_cache", {})
    monkeypatch.setattr(loader, "estimate_pitch", lambda *a, **k: pytest.fail("pYIN ran again"))
    ds = NoteDataset(user_folder, cache_dir=tmp_path)  # served from the disk cache
    assert sorted(it["pitch"] for it in ds.items) == [45, 52, 57, 64]
    ds = NoteDataset(user_folder, cache_dir=False, estimate_pitch=False, max_items=2)
    assert [it["pitch"] for it in ds.items] == [-1, -1]


def test_load_arrays_on_a_user_folder(user_folder, tmp_path):
    arrays = load_arrays(user_folder, cache_dir=tmp_path)
    assert arrays["audio"].shape == (4, N_SAMPLES) and arrays["audio"].dtype == np.float32
    assert arrays["pitch"].dtype == np.int64 and set(arrays["family"]) == {"unknown"}


def test_our_dataset_with_labels(tmp_path):
    root = write_dataset(tmp_path / "d", size=6, seed=4, workers=1, progress=False)
    ds = NoteDataset(root)
    assert len(ds) == 6 and ds.n_skipped == 0
    batch = next(iter(DataLoader(ds, batch_size=3)))
    assert batch["audio"].shape == (3, N_SAMPLES) and batch["pitch"].dtype == torch.int64
    assert batch["family"] == ["plucked_string", "bowed_string", "brass"]
    arrays = load_arrays(root, max_items=4)
    assert arrays["audio"].shape == (4, N_SAMPLES)
    assert list(arrays["family"]) == ["plucked_string", "bowed_string", "brass", "reed"]
    only = load_arrays(root, families=["brass"])
    assert list(only["family"]) == ["brass"]

    # a file gone missing is skipped at the scan; one gone bad later is stepped over, not fatal
    files = sorted((root / "audio").glob("*.flac"))
    files[0].unlink()
    files[1].write_bytes(b"garbage")
    ds = NoteDataset(root)
    assert len(ds) == 5 and ds.n_skipped == 1
    assert ds[0]["family"] == "brass"  # note 1 is unreadable: the next note is served
    assert len(load_arrays(root)["pitch"]) == 4


def test_bad_arguments(tmp_path):
    with pytest.raises(ParameterError, match="not found"):
        NoteDataset(tmp_path / "nowhere")
    with pytest.raises(ParameterError, match="max_items"):
        NoteDataset(tmp_path, max_items=-1)
    assert len(NoteDataset(tmp_path)) == 0  # an empty folder is empty, not an error
