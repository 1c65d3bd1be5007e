"""A collection of sounds to lay out on a map: notes of a corpus folder, synthetic notes made now,
a person's own sounds (several files or one ZIP), or notes drawn from a model.

Each source is a list of items (label rows, note plans, uploaded files, latents) and a function
that makes the notes of a slice of them, so a caller can make a big collection in parts (a
progress bar, a cache per part) and join them with :meth:`Collection.join`.

Every collection holds its notes the way the models hear them: 16 kHz mono, ``N_SAMPLES`` long,
onset-trimmed, peak at the dataset's note level, with a name, a MIDI pitch (-1: unknown), a MIDI
velocity (-1: unknown) and a family ("unknown" for a person's own sounds). Every problem with
what a person gave is an :class:`~explorer.errors.ExplorerError` with a message for them; one
bad file in a ZIP is skipped and said, not fatal.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
import soundfile as sf

from explorer.audio.constants import N_SAMPLES, PITCH_MAX, PITCH_MIN, SR
from explorer.audio.io import MAX_BYTES, MAX_DURATION_S, audio_bytes, load_audio
from explorer.audio.safety import make_safe
from explorer.data.dataset import LABELS, note_plan
from explorer.data.loader import AUDIO_EXTENSIONS, TRIM_DB
from explorer.data.synth import NOTE_PEAK_DBFS
from explorer.data.synth import FAMILIES, synthesize_note
from explorer.errors import AudioLoadError, ParameterError

#: A map of more sounds than this is refused (the page would freeze drawing and laying them out).
MAX_SOUNDS = 5000
#: All the audio in one ZIP, uncompressed, at most this many bytes (a ZIP bomb is refused unread).
MAX_ZIP_AUDIO_BYTES = 20 * MAX_BYTES


@dataclass
class Collection:
    """Notes to map: ``audio`` float32 [n x N_SAMPLES] at ``SR`` Hz (not yet through safety),
    ``names`` [n], ``pitch`` int [n] (MIDI, -1 unknown), ``velocity`` int [n] (-1 unknown),
    ``family`` [n]; ``skipped``: (name, reason) for what could not be used; ``pitch_estimated``:
    True where a pitch came from pYIN rather than a label."""

    audio: np.ndarray
    names: list[str]
    pitch: np.ndarray
    velocity: np.ndarray
    family: list[str]
    skipped: list[tuple[str, str]] = field(default_factory=list)
    pitch_estimated: bool = False

    def __len__(self) -> int:
        return len(self.names)

    @classmethod
    def join(cls, parts: list[Collection]) -> Collection:
        """The notes of ``parts``, in order (no part may be None; empty parts are fine).

        Each part's ``audio`` then becomes a view into the joined audio (same values): a
        cached part and the cached whole share one copy of the sound, not two (a 5,000-sound map
        holds 650 MB of audio)."""
        audio = np.concatenate([p.audio for p in parts]) if parts else np.zeros((0, N_SAMPLES), np.float32)
        start = 0
        for p in parts:
            p.audio = audio[start : start + len(p.audio)]
            start += len(p.audio)
        return cls(audio=audio,
                   names=[n for p in parts for n in p.names], pitch=np.concatenate([p.pitch for p in parts] or [[]]).astype(int),
                   velocity=np.concatenate([p.velocity for p in parts] or [[]]).astype(int),
                   family=[f for p in parts for f in p.family], skipped=[s for p in parts for s in p.skipped],
                   pitch_estimated=any(p.pitch_estimated for p in parts))

    def safe(self, i: int) -> np.ndarray:
        """Note ``i`` as a person hears it (through the safety step): float32 [N_SAMPLES]."""
        return make_safe(self.audio[i], sr=SR)


def check_count(n: int, what: str) -> None:
    """A ParameterError when ``what`` holds more than :data:`MAX_SOUNDS` sounds."""
    if n > MAX_SOUNDS:
        raise ParameterError(f"{what} holds {n:,} sounds; a map takes at most {MAX_SOUNDS:,}. "
                             "Split them into smaller sets.")


def _notes(audio: list[np.ndarray], rows: list[dict], names: list[str], **extra) -> Collection:
    """A collection of notes cut or padded to N_SAMPLES, labels from ``rows``."""
    out = np.zeros((len(audio), N_SAMPLES), np.float32)
    for k, y in enumerate(audio):
        out[k, : min(N_SAMPLES, len(y))] = y[:N_SAMPLES]
    return Collection(audio=out, names=names, pitch=np.array([r["pitch"] for r in rows], dtype=int),
                      velocity=np.array([r.get("velocity", -1) for r in rows], dtype=int),
                      family=[str(r.get("family", "unknown")) for r in rows], **extra)


def _note_name(row: dict) -> str:
    from explorer.audio.pitch import note_name

    who = row.get("instrument") or row.get("family", "note")
    return f"{who} {note_name(int(row['pitch']))} v{row.get('velocity', '?')} #{row.get('index', '')}"


# -------------------------------------------------------------------------------- a corpus


def corpus_folders(data_dir: str | os.PathLike) -> list[Path]:
    """Folders directly under ``data_dir`` holding a finished dataset or corpus (a
    ``dataset_card.json`` that is not still being written, and a ``labels.jsonl``)."""
    found = []
    for card in sorted(Path(data_dir).glob("*/dataset_card.json")):
        try:
            meta = json.loads(card.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(meta, dict) and meta.get("status", "complete") == "complete" and (card.parent / LABELS).is_file():
            found.append(card.parent)
    return found


def corpus_rows(root: str | os.PathLike, *, n: int) -> list[dict]:
    """The label rows of ``n`` notes of a dataset folder (one holding ``labels.jsonl``), spread
    evenly over it (every split: a map is for looking, not training)."""
    check_count(n, "That request")
    rows = []
    for line in (Path(root) / LABELS).read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
            rows.append({**row, "file": str(row["file"]), "pitch": int(row["pitch"]),
                         "velocity": int(row.get("velocity", -1)), "family": str(row.get("family", "unknown"))})
        except (ValueError, KeyError, TypeError):
            continue
    if not rows:
        raise AudioLoadError(f"{Path(root).name} holds no labelled notes")
    picks = np.unique(np.linspace(0, len(rows) - 1, min(n, len(rows))).round().astype(int))
    return [rows[i] for i in picks]


def corpus_notes(root: str | os.PathLike, rows: list[dict]) -> Collection:
    """The notes of label ``rows`` of the folder ``root``; a file gone missing or bad is skipped and listed."""
    audio, kept, skipped = [], [], []
    for row in rows:
        path = Path(root) / row["file"]
        try:
            y, sr = sf.read(path, dtype="float32")
            if sr != SR or y.ndim != 1 or not np.all(np.isfinite(y)):
                y = load_audio(path, sr=SR)
        except Exception as exc:  # noqa: BLE001 - one bad file is skipped, not the map
            skipped.append((row["file"], f"cannot be read ({type(exc).__name__})"))
            continue
        audio.append(y)
        kept.append(row)
    return _notes(audio, kept, [_note_name(r) for r in kept], skipped=skipped)


# ----------------------------------------------------------------------- synthetic, model


def synth_plans(*, n: int, seed: int = 0) -> list[dict]:
    """The first ``n`` notes of the synthetic dataset of ``seed`` (:func:`explorer.data.dataset.note_plan`)."""
    check_count(n, "That request")
    return [note_plan(i, seed=seed, families=FAMILIES) for i in range(n)]


def synth_notes(plans: list[dict]) -> Collection:
    """The planned notes synthesized now: the same notes ``python -m explorer dataset --seed SEED`` writes."""
    audio = [synthesize_note(p["family"], p["pitch"], p["velocity"], seed=p["seed"])[0] for p in plans]
    return _notes(audio, plans, [_note_name(p) for p in plans])


def drawn_notes(model, z: np.ndarray, *, pitch: int, first: int = 0) -> Collection:
    """The notes ``model`` renders for latents ``z`` [n x latent_dim] at MIDI ``pitch``, named
    "draw ``first``", "draw ``first + 1``", ... (their places among all the latents drawn)."""
    y = np.nan_to_num(model.render(np.asarray(z, np.float32), np.full(len(z), pitch))) if len(z) else []
    rows = [{"pitch": pitch, "family": "drawn"}] * len(z)
    return _notes(list(y), rows, [f"draw {first + k}" for k in range(len(z))])


# ---------------------------------------------------------------------- a person's own sounds


def is_audio_name(name: str) -> bool:
    """A file name a person's sounds may have (by its ending; hidden and macOS resource files are not)."""
    base = PurePosixPath(name).name
    return (base.lower().endswith(AUDIO_EXTENSIONS) and not base.startswith(".")
            and "__MACOSX" not in PurePosixPath(name).parts)


def zip_members(data: bytes) -> tuple[list[tuple[str, bytes]], int]:
    """The sound files of a ZIP, as (name, bytes), and how many other files it holds.

    Raises AudioLoadError for a file that is not a ZIP, an empty ZIP, one with no sound files,
    more than :data:`MAX_SOUNDS` of them or more than :data:`MAX_ZIP_AUDIO_BYTES` of audio.
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in zf.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError):
        raise AudioLoadError("that file is not a ZIP archive (or it is damaged)") from None
    if not infos:
        raise AudioLoadError("the ZIP is empty")
    sounds = [i for i in infos if is_audio_name(i.filename)]
    others = len(infos) - len(sounds)
    if not sounds:
        raise AudioLoadError(f"the ZIP holds {others} file(s) but no sounds "
                             f"(it needs {', '.join(e.lstrip('.') for e in AUDIO_EXTENSIONS)} files)")
    check_count(len(sounds), "The ZIP")
    if sum(i.file_size for i in sounds) > MAX_ZIP_AUDIO_BYTES:
        raise AudioLoadError(f"the sounds in the ZIP add up to more than {MAX_ZIP_AUDIO_BYTES // 2**20} MB unpacked")
    out = []
    for info in sounds:
        if info.file_size > MAX_BYTES:
            out.append((info.filename, b""))  # refused by name below, never unpacked
            continue
        try:
            out.append((info.filename, zf.read(info)))
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError):
            out.append((info.filename, b""))
    return out, others


def own_sounds(files: list[tuple[str, bytes]], *, fallback_pitch: int = 60) -> Collection:
    """A person's own sounds, (name, bytes) each: read with the app's limits (at most
    ``MAX_BYTES`` and ``MAX_DURATION_S`` each), trimmed, cut or padded to a note, brought to the
    dataset's note level, pitch estimated (:func:`note_pitches`; ``fallback_pitch`` where none is
    found; the family says which). A file that cannot be used is skipped with its reason (the collection
    may be empty: see :func:`check_usable`)."""
    audio, rows, names, skipped = [], [], [], []
    for name, data in files:
        short = PurePosixPath(name).name or name
        if len(data) > MAX_BYTES:
            skipped.append((short, f"larger than {MAX_BYTES // 2**20} MB"))
            continue
        try:
            y = load_audio(data, sr=SR, trim_db=TRIM_DB, max_duration_s=MAX_DURATION_S)
        except AudioLoadError as exc:
            skipped.append((short, str(exc).removeprefix("upload: ")))
            continue
        except Exception as exc:  # noqa: BLE001 - a decoder's own error: this file is skipped, not the map
            skipped.append((short, f"cannot be read ({type(exc).__name__})"))
            continue
        audio.append(y[:N_SAMPLES] * np.float32(10.0 ** (NOTE_PEAK_DBFS / 20.0) / max(float(np.max(np.abs(y))), 1e-9)))
        names.append(short)
    found = note_pitches(np.stack([np.pad(y, (0, N_SAMPLES - len(y))) for y in audio])) if audio else []
    rows = [{"pitch": int(p) if p >= 0 else fallback_pitch, "family": "pitch found" if p >= 0 else "no clear pitch"}
            for p in found]
    return _notes(audio, rows, names, skipped=skipped, pitch_estimated=True)


def note_pitches(notes: np.ndarray) -> np.ndarray:
    """MIDI pitch of each note (int [n]; -1 where none is clear or it lies outside the dataset's
    range), from CREPE's tiny model on the first second after the onset: no JIT compile and no
    numba (unlike pyin), so a map of uploads never compiles or crashes on the server.

    notes : np.ndarray [shape=(n, samples)] at :data:`SR`, each from its onset.
    """
    from explorer.evaluation.crepe_pitch import pitch_report

    report = pitch_report(notes[:, int(0.05 * SR) : int(1.05 * SR)], sr=SR)
    with np.errstate(invalid="ignore", divide="ignore"):
        midi = np.round(69 + 12 * np.log2(report.f0 / 440.0))
    ok = report.voiced & np.isfinite(midi) & (midi >= PITCH_MIN) & (midi <= PITCH_MAX)
    return np.where(ok, np.nan_to_num(midi), -1).astype(int)


def check_usable(collection: Collection, *, given: int) -> None:
    """An AudioLoadError when none of the ``given`` sounds could be used (the first reasons said)."""
    if len(collection) == 0:
        why = "; ".join(f"{n}: {r}" for n, r in collection.skipped[:3])
        raise AudioLoadError(f"none of the {given} file(s) could be used" + (f" ({why})" if why else ""))


def selection_zip(collection: Collection, indices) -> bytes:
    """A ZIP of the notes ``indices`` as 16-bit WAV files (through the safety step), named after them."""
    buf, used = io.BytesIO(), set()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for i in indices:
            stem = "".join(c if c.isalnum() or c in "-_#" else "_" for c in Path(collection.names[i]).stem)[:60]
            name = f"{stem or 'sound'}.wav"
            k = 1
            while name in used:
                k += 1
                name = f"{stem}-{k}.wav"
            used.add(name)
            zf.writestr(name, audio_bytes(collection.safe(int(i)), sr=SR))
    return buf.getvalue()

