"""Feeding training from our dataset folder or from any folder of a user's sound files.

Two kinds of folder are understood:

- **ours** (it holds ``labels.jsonl``, see :mod:`explorer.data.dataset` and
  :mod:`explorer.data.soundfont.corpus`): notes come with their pitch, velocity and family, and in
  the soundfont corpus a ``split`` (train / valid / test, by instrument); files are read as they
  are needed.
- **anyone's**: every wav/flac/ogg/mp3/aiff file below the folder (recursively), each read
  once up front: downmixed, resampled to ``sr``, leading and trailing silence trimmed, cut or
  padded to ``n_samples``, peak-normalized; pitch estimated with librosa's pYIN (or -1 when
  the sound has no clear pitch). Unreadable files are skipped and counted in the log; the
  estimates are cached in memory and in a cache folder outside the user's folder.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Literal

import librosa
import numpy as np
import soundfile as sf
import torch
from torch.utils.data import Dataset

from explorer.audio.constants import N_SAMPLES, PITCH_MAX, PITCH_MIN, SR
from explorer.audio.io import load_audio
from explorer.data.dataset import LABELS
from explorer.data.synth import NOTE_PEAK_DBFS
from explorer.errors import AudioLoadError, ParameterError

log = logging.getLogger(__name__)

#: File name endings read from a user's folder (case-insensitive).
AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".oga", ".mp3", ".aif", ".aiff")
#: Where pitch estimates of users' files are cached unless told otherwise.
DEFAULT_CACHE_DIR = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "latent-audio-explorer"
PITCH_CACHE_FILE = "pitch_estimates.json"
#: Silence below this many dB under the peak is trimmed from the ends of a user's sound.
TRIM_DB = 40.0
#: A pitch estimate needs at least this fraction of voiced pYIN frames.
MIN_VOICED = 0.3

_memory_cache: dict[str, int] = {}


class NoteDataset(Dataset):
    """Notes from our dataset folder or any folder of sounds, as a torch Dataset.

    Parameters
    ----------
    root : folder (ours, with labels.jsonl, or a user's).
    sr : int, sample rate to deliver, Hz.
    n_samples : int, length of every note, samples (cut or zero-padded).
    families : only these families (ours); a user's sounds are family "unknown".
    max_items : at most this many notes (the first ones, in file order).
    split : notes whose label has a ``split`` are kept only when it is this one (default
        "train", so training never sees held-out instruments); notes without one (the synthetic
        set, a user's folder) are always kept. None keeps every split.
    estimate_pitch : estimate the pitch of unlabelled sounds with pYIN (else pitch -1).
    cache_dir : folder for the pitch-estimate cache (None: ``DEFAULT_CACHE_DIR``; False:
        memory only). Nothing is ever written into ``root``.

    Items are dicts: ``audio`` Tensor[n_samples] float32, ``pitch`` int (MIDI, -1 unknown),
    ``velocity`` int (-1 unknown), ``family`` str ("unknown" if not labelled), ``index`` int
    (position in this dataset), ``file`` str (path relative to ``root``).

    Attributes
    ----------
    skipped : list of (file, reason) for the files that could not be used.
    """

    def __init__(
        self,
        root: str | os.PathLike,
        *,
        sr: int = SR,
        n_samples: int = N_SAMPLES,
        families: list[str] | tuple[str, ...] | None = None,
        max_items: int | None = None,
        split: str | None = "train",
        estimate_pitch: bool = True,
        cache_dir: str | os.PathLike | None | Literal[False] = None,
    ):
        self.root = Path(root)
        if not self.root.is_dir():
            raise ParameterError(f"dataset folder {self.root} not found")
        if not (isinstance(sr, int) and 1000 <= sr <= 192000):
            raise ParameterError(f"sr must be a whole number of Hz, 1000-192000, got {sr!r}")
        if not (isinstance(n_samples, int) and n_samples > 0):
            raise ParameterError(f"n_samples must be a positive whole number, got {n_samples!r}")
        if max_items is not None and not (isinstance(max_items, int) and max_items >= 0):
            raise ParameterError(f"max_items must be a non-negative whole number, got {max_items!r}")
        self.sr, self.n_samples = sr, n_samples
        self.skipped: list[tuple[str, str]] = []
        self._audio: list[np.ndarray] | None = None  # user folders: prepared up front
        if (self.root / LABELS).is_file():
            self.labelled = True
            self.items = self._scan_labelled(families, max_items, split)
        else:
            self.labelled = False
            self.items, self._audio = self._scan_folder(families, max_items, estimate_pitch, cache_dir)
        if self.skipped:
            log.warning("skipped %d unreadable file(s) in %s: %s", len(self.skipped), self.root,
                        "; ".join(why for _, why in self.skipped[:5])
                        + (" ..." if len(self.skipped) > 5 else ""))
        if not self.items:
            log.warning("no usable notes in %s", self.root)

    @property
    def n_skipped(self) -> int:
        return len(self.skipped)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> dict:
        """Note ``index``; should its file have gone bad since the scan, the next good note is
        served instead (logged), so one file never stops a training run."""
        for step in range(len(self.items)):
            i = (index + step) % len(self.items)
            try:
                audio = self._load(i)
            except Exception as exc:
                log.warning("cannot read %s (%s); serving the next note instead", self.items[i]["file"], exc)
                continue
            item = self.items[i]
            return {"audio": torch.from_numpy(audio), "pitch": item["pitch"], "velocity": item["velocity"],
                    "family": item["family"], "index": i, "file": item["file"]}
        raise AudioLoadError(f"no note in {self.root} can be read")

    def _load(self, index: int) -> np.ndarray:
        """The samples of note ``index``, float32 [n_samples]; raises if its file is unreadable."""
        if self._audio is not None:
            return self._audio[index]
        path = self.root / self.items[index]["file"]
        y, file_sr = sf.read(path, dtype="float32")  # our own files: the fast path
        if file_sr != self.sr or y.ndim != 1 or not np.all(np.isfinite(y)):
            return load_audio(path, sr=self.sr, duration=self.n_samples / self.sr)
        return librosa.util.fix_length(y, size=self.n_samples)

    # ---------------------------------------------------------------------------------- ours

    def _scan_labelled(self, families, max_items, split) -> list[dict]:
        items, bad_lines = [], 0
        for line in (self.root / LABELS).read_text(encoding="utf-8").splitlines():
            if max_items is not None and len(items) >= max_items:
                break
            try:
                row = json.loads(line)
                item = {"file": str(row["file"]), "pitch": int(row["pitch"]), "velocity": int(row.get("velocity", -1)),
                        "family": str(row.get("family", "unknown"))}
            except (ValueError, KeyError, TypeError):
                bad_lines += line.strip() != ""
                continue
            if families is not None and item["family"] not in families:
                continue
            if split is not None and row.get("split", split) != split:
                continue
            path = self.root / item["file"]
            if not path.is_file() or path.stat().st_size == 0:
                self.skipped.append((item["file"], f"{item['file']}: missing or empty"))
                continue
            items.append(item)
        if bad_lines:
            log.warning("%s: ignored %d malformed line(s)", self.root / LABELS, bad_lines)
        return items

    # ---------------------------------------------------------------------------- a user's

    def _scan_folder(self, families, max_items, estimate_pitch, cache_dir):
        if families is not None and "unknown" not in families:
            return [], []
        cache = _PitchCache(cache_dir)
        items, audio, ignored = [], [], 0
        for path in _audio_files(self.root):
            if max_items is not None and len(items) >= max_items:
                break
            rel = path.relative_to(self.root).as_posix()
            if path.suffix.lower() not in AUDIO_EXTENSIONS:
                ignored += 1
                continue
            try:
                y = self._prepare(path)
            except Exception as exc:  # AudioLoadError, or anything a decoder throws
                reason = str(exc) if isinstance(exc, AudioLoadError) else f"{rel}: {type(exc).__name__}: {exc}"
                log.info("skipping %s", reason)
                self.skipped.append((rel, reason))
                continue
            pitch = cache.pitch(path, self.sr, self.n_samples, y) if estimate_pitch else -1
            items.append({"file": rel, "pitch": pitch, "velocity": -1, "family": "unknown"})
            audio.append(y)
            if len(items) % 100 == 0:
                log.info("%s: %d sounds ready", self.root, len(items))
        cache.save()
        if ignored:
            log.info("%s: ignored %d file(s) that are not audio (by name)", self.root, ignored)
        return items, audio

    def _prepare(self, path: Path) -> np.ndarray:
        """A user's sound as a note: trimmed, cut/padded to n_samples, peak at -1.5 dBFS."""
        y = load_audio(path, sr=self.sr, trim_db=TRIM_DB)
        if y.size > self.n_samples:
            y = y[: self.n_samples].copy()
            n = min(int(0.01 * self.sr), self.n_samples)
            y[-n:] *= np.linspace(1.0, 0.0, n, dtype=np.float32)  # no click where it was cut
        y = librosa.util.fix_length(y, size=self.n_samples)
        peak = float(np.max(np.abs(y)))
        if peak <= 0.0:
            raise AudioLoadError(f"{path.name}: silent after trimming")
        return (y * (10.0 ** (NOTE_PEAK_DBFS / 20.0) / peak)).astype(np.float32)


def _audio_files(root: Path):
    """Every file below ``root`` in a stable order, hidden files and folders left out."""
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(folder) / name


def estimate_pitch(y: np.ndarray, *, sr: int) -> int:
    """MIDI pitch of a note by pYIN (median over voiced frames of its first second), or -1.

    y : np.ndarray [shape=(n,)], the note from its onset.
    """
    seg = y[int(0.05 * sr) : int(1.05 * sr)]
    if seg.size < 2048:
        return -1
    f0, voiced, _ = librosa.pyin(seg, sr=sr, frame_length=2048,
                                 fmin=float(librosa.midi_to_hz(PITCH_MIN - 1)),
                                 fmax=float(librosa.midi_to_hz(PITCH_MAX + 1)))
    if voiced.mean() < MIN_VOICED:
        return -1
    midi = int(np.round(librosa.hz_to_midi(np.nanmedian(f0[voiced]))))
    return midi if PITCH_MIN <= midi <= PITCH_MAX else -1


class _PitchCache:
    """pYIN estimates keyed by file identity (path, size, mtime) and note settings; in memory and
    optionally in a JSON file in a cache folder (never the user's folder)."""

    def __init__(self, cache_dir):
        self.path = None if cache_dir is False else Path(cache_dir or DEFAULT_CACHE_DIR) / PITCH_CACHE_FILE
        self.disk: dict[str, int] = {}
        self.dirty = False
        if self.path is not None and self.path.is_file():
            try:
                self.disk = {str(k): int(v) for k, v in json.loads(self.path.read_text()).items()}
            except (ValueError, AttributeError, TypeError, OSError):
                log.warning("pitch cache %s is unreadable; starting afresh", self.path)

    def pitch(self, path: Path, sr: int, n_samples: int, y: np.ndarray) -> int:
        st = path.stat()
        key = hashlib.sha1(f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}|{sr}|{n_samples}|{TRIM_DB}".encode()).hexdigest()
        if key in _memory_cache:
            value = _memory_cache[key]
        elif key in self.disk:
            value = _memory_cache[key] = self.disk[key]
        else:
            value = _memory_cache[key] = estimate_pitch(y, sr=sr)
        if self.path is not None and self.disk.get(key) != value:
            self.disk[key] = value
            self.dirty = True
        return value

    def save(self) -> None:
        if self.path is None or not self.dirty:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(self.disk))
            os.replace(tmp, self.path)
            log.info("pitch estimates cached in %s", self.path)
        except OSError as exc:
            log.warning("could not write the pitch cache %s (%s); estimates kept in memory", self.path, exc)


def load_arrays(
    root: str | os.PathLike,
    *,
    max_items: int | None = None,
    sr: int = SR,
    n_samples: int = N_SAMPLES,
    families: list[str] | tuple[str, ...] | None = None,
    split: str | None = "train",
    estimate_pitch: bool = True,
    cache_dir: str | os.PathLike | None | Literal[False] = None,
) -> dict[str, np.ndarray]:
    """Every note of a folder in RAM, for fast training (arguments as :class:`NoteDataset`).

    Returns
    -------
    arrays : dict of np.ndarray
        ``audio`` float32 [n x n_samples]; ``pitch`` int64 [n] (MIDI, -1 unknown);
        ``velocity`` int64 [n] (-1 unknown); ``family`` str [n]; ``index`` int64 [n] (position in
        ``NoteDataset(root, ...)``);
        ``file`` str [n] (relative to ``root``).
    """
    ds = NoteDataset(root, sr=sr, n_samples=n_samples, families=families, max_items=max_items, split=split,
                     estimate_pitch=estimate_pitch, cache_dir=cache_dir)
    audio = np.zeros((len(ds), n_samples), dtype=np.float32)
    keep = np.ones(len(ds), dtype=bool)

    def read(i: int) -> None:
        try:
            audio[i] = ds._load(i)
        except Exception as exc:  # dropped, not replaced: labels must stay with their audio
            log.warning("skipping %s: %s", ds.items[i]["file"], exc)
            keep[i] = False

    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:  # decoding releases the GIL
        list(pool.map(read, range(len(ds))))
    items = [it for it, k in zip(ds.items, keep) if k]
    return {
        "audio": audio[keep] if not keep.all() else audio,
        "pitch": np.array([it["pitch"] for it in items], dtype=np.int64),
        "velocity": np.array([it["velocity"] for it in items], dtype=np.int64),
        "family": np.array([it["family"] for it in items], dtype=str),
        "index": np.flatnonzero(keep).astype(np.int64),
        "file": np.array([it["file"] for it in items], dtype=str),
    }
