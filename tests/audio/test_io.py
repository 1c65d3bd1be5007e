"""Loading a user's audio (every kind of bad file gets a clear AudioLoadError) and writing ours."""

from __future__ import annotations

import io
import tracemalloc

import numpy as np
import pytest
import soundfile as sf

from explorer.audio.io import audio_bytes, load_audio, write_audio
from explorer.audio.safety import make_safe
from explorer.audio.spectrum import power_spectrum
from explorer.errors import AudioLoadError
from tests.audio.signals import tone


def encode(y: np.ndarray, sr: int, format: str = "WAV", subtype: str | None = None) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, y, sr, format=format, subtype=subtype)
    return buf.getvalue()


def peak_hz(y: np.ndarray, sr: int) -> float:
    freqs, psd = power_spectrum(y, sr=sr)
    return float(freqs[np.argmax(psd)])


WAV_1S = encode(tone(440.0), 16000)

BAD_FILES = {
    "empty": (b"", "empty"),
    "text": (b"this is not audio\n" * 50, "not a readable audio file"),
    "png image": (b"\x89PNG\r\n\x1a\n" + bytes(300), "not a readable audio file"),
    "random bytes": (np.random.default_rng(0).bytes(5000), "not a readable audio file"),
    "wav header cut short": (WAV_1S[:30], "not a readable audio file"),
    "riff with garbage": (b"RIFF" + bytes(4) + b"WAVEfmt " + bytes(100), "not a readable audio file"),
    "silent wav": (encode(np.zeros(16000, np.float32), 16000), "silent"),
    "-90 dBFS wav": (encode(tone(440.0, amp=3e-5), 16000, subtype="FLOAT"), "silent"),
    "nan samples": (encode(np.full(1000, np.nan, np.float32), 16000, subtype="FLOAT"), "invalid"),
    "too long (61 s)": (encode(tone(440.0, 61.0, sr=1000), 1000), "too long"),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_bad_files_give_a_clear_error(name):
    data, message = BAD_FILES[name]
    with pytest.raises(AudioLoadError, match=message):
        load_audio(data, sr=16000)


def test_truncated_wav_loads_what_it_holds():
    y = load_audio(WAV_1S[:8000], sr=16000)  # header + ~4000 samples
    assert 0 < y.size < 16000 and np.all(np.isfinite(y))


def test_limits_are_checked_for_paths_bytes_and_file_objects(tmp_path):
    path = tmp_path / "big.wav"
    path.write_bytes(WAV_1S)
    for source in (path, str(path), WAV_1S, io.BytesIO(WAV_1S)):
        if hasattr(source, "seek"):
            source.seek(0)
        with pytest.raises(AudioLoadError, match="larger than"):
            load_audio(source, sr=16000, max_bytes=10_000)
    with pytest.raises(AudioLoadError, match="too long"):
        load_audio(path, sr=16000, max_duration_s=0.5)
    with pytest.raises(AudioLoadError, match="no such file"):
        load_audio(tmp_path / "missing.wav", sr=16000)
    with pytest.raises(AudioLoadError, match="empty"):
        (tmp_path / "empty.wav").write_bytes(b"")
        load_audio(tmp_path / "empty.wav", sr=16000)


def test_six_channels_are_downmixed_to_mono():
    channels = np.zeros((16000, 6), np.float32)
    channels[:, 2] = tone(440.0)  # only the centre channel sounds
    y = load_audio(encode(channels, 16000), sr=16000)
    assert y.shape == (16000,) and y.dtype == np.float32
    np.testing.assert_allclose(y, tone(440.0) / 6, atol=1e-4)


def test_many_channels_are_mixed_down_block_by_block():
    # 8 channels x 10 s at 48 kHz: 15 MB as one float32 array; block by block only the mono mix
    # (1.9 MB) and one block of channels are ever held
    t = np.arange(480_000) / 48_000
    channels = np.stack([np.sin(2 * np.pi * (200 + 50 * c) * t) * 0.1 for c in range(8)], axis=1)
    data = encode(channels.astype(np.float32), 48_000, subtype="PCM_24")
    tracemalloc.start()
    y = load_audio(data, sr=48_000)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    np.testing.assert_allclose(y, channels.mean(axis=1), atol=1e-4)
    assert peak < 5 * 2**20, f"decoding held {peak / 2**20:.1f} MB"
    cut = load_audio(data, sr=48_000, keep_s=2.5)  # a cut that ends inside a block
    np.testing.assert_allclose(cut, channels[:120_000].mean(axis=1), atol=1e-4)


def test_sample_rates_above_192_khz_are_refused_before_decoding():
    with pytest.raises(AudioLoadError, match="384 kHz is above the 192 kHz"):
        load_audio(encode(tone(1000.0, 0.2, sr=384_000), 384_000), sr=16000)


def test_96_khz_is_resampled():
    y = load_audio(encode(tone(1000.0, 1.0, sr=96000), 96000, subtype="PCM_24"), sr=16000)
    assert y.shape == (16000,)
    assert abs(peak_hz(y, 16000) - 1000.0) < 4.0


@pytest.mark.parametrize("format, subtype", [("FLAC", "PCM_16"), ("OGG", "VORBIS"), ("MP3", "MPEG_LAYER_III")])
def test_compressed_formats(format, subtype):
    try:
        data = encode(tone(440.0), 16000, format=format, subtype=subtype)
    except Exception as exc:  # this libsndfile cannot write it
        pytest.skip(f"soundfile cannot write {format}: {exc}")
    y = load_audio(data, sr=16000)
    assert 15000 < y.size < 17500
    assert abs(peak_hz(y, 16000) - 440.0) < 4.0


def test_duration_trims_or_pads_and_trim_db_cuts_silence():
    assert load_audio(WAV_1S, sr=16000, duration=0.5).shape == (8000,)
    padded = load_audio(WAV_1S, sr=16000, duration=2.0)
    assert padded.shape == (32000,) and not np.any(padded[16000:])
    gappy = np.concatenate([np.zeros(8000, np.float32), tone(440.0), np.zeros(8000, np.float32)])
    assert load_audio(encode(gappy, 16000), sr=16000, trim_db=40).size < 18000


def test_audio_bytes_round_trip_and_refusals(tmp_path):
    y = make_safe(tone(440.0), sr=16000)
    back, sr = sf.read(io.BytesIO(audio_bytes(y, sr=16000)), dtype="float32")
    assert sr == 16000 and np.max(np.abs(back - y)) < 1e-4  # 16-bit
    flac, _ = sf.read(io.BytesIO(audio_bytes(y, sr=16000, format="FLAC")), dtype="float32")
    assert np.max(np.abs(flac - y)) < 1e-4
    for suffix in (".wav", ".flac"):
        write_audio(tmp_path / f"out{suffix}", y, sr=16000)
        assert sf.info(str(tmp_path / f"out{suffix}")).frames == y.size
    with pytest.raises(ValueError):
        audio_bytes(np.full(10, np.nan, np.float32), sr=16000)
    with pytest.raises(ValueError):
        audio_bytes(np.ones(10, np.float32), sr=16000)  # 0 dBFS: run make_safe first
    with pytest.raises(ValueError):
        audio_bytes(np.zeros((2, 10), np.float32), sr=16000)


def test_a_long_upload_is_cut_to_what_is_used_not_refused():
    """The GP page uses the first 10 s of a clip: a 61 s file is cut there (keep_s), not refused;
    without keep_s the duration limit still refuses it."""
    long = encode(tone(440.0, 61.0, sr=1000), 1000)
    y = load_audio(long, sr=1000, keep_s=10.0)
    assert y.size == 10_000
    with pytest.raises(AudioLoadError, match="too long"):
        load_audio(long, sr=1000)


def test_the_vae_encodes_a_long_upload():
    from explorer.models.vae import model as vae

    enc = vae.encode_sound(vae.debug_model(), encode(tone(440.0, 61.0, sr=16000), 16000), pitch=69)
    assert enc.pitch == 69 and np.all(np.isfinite(enc.z))
