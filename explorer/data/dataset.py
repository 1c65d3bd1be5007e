"""Writing the synthetic dataset: audio files, a labels table and a dataset card.

Layout of a dataset folder::

    audio/000000_plucked_string_052_090.flac   16-bit FLAC, 16 kHz mono, N_SAMPLES long
    labels.jsonl                               one JSON object per note, in index order
    dataset_card.json, dataset_card.md         what is in it, how it was made

Note ``i`` is fully determined by ``(seed, i)``: its family is ``families[i % len(families)]``
(so the families are balanced), and its pitch, velocity, timbre and noise come from a random
generator seeded with ``[seed, i]``. Hence a dataset of 100 notes is the first 100 notes of
one of 10,000, an interrupted run resumes where it stopped, and the same seed gives the same
files, byte for byte.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import sys
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from explorer.audio.constants import N_SAMPLES, PITCH_MAX, PITCH_MIN, SR
from explorer.audio.io import audio_bytes
from explorer.data.synth import FAMILIES, FAMILY_SPECS, SYNTH_VERSION, VELOCITIES, family_spec, synthesize_note
from explorer.errors import ParameterError

log = logging.getLogger(__name__)

FORMAT = "latent-audio-explorer/dataset@1"
LABELS = "labels.jsonl"
CARD_JSON, CARD_MD = "dataset_card.json", "dataset_card.md"
#: Notes finished but not yet in labels.jsonl (appended as they complete; a resume reads it).
JOURNAL = "labels.partial.jsonl"
AUDIO_DIR = "audio"
MAX_SIZE = 1_000_000


def note_plan(index: int, *, seed: int, families: tuple[str, ...]) -> dict:
    """What note ``index`` of a dataset is: family, pitch, velocity, note seed and file name."""
    family = families[index % len(families)]
    rng = np.random.default_rng([seed, index])
    lo, hi = family_spec(family).pitch_range
    pitch = int(rng.integers(lo, hi + 1))
    velocity = int(VELOCITIES[rng.integers(len(VELOCITIES))])
    note_seed = int(rng.integers(2**31))
    file = f"{AUDIO_DIR}/{index:06d}_{family}_{pitch:03d}_{velocity:03d}.flac"
    return {"index": index, "file": file, "family": family, "pitch": pitch, "velocity": velocity, "seed": note_seed}


def render_note(plan: dict, out_dir: str) -> dict:
    """Synthesize one planned note and write it atomically (temp file, then rename); its label."""
    y, params = synthesize_note(plan["family"], plan["pitch"], plan["velocity"], seed=plan["seed"])
    path = Path(out_dir) / plan["file"]
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp")
    tmp.write_bytes(audio_bytes(y, sr=SR, format="FLAC"))
    os.replace(tmp, path)
    return {**plan, "params": params}


def _check_args(size, seed, families, workers) -> tuple[str, ...]:
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or not 1 <= size <= MAX_SIZE:
        raise ParameterError(f"dataset size must be a whole number 1-{MAX_SIZE:,}, got {size!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**63:
        raise ParameterError(f"dataset seed must be a non-negative integer, got {seed!r}")
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or not 0 <= workers <= 64:
        raise ParameterError(f"workers must be a whole number 0-64, got {workers!r}")
    if families is None:
        return FAMILIES
    if isinstance(families, str):
        families = families.replace(",", " ").split()
    chosen = []
    for name in families:
        family_spec(name)  # ParameterError naming the choices
        if name not in chosen:
            chosen.append(name)
    if not chosen:
        raise ParameterError(f"choose at least one family: {', '.join(FAMILIES)}")
    return tuple(name for name in FAMILIES if name in chosen)  # canonical order: the plan depends on it


def _read_labels(path: Path) -> dict[int, dict]:
    """Labels by index from a JSON Lines file; a torn last line (an interrupted write) is skipped."""
    labels = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
                labels[int(row["index"])] = row
            except (ValueError, KeyError, TypeError):
                continue
    return labels


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


#: Card fields that must match for a run to resume into an existing synthetic dataset.
RESUME_KEYS = ("format", "seed", "families", "synth_version", "sr", "n_samples")


def check_existing(out: Path, config: dict, *, keys: tuple[str, ...], what: str = "dataset") -> None:
    """Refuse to write into ``out`` unless it is empty or holds a ``what`` made with the same
    ``config`` (the card's ``keys``), so a resume never mixes two datasets."""
    card = out / CARD_JSON
    if not card.is_file():
        if any(out.iterdir()):
            raise ParameterError(f"{out} is not empty and holds no dataset card; choose a new or empty folder")
        return
    try:
        old = json.loads(card.read_text(encoding="utf-8"))
    except ValueError:
        raise ParameterError(f"{card} is unreadable; choose a new folder or delete it") from None
    for key in keys:
        if old.get(key) != config[key]:
            raise ParameterError(
                f"{out} holds a dataset made with {key}={old.get(key)!r}, not {config[key]!r}; "
                f"choose a new folder to make a different {what}"
            )


def start_folder(out: Path, config: dict, *, keys: tuple[str, ...], what: str, card_extra: dict) -> None:
    """Create ``out`` (or check that it holds a run of the same ``config``), mark its card "in
    progress" and clear the temporary files an interrupted run left."""
    out.mkdir(parents=True, exist_ok=True)
    check_existing(out, config, keys=keys, what=what)
    if not (out / CARD_JSON).is_file():
        _write_text(out / CARD_JSON, json.dumps({**config, **card_extra, "status": "in progress"}, indent=2))
    (out / AUDIO_DIR).mkdir(exist_ok=True)
    for stale in (out / AUDIO_DIR).glob(".*.tmp"):
        stale.unlink()


def journal_labels(out: Path, labels, done: dict[int, dict], *, total: int, progress: bool) -> float:
    """Append each label to ``out``'s journal as it arrives, so an interrupted run resumes where it
    stopped, and into ``done`` by index; the seconds it took."""
    t0 = time.perf_counter()
    bar = _Progress(total, enabled=progress)
    with open(out / JOURNAL, "a+", encoding="utf-8") as journal:
        if journal.tell() > 0:
            journal.seek(journal.tell() - 1)
            if journal.read(1) != "\n":
                journal.write("\n")  # end a line torn by an interrupted run
        for label in labels:
            journal.write(json.dumps(label) + "\n")
            journal.flush()
            done[label["index"]] = label
            bar.update()
    bar.close()
    return time.perf_counter() - t0


def write_dataset(
    out_dir: str | os.PathLike,
    *, size: int = 10000, seed: int = 0, families: list[str] | tuple[str, ...] | None = None,
    workers: int = 2, progress: bool = True,
) -> Path:
    """Synthesize a dataset of ``size`` notes into ``out_dir`` (created if needed); resumable.

    Parameters
    ----------
    out_dir : folder; a folder already holding a dataset with the same seed and families is
        completed (finished notes are kept, a half-written file never counts), any other
        non-empty folder is refused.
    size : number of notes (1 - 1,000,000); growing a finished dataset adds notes to it.
    seed : dataset seed; the same seed gives the same files.
    families : subset of :data:`FAMILIES` (None: all), cycled in that order.
    workers : processes rendering in parallel (0 or 1: in this process).
    progress : show a progress bar on stderr.

    Returns
    -------
    out_dir : Path of the finished dataset.

    Raises
    ------
    ParameterError : bad size, seed, family or workers, or a folder holding something else.
    """
    chosen = _check_args(size, seed, families, workers)
    size, seed, workers = int(size), int(seed), int(workers)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ParameterError(f"{out} exists and is not a folder")
    config = {"format": FORMAT, "seed": seed, "families": list(chosen), "synth_version": SYNTH_VERSION,
              "sr": SR, "n_samples": N_SAMPLES}
    start_folder(out, config, keys=RESUME_KEYS, what="dataset", card_extra={"size": size})

    done = {**_read_labels(out / LABELS), **_read_labels(out / JOURNAL)}
    plans = [note_plan(i, seed=seed, families=chosen) for i in range(size)]
    todo = [p for p in plans if not (p["index"] in done and done[p["index"]].get("file") == p["file"]
                                     and (out / p["file"]).is_file())]
    log.info("dataset %s: %d of %d notes to render", out, len(todo), size)

    elapsed = journal_labels(out, _render_all(todo, out, workers), done, total=len(todo), progress=progress)

    rows = [done[i] for i in range(size)]
    _write_text(out / LABELS, "".join(json.dumps(r) + "\n" for r in rows))
    (out / JOURNAL).unlink(missing_ok=True)
    extra = sorted(i for i in done if i >= size)
    if extra:
        log.warning("%d notes beyond size=%d stay in %s but are not listed in %s", len(extra), size, out, LABELS)
    write_card(out, rows, config=config, render_s=elapsed, rendered=len(todo))
    return out


def _render_all(todo: list[dict], out: Path, workers: int):
    """Labels of the rendered notes, as they complete (any order)."""
    if workers <= 1 or len(todo) < 2 * workers:
        for plan in todo:
            yield render_note(plan, str(out))
        return
    # spawn: the workers import only numpy/scipy, whatever the parent has loaded (torch, threads).
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(workers) as pool:
        jobs = [(plan, str(out)) for plan in todo]
        yield from pool.imap_unordered(_render_job, jobs, chunksize=8)


def _render_job(job: tuple[dict, str]) -> dict:
    return render_note(*job)


def write_card(out: Path, rows: list[dict], *, config: dict, render_s: float, rendered: int) -> dict:
    """Write dataset_card.json and dataset_card.md describing ``rows`` (the labels); the card."""
    families = config["families"]
    by_family = Counter(r["family"] for r in rows)
    pitches = Counter(r["pitch"] for r in rows)
    size_bytes = sum((out / r["file"]).stat().st_size for r in rows)
    card = {
        **config,
        "status": "complete",
        "size": len(rows),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "audio": {"format": "FLAC", "subtype": "PCM_16", "channels": 1, "duration_s": N_SAMPLES / SR,
                  "release_at_s": 0.75 * N_SAMPLES / SR},
        "labels": LABELS,
        "counts": {"family": {f: by_family[f] for f in families},
                   "velocity": {str(v): sum(r["velocity"] == v for r in rows) for v in VELOCITIES}},
        "pitch_histogram": {str(p): pitches[p] for p in range(PITCH_MIN, PITCH_MAX + 1)},
        "pitch_range": {f: list(FAMILY_SPECS[f].pitch_range) for f in families},
        "generation": {"notes_rendered": rendered, "seconds": round(render_s, 1),
                       "notes_per_second": round(rendered / render_s, 1) if render_s > 0 and rendered else None},
        "size_on_disk_bytes": size_bytes,
    }
    _write_text(out / CARD_JSON, json.dumps(card, indent=2) + "\n")
    _write_text(out / CARD_MD, card_markdown(card))
    return card


def card_markdown(card: dict) -> str:
    """A short human-readable dataset card."""
    lines = [
        "# Synthetic note dataset",
        "",
        f"{card['size']:,} single notes, {card['sr']} Hz mono, {card['audio']['duration_s']:.3f} s each "
        f"(released at {card['audio']['release_at_s']:.3f} s), 16-bit FLAC; labels in `{card['labels']}`.",
        f"Made by `python -m explorer dataset --seed {card['seed']}` (synthesizer version "
        f"{card['synth_version']}) on {card['created']}; the same seed gives the same files.",
        f"Last run rendered {card['generation']['notes_rendered']:,} notes in {card['generation']['seconds']:.0f} s; "
        f"size on disk {card['size_on_disk_bytes'] / 2**20:.0f} MiB.",
        "",
        "| family | notes | MIDI pitches | how it is made |",
        "|---|---:|---|---|",
    ]
    for f in card["families"]:
        spec = FAMILY_SPECS[f]
        lo, hi = spec.pitch_range
        lines.append(f"| {spec.title} (`{f}`) | {card['counts']['family'][f]:,} | {lo}-{hi} | "
                     f"{spec.method} |")
    counts = card["counts"]["velocity"]
    lines += ["", "Velocities: " + ", ".join(f"{v}: {n:,}" for v, n in counts.items()) + ".", "",
              "## Pitch histogram", "", "```"]
    hist = {int(p): n for p, n in card["pitch_histogram"].items()}
    top = max(hist.values()) or 1
    for p in range(PITCH_MIN, PITCH_MAX + 1):
        lines.append(f"{p:3d} {'#' * round(40 * hist[p] / top):<40} {hist[p]}")
    lines += ["```", ""]
    return "\n".join(lines)


class _Progress:
    """A minimal progress bar on stderr (no dependency): count, rate and time left."""

    def __init__(self, total: int, *, enabled: bool):
        self.total, self.n, self.enabled = total, 0, enabled and total > 0
        self.t0 = self.last = time.perf_counter()
        self.tty = sys.stderr.isatty()

    def update(self) -> None:
        self.n += 1
        now = time.perf_counter()
        step = 0.2 if self.tty else 10.0
        if self.enabled and (now - self.last >= step or self.n == self.total):
            self.last = now
            rate = self.n / max(now - self.t0, 1e-9)
            left = (self.total - self.n) / rate if rate > 0 else 0.0
            filled = int(30 * self.n / self.total)
            text = (f"dataset [{'#' * filled}{'.' * (30 - filled)}] {self.n}/{self.total} "
                    f"{rate:.1f} notes/s, {left // 60:.0f}:{left % 60:02.0f} left")
            sys.stderr.write(("\r" + text) if self.tty else (text + "\n"))
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled and self.tty:
            sys.stderr.write("\n")
            sys.stderr.flush()
