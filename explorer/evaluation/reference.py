"""The real notes every figure is measured against: reading a dataset folder's split.

A dataset folder (``python -m explorer dataset``) holds ``labels.jsonl``. The soundfont corpus
labels each note with its ``instrument`` and a ``split`` (train / valid / test, by instrument:
test instruments are never heard in training). The synthetic dataset has no instruments; there
a fixed pseudo-random fifth of the notes (by index) stands in for the test split, and the
shipped synthetic models may have been trained on those very notes (say so beside any figure).

Real vs real: the test notes are shuffled with a fixed seed and dealt into two disjoint halves
A and B; generated notes are compared with half A, and half B with half A by the same code
(``real_*`` fields).
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from explorer.audio.constants import N_SAMPLES, SR
from explorer.errors import ExplorerError

LABELS = "labels.jsonl"
#: Fraction of a dataset without ``split`` labels that stands in for its test split.
SYNTH_TEST_FRACTION = 0.2
SPLIT_SEED = 20241201


@dataclass
class Notes:
    """Real notes in RAM. audio float32 [n x N_SAMPLES] (as recorded: no safety step); pitch int
    [n] (MIDI); family, instrument str [n] (instrument "" when the dataset has none); velocity int
    [n] (MIDI, -1 when the dataset has none)."""

    audio: np.ndarray
    pitch: np.ndarray
    family: np.ndarray
    instrument: np.ndarray
    velocity: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.pitch)

    def take(self, idx: np.ndarray) -> "Notes":
        return Notes(self.audio[idx], self.pitch[idx], self.family[idx], self.instrument[idx],
                     None if self.velocity is None else self.velocity[idx])


def read_labels(root: Path) -> list[dict]:
    """The items of ``root/labels.jsonl``; a clear error when there is none."""
    path = Path(root) / LABELS
    if not path.is_file():
        raise ExplorerError(f"{root} holds no dataset ({LABELS} missing)")
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def splits(items: list[dict]) -> np.ndarray:
    """The split of each item: its ``split`` label, or for unsplit (synthetic) data "test" for a
    fixed pseudo-random ``SYNTH_TEST_FRACTION`` of the notes and "train" for the rest."""
    if items and all("split" in it for it in items):
        return np.array([str(it["split"]) for it in items])
    test = np.random.default_rng(SPLIT_SEED).random(len(items)) < SYNTH_TEST_FRACTION
    return np.where(test, "test", "train")


def has_instruments(items: list[dict]) -> bool:
    return bool(items) and all("instrument" in it for it in items)


def read_note(path: Path) -> np.ndarray:
    """One note file as float32 [N_SAMPLES] at 16 kHz mono (cut or zero-padded)."""
    y, sr = sf.read(path, dtype="float32", always_2d=True)
    y = y.mean(axis=1)
    if sr != SR:
        from explorer.audio.io import load_audio

        y = load_audio(path, sr=SR)
    out = np.zeros(N_SAMPLES, np.float32)
    out[: min(len(y), N_SAMPLES)] = y[:N_SAMPLES]
    return out


def load_notes(root: Path, *, split: str | tuple[str, ...], n: int | None = None, seed: int = 0,
               pitch_range: tuple[int, int] | None = None) -> Notes:
    """Notes of ``split`` (one name or several) from the dataset folder ``root``.

    n : at most this many, drawn without replacement with ``seed`` (all, in file order, if None)
    pitch_range : only notes with MIDI pitch in [lo, hi]
    """
    root = Path(root)
    items = read_labels(root)
    which = (split,) if isinstance(split, str) else tuple(split)
    keep = np.isin(splits(items), which)
    if pitch_range is not None:
        p = np.array([int(it.get("pitch", -1)) for it in items])
        keep &= (p >= pitch_range[0]) & (p <= pitch_range[1])
    idx = np.flatnonzero(keep)
    if n is not None and n < len(idx):
        idx = np.sort(np.random.default_rng(seed).choice(idx, n, replace=False))
    if not len(idx):
        raise ExplorerError(f"{root} has no {'/'.join(which)} notes")
    chosen = [items[i] for i in idx]
    with ThreadPoolExecutor(max_workers=4) as pool:  # decoding releases the GIL
        audio = np.stack(list(pool.map(lambda it: read_note(root / it["file"]), chosen)))
    return Notes(
        audio=audio,
        pitch=np.array([int(it["pitch"]) for it in chosen]),
        family=np.array([str(it["family"]) for it in chosen]),
        instrument=np.array([str(it.get("instrument", "")) for it in chosen]),
        velocity=np.array([int(it.get("velocity", -1)) for it in chosen]),
    )


def halves(notes: Notes, *, seed: int = SPLIT_SEED) -> tuple[Notes, Notes]:
    """Two disjoint halves of ``notes`` (shuffled with ``seed``), of equal size."""
    order = np.random.default_rng(seed).permutation(len(notes))
    h = len(order) // 2
    return notes.take(np.sort(order[:h])), notes.take(np.sort(order[h : 2 * h]))


#: Where ``eval`` looks for the real corpus, in order: the one ``python -m explorer dataset
#: --source soundfont --out data/gm`` writes, then the evaluation's own, built on first use.
CORPUS_DIR_NAME = "gm"
EVAL_CORPUS_SIZE = 2500
BUILD_COMMAND = "python -m explorer dataset --source soundfont --out data/gm"


def user_cache_dir() -> Path:
    """The user's cache folder for the app (``$XDG_CACHE_HOME`` or ~/.cache), never the checkout."""
    import os

    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "latent-audio-explorer"


def _is_dataset(path: Path) -> bool:
    return (Path(path) / LABELS).is_file()


def locate_real_data(data: Path | None = None, *, build: bool = True, log=print) -> Path:
    """The real dataset folder ``eval`` compares against.

    ``data`` given: it must hold a dataset. Otherwise ``data/gm`` in the checkout, else the
    evaluation corpus in the user cache folder (``EVAL_CORPUS_SIZE`` planned notes of the
    soundfont corpus, ~20 % of them held-out instruments), rendered there on first use with a
    progress bar when ``build`` is true. Raises :class:`ExplorerError` naming the one command that
    makes the data when it cannot be found or built.
    """
    from explorer.paths import DATA_DIR

    if data is not None:
        if not _is_dataset(Path(data)):
            raise ExplorerError(f"{data} holds no dataset (no {LABELS}); make the real corpus with: {BUILD_COMMAND}")
        return Path(data)
    for candidate in (DATA_DIR / CORPUS_DIR_NAME, user_cache_dir() / f"eval-gm-{EVAL_CORPUS_SIZE}"):
        if _is_dataset(candidate) and not (candidate / "labels.partial.jsonl").exists():
            return candidate
    target = user_cache_dir() / f"eval-gm-{EVAL_CORPUS_SIZE}"
    try:
        from explorer.data.soundfont import write_corpus
    except ImportError:
        raise ExplorerError(f"no real corpus found; make it with: {BUILD_COMMAND}") from None
    if not build:
        raise ExplorerError(f"no real corpus found; make it with: {BUILD_COMMAND}")
    log(f"building the evaluation corpus in {target} (first use only; {EVAL_CORPUS_SIZE} notes)")
    try:
        write_corpus(target, size=EVAL_CORPUS_SIZE, progress=True)
    except ExplorerError as exc:
        raise ExplorerError(f"could not build the evaluation corpus ({exc}); make it with: {BUILD_COMMAND}") from None
    return target


SYNTH_EVAL_SIZE = 3000


def locate_synth_data(default: Path, *, log=print) -> Path:
    """``default`` (data/synth) when it holds a dataset, else the synthetic dataset (3000 notes,
    seed 0) in the user cache folder, written there on first use with a progress bar."""
    if _is_dataset(default):
        return default
    target = user_cache_dir() / f"eval-synth-{SYNTH_EVAL_SIZE}"
    if not _is_dataset(target) or (target / "labels.partial.jsonl").exists():
        from explorer.data import write_dataset

        log(f"{default} not found: writing the synthetic evaluation dataset to {target} (first use only)")
        write_dataset(target, size=SYNTH_EVAL_SIZE, seed=0, progress=True)
    return target
