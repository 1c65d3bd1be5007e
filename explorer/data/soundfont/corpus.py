"""Writing the real-instrument corpus: NSynth's protocol over General MIDI soundfonts.

Every instrument (soundfont, bank, program) of the corpus families, at every MIDI pitch 24-84 and
every velocity of :data:`VELOCITIES` where the preset has a sample, rendered by FluidSynth
(:mod:`explorer.data.soundfont.synth`), checked (:mod:`explorer.data.soundfont.quality`) and
stored in the synthetic dataset's layout (:mod:`explorer.data.dataset`)::

    audio/000000_brass_FluidR3_GM-000-056_060_100.flac   16-bit FLAC, 16 kHz mono, 32768 samples
    labels.jsonl        the kept notes, in index order (file, path, soundfont, bank, program,
                        instrument, family, pitch, velocity, split, and what QC measured)
    dropped.jsonl       the notes QC dropped, with the reason and the measures
    dataset_card.json, dataset_card.md

Splits are by instrument: within each family the GM programs are dealt to test, valid and train
(about 10 %, 10 %, 80 %, at least one program each where a family has three or more), and every
soundfont's and bank's version of a program goes where its program goes. MuseScore General is
built from Fluid R3's samples and bank variations reuse their program's samples, so splitting
(soundfont, bank, program) triples would let a test instrument's samples into training.

Note ``i`` of the full plan is fixed by the seed: instruments take turns (in an order drawn from
the seed), and each instrument's notes come in an order that spreads pitches over its range and
cycles the velocities; ``--size N`` keeps the first N planned notes, so a small corpus samples
every instrument, pitch region and velocity evenly, and is the start of the full one. The same
seed gives the same files, byte for byte, whatever the number of workers; an interrupted run
resumes where it stopped.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import multiprocessing
import os
import time
from collections import Counter, defaultdict
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import numpy as np

from explorer.audio.constants import N_SAMPLES, PITCH_MAX, PITCH_MIN, SR
from explorer.audio.io import audio_bytes
from explorer.data.dataset import (
    AUDIO_DIR,
    CARD_JSON,
    CARD_MD,
    FORMAT,
    JOURNAL,
    LABELS,
    _read_labels,
    _write_text,
    journal_labels,
    start_folder,
)
from explorer.data.soundfont import quality
from explorer.data.soundfont.families import FAMILIES, FAMILY_SPECS, exclusion_reason, family_of
from explorer.data.soundfont.synth import (
    GAIN,
    OVERSAMPLE,
    RELEASE_SAMPLE,
    RENDER_SR,
    Instrument,
    SoundfontSynth,
    find_soundfonts,
    finish_note,
    fluidsynth_version,
    source_of,
)
from explorer.data.synth import NOTE_PEAK_DBFS
from explorer.errors import ParameterError

log = logging.getLogger(__name__)

SOURCE = "soundfont"
#: Bumped whenever a change to rendering or QC changes the files (corpora record it).
CORPUS_VERSION = 2  # 2: organ notes a whole number of octaves off count as on pitch
#: Velocities every (instrument, pitch) is rendered at, as in NSynth.
VELOCITIES = (25, 50, 75, 100, 127)
PITCHES = tuple(range(PITCH_MIN, PITCH_MAX + 1))
SPLITS = ("train", "valid", "test")
#: Share of each family's programs held out for test, and again for validation.
HELD_OUT = 0.1
DROPPED = "dropped.jsonl"
_MAX_WORKERS = 64


# ------------------------------------------------------------------------------------ plan


def list_instruments(synth: SoundfontSynth, soundfonts: list[Path], families: tuple[str, ...]):
    """The corpus instruments of ``soundfonts`` (in order; presets by bank, program), and the
    presets left out as ``{soundfont, bank, program, name, reason}``."""
    instruments, excluded = [], []
    for path in soundfonts:
        for bank, program, name in synth.presets(path.name):
            family = family_of(bank, program, name)
            if family is None or family not in families:
                reason = exclusion_reason(bank, program, name) or "family not chosen"
                excluded.append({"soundfont": path.name, "bank": bank, "program": program, "name": name,
                                 "reason": reason})
                continue
            instruments.append(Instrument(path.name, bank, program, name, family))
    return instruments, excluded


def assign_splits(instruments: list[Instrument], *, seed: int) -> dict[tuple[str, int], str]:
    """Split of each (family, program): within a family, programs are shuffled by the seed and
    dealt to test, valid, then train (see the module docstring)."""
    programs = defaultdict(set)
    for inst in instruments:
        programs[inst.family].add(inst.program)
    splits = {}
    for k, family in enumerate(FAMILIES):
        progs = sorted(programs.get(family, ()))
        order = np.random.default_rng([seed, 7, k]).permutation(len(progs))
        n = len(progs)
        n_held = max(1, round(HELD_OUT * n)) if n >= 3 else (1 if n == 2 else 0)
        n_valid = n_held if n >= 3 else 0
        for rank, i in enumerate(order):
            split = "test" if rank < n_held else "valid" if rank < n_held + n_valid else "train"
            splits[(family, progs[i])] = split
    return splits


def _spread(n: int) -> list[int]:
    """0..n-1 in bit-reversed order: any prefix is spread evenly over the range."""
    bits = max(1, math.ceil(math.log2(max(n, 2))))
    return [r for r in (int(f"{k:0{bits}b}"[::-1], 2) for k in range(1 << bits)) if r < n]


def cell_order(cells: list[tuple[int, int]], *, rng: np.random.Generator) -> list[tuple[int, int]]:
    """An instrument's (pitch, velocity) cells in planning order: round ``b`` visits every pitch
    once (bit-reversed, from a drawn offset) at velocities shifted by ``b``, so the first
    ``n_pitches`` notes cover the range once with velocities cycling, and all cells appear once."""
    have = set(cells)
    pitches = sorted({p for p, _ in cells})
    if not pitches:
        return []
    offset, vshift = int(rng.integers(len(pitches))), int(rng.integers(len(VELOCITIES)))
    order = [pitches[(r + offset) % len(pitches)] for r in _spread(len(pitches))]
    out = []
    for b in range(len(VELOCITIES)):
        for a, p in enumerate(order):
            v = VELOCITIES[(a + b + vshift) % len(VELOCITIES)]
            if (p, v) in have:
                out.append((p, v))
    return out


def corpus_plan(instruments: list[Instrument], cells: dict[str, list], splits: dict, *, seed: int) -> list[dict]:
    """Every note of the full corpus, in planning order (note ``i`` has index ``i``)."""
    turn = np.random.default_rng([seed, 11]).permutation(len(instruments))
    queued = []
    for position, i in enumerate(turn):
        inst = instruments[i]
        order = cell_order(cells[inst.id], rng=np.random.default_rng([seed, 13, int(i)]))
        queued += [(rank, position, inst, p, v) for rank, (p, v) in enumerate(order)]
    queued.sort(key=lambda q: (q[0], q[1]))
    plan = []
    for index, (_, _, inst, pitch, velocity) in enumerate(queued):
        file = f"{AUDIO_DIR}/{index:06d}_{inst.family}_{inst.slug}_{pitch:03d}_{velocity:03d}.flac"
        plan.append({"index": index, "file": file, "path": file, "soundfont": inst.soundfont, "bank": inst.bank,
                     "program": inst.program, "instrument": inst.name, "instrument_id": inst.id,
                     "family": inst.family, "pitch": pitch, "velocity": velocity,
                     "split": splits[(inst.family, inst.program)]})
    return plan


# ---------------------------------------------------------------------------------- render


def render_planned(synth: SoundfontSynth, plan: dict, out_dir: str) -> dict:
    """Render, check and (if kept) write one planned note atomically; its label. A dropped note
    writes no file and its label says ``"dropped": reason``."""
    inst = Instrument(plan["soundfont"], plan["bank"], plan["program"], plan["instrument"], plan["family"])
    y = synth.render(inst, plan["pitch"], plan["velocity"])
    reason, measures = quality.check_note(y, sr=SR, pitch=plan["pitch"],
                                          harmonic=FAMILY_SPECS[plan["family"]].harmonic,
                                          octaves=FAMILY_SPECS[plan["family"]].octaves)
    label = {**plan, **measures}
    if reason is not None:
        return {**label, "dropped": reason}
    note, gain_db = finish_note(y, velocity=plan["velocity"], peak_dbfs=NOTE_PEAK_DBFS)
    path = Path(out_dir) / plan["file"]
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp")
    tmp.write_bytes(audio_bytes(note, sr=SR, format="FLAC"))
    os.replace(tmp, path)
    return {**label, "gain_db": round(gain_db, 2)}


_WORKER: dict = {}


def _render_job(job: tuple[tuple[str, ...], list[dict], str]) -> list[dict]:
    """One instrument's notes in a worker process (its synthesizer kept between jobs)."""
    paths, plans, out_dir = job
    if _WORKER.get("paths") != paths:
        if "synth" in _WORKER:
            _WORKER["synth"].close()
        _WORKER.update(paths=paths, synth=SoundfontSynth([Path(p) for p in paths]))
    return [render_planned(_WORKER["synth"], plan, out_dir) for plan in plans]


def _render_all(synth: SoundfontSynth, todo: list[dict], out: Path, workers: int):
    """Labels of the rendered notes, as they complete (any order)."""
    by_inst = defaultdict(list)
    for plan in todo:
        by_inst[plan["instrument_id"]].append(plan)
    if workers <= 1 or len(by_inst) < 2:
        for plan in todo:
            yield render_planned(synth, plan, str(out))
        return
    paths = tuple(str(p) for p in synth.paths.values())
    jobs = [(paths, plans, str(out)) for plans in by_inst.values()]
    ctx = multiprocessing.get_context("spawn")  # workers start clean: no torch threads, no parent state
    with ctx.Pool(workers) as pool:
        for labels in pool.imap_unordered(_render_job, jobs):
            yield from labels


# ----------------------------------------------------------------------------------- write


def _check_args(size, seed, families, workers) -> tuple[str, ...]:
    if size is not None and (isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1):
        raise ParameterError(f"corpus size must be a positive whole number (or None for all), got {size!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**63:
        raise ParameterError(f"corpus seed must be a non-negative integer, got {seed!r}")
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or not 0 <= workers <= _MAX_WORKERS:
        raise ParameterError(f"workers must be a whole number 0-{_MAX_WORKERS}, got {workers!r}")
    if families is None:
        return FAMILIES
    if isinstance(families, str):
        families = families.replace(",", " ").split()
    unknown = [f for f in families if f not in FAMILY_SPECS]
    if unknown:
        raise ParameterError(f"unknown family {unknown[0]!r}; the corpus families are {', '.join(FAMILIES)}")
    if not families:
        raise ParameterError(f"choose at least one family: {', '.join(FAMILIES)}")
    return tuple(f for f in FAMILIES if f in families)


#: Card fields that must match for a run to resume into an existing corpus.
RESUME_KEYS = ("format", "source", "seed", "families", "soundfonts", "corpus_version", "fluidsynth", "sr", "n_samples")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


def write_corpus(
    out_dir: str | os.PathLike,
    *,
    soundfonts: list | tuple | None = None,
    size: int | None = None,
    seed: int = 0,
    families: list[str] | tuple[str, ...] | None = None,
    workers: int = 2,
    progress: bool = True,
) -> Path:
    """Render the real-instrument corpus into ``out_dir`` (created if needed); resumable.

    Parameters
    ----------
    out_dir : folder; one already holding a corpus made with the same settings is completed
        (finished notes are kept), any other non-empty folder is refused.
    soundfonts : soundfont files (None: the installed :data:`DEFAULT_SOUNDFONTS`).
    size : render the first ``size`` planned notes (None: all of them); QC drops some, so the
        corpus holds at most ``size`` notes. Growing a corpus adds notes to it.
    seed : corpus seed: the plan, the splits, hence the files.
    families : subset of :data:`FAMILIES` (None: all).
    workers : processes rendering in parallel (0 or 1: in this process).
    progress : show a progress bar on stderr.

    Returns
    -------
    out_dir : Path of the finished corpus.

    Raises
    ------
    SoundfontError : no soundfont installed or given, an unreadable one, or no FluidSynth.
    ParameterError : bad size, seed, family or workers, or a folder holding something else.
    """
    chosen = _check_args(size, seed, families, workers)
    seed, workers = int(seed), int(workers)
    paths = find_soundfonts(soundfonts)
    if len({p.name for p in paths}) != len(paths):
        raise ParameterError("two soundfonts with the same file name; labels name soundfonts by file name")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ParameterError(f"{out} exists and is not a folder")

    t_plan = time.perf_counter()
    synth = SoundfontSynth(paths)
    try:
        instruments, excluded = list_instruments(synth, paths, chosen)
        cells = {inst.id: synth.sounding_cells(inst, PITCHES, VELOCITIES) for inst in instruments}
        splits = assign_splits(instruments, seed=seed)
        plan = corpus_plan(instruments, cells, splits, seed=seed)
        log.info("corpus plan: %d instruments, %d notes, %.1f s", len(instruments), len(plan),
                 time.perf_counter() - t_plan)
        if size is not None and size > len(plan):
            log.warning("the corpus has %d notes; size=%d renders them all", len(plan), size)
        plan = plan[: size or len(plan)]
        if not plan:
            raise ParameterError("the chosen soundfonts and families hold no note to render")

        config = {"format": FORMAT, "source": SOURCE, "seed": seed, "families": list(chosen),
                  "soundfonts": [{"file": p.name, "bytes": p.stat().st_size} for p in paths],
                  "corpus_version": CORPUS_VERSION, "fluidsynth": fluidsynth_version(), "sr": SR,
                  "n_samples": N_SAMPLES}
        start_folder(out, config, keys=RESUME_KEYS, what="corpus", card_extra={"planned": len(plan)})

        done = {**_read_labels(out / LABELS), **_read_labels(out / DROPPED), **_read_labels(out / JOURNAL)}
        todo = [p for p in plan if not (p["index"] in done and done[p["index"]].get("file") == p["file"]
                                        and (done[p["index"]].get("dropped") or (out / p["file"]).is_file()))]
        log.info("corpus %s: %d of %d notes to render", out, len(todo), len(plan))

        elapsed = journal_labels(out, _render_all(synth, todo, out, workers), done, total=len(todo),
                                 progress=progress)
    finally:
        synth.close()

    rows = [done[p["index"]] for p in plan]
    kept = [r for r in rows if not r.get("dropped")]
    dropped = [r for r in rows if r.get("dropped")]
    _write_text(out / LABELS, "".join(json.dumps(r) + "\n" for r in kept))
    _write_text(out / DROPPED, "".join(json.dumps(r) + "\n" for r in dropped))
    (out / JOURNAL).unlink(missing_ok=True)
    write_card(out, rows, config=config, paths=paths, instruments=instruments, excluded=excluded, splits=splits,
               render_s=elapsed, rendered=len(todo), workers=workers)
    return out


# ------------------------------------------------------------------------------------ card


def write_card(out: Path, rows: list[dict], *, config: dict, paths: list[Path], instruments: list[Instrument],
               excluded: list[dict], splits: dict, render_s: float, rendered: int, workers: int) -> dict:
    """Write dataset_card.json and dataset_card.md for the planned notes ``rows``; the card."""
    kept = [r for r in rows if not r.get("dropped")]
    families = config["families"]
    per_fs = Counter((r["family"], r["split"]) for r in kept)
    inst_fs = defaultdict(set)
    for r in kept:
        inst_fs[(r["family"], r["split"])].add(r["instrument_id"])
    drops = Counter((r["family"], r["dropped"]) for r in rows if r.get("dropped"))
    octaves = Counter(r["family"] for r in rows if r.get("dropped") == "off pitch" and _whole_octaves(r["pitch_cents"]))
    reasons = sorted({reason for _, reason in drops})
    harmonic = [r for r in rows if FAMILY_SPECS[r["family"]].harmonic and r.get("dropped") != "silent"]
    within = [r for r in harmonic if r.get("pitch_cents") is not None
              and quality.pitch_error(r["pitch_cents"], octaves=FAMILY_SPECS[r["family"]].octaves)
              <= quality.PITCH_TOLERANCE_CENTS]
    cents_kept = [abs(r["pitch_cents"]) for r in kept if r.get("pitch_cents") is not None
                  and FAMILY_SPECS[r["family"]].harmonic]
    size_bytes = sum((out / r["file"]).stat().st_size for r in kept)
    by_sf = Counter(r["soundfont"] for r in kept)
    inst_by_sf = defaultdict(set)
    for r in kept:
        inst_by_sf[r["soundfont"]].add(r["instrument_id"])
    sources = []
    for p in paths:
        src = source_of(p)
        sources.append({"file": p.name, "path": str(p), "package": src.package if src else None,
                        "licence": src.licence if src else "unknown: see the file's own documentation",
                        "authors": src.authors if src else None, "bytes": p.stat().st_size, "sha256": _sha256(p),
                        "instruments": len(inst_by_sf[p.name]), "notes": by_sf[p.name]})
    program_splits = {f: {s: sorted(prog for (fam, prog), sp in splits.items() if fam == f and sp == s)
                          for s in SPLITS} for f in families}
    inst_rows = defaultdict(Counter)
    for r in rows:
        inst_rows[r["instrument_id"]]["dropped" if r.get("dropped") else "notes"] += 1
    try:
        pyfluidsynth = metadata.version("pyfluidsynth")
    except metadata.PackageNotFoundError:
        pyfluidsynth = None
    card = {
        **config,
        "status": "complete",
        "size": len(kept),
        "planned": len(rows),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "audio": {"format": "FLAC", "subtype": "PCM_16", "channels": 1, "duration_s": N_SAMPLES / SR,
                  "release_at_s": RELEASE_SAMPLE / SR,
                  "level": "peak at -1.5 dBFS + 20 log10(velocity / 127), as the synthetic notes; "
                           "gain_db in the labels undoes it"},
        "labels": LABELS,
        "dropped_file": DROPPED,
        "hours": round(len(kept) * N_SAMPLES / SR / 3600.0, 2),
        "sources": sources,
        "renderer": {"library": "FluidSynth (Debian libfluidsynth3) through pyfluidsynth",
                     "fluidsynth": config["fluidsynth"], "pyfluidsynth": pyfluidsynth, "render_sr": RENDER_SR,
                     "decimation": f"scipy.signal.resample_poly 1/{OVERSAMPLE}", "reverb": "off", "chorus": "off",
                     "gain": GAIN, "mono": "(left + right) / 2"},
        "protocol": {"pitches": [PITCH_MIN, PITCH_MAX], "velocities": list(VELOCITIES),
                     "sounding": "pitch/velocity pairs where the preset has a sample (a FluidSynth note-on "
                                 "starts a voice), then QC"},
        "splits": {"rule": "by GM program within each family: every soundfont's and bank's version of a "
                           "program shares its split",
                   "programs": program_splits},
        "counts": {
            "notes": {f: {s: per_fs[(f, s)] for s in SPLITS} for f in families},
            "instruments": {f: {s: len(inst_fs[(f, s)]) for s in SPLITS} for f in families},
            "split_notes": {s: sum(per_fs[(f, s)] for f in families) for s in SPLITS},
            "split_instruments": {s: sum(len(inst_fs[(f, s)]) for f in families) for s in SPLITS},
            "velocity": {str(v): sum(r["velocity"] == v for r in kept) for v in VELOCITIES},
            "instruments_total": len({r["instrument_id"] for r in kept}),
        },
        "dropped": {"total": sum(drops.values()), "reasons": {
                        "silent": f"RMS below {quality.SILENCE_DBFS:.0f} dBFS at the soundfont's own level",
                        "no clear pitch": "harmonic family, YIN found no steady period",
                        "off pitch": f"harmonic family, measured pitch more than "
                                     f"{quality.PITCH_TOLERANCE_CENTS:.0f} cents from the label (organ: from "
                                     "the nearest octave of the label)"},
                    "by_family": {f: {reason: drops[(f, reason)] for reason in reasons} for f in families},
                    "off_pitch_by_whole_octaves": {f: octaves[f] for f in families}},
        "pitch_qc": {"tracker": "YIN in numpy (explorer.data.soundfont.quality.estimate_f0)",
                     "tolerance_cents": quality.PITCH_TOLERANCE_CENTS,
                     "harmonic_notes_checked": len(harmonic), "within_tolerance": len(within),
                     "label_accuracy": round(len(within) / len(harmonic), 4) if harmonic else None,
                     "median_abs_cents_kept": round(float(np.median(cents_kept)), 1) if cents_kept else None},
        "excluded_presets": dict(Counter(e["reason"] for e in excluded)),
        "instrument_list": [{"id": i.id, "name": i.name, "family": i.family, "soundfont": i.soundfont,
                             "bank": i.bank, "program": i.program, "split": splits[(i.family, i.program)],
                             "notes": inst_rows[i.id]["notes"], "dropped": inst_rows[i.id]["dropped"]}
                            for i in instruments if inst_rows[i.id]],
        "generation": _generation(out, rendered=rendered, render_s=render_s, workers=workers),
        "size_on_disk_bytes": size_bytes,
    }
    _write_text(out / CARD_JSON, json.dumps(card, indent=2) + "\n")
    _write_text(out / CARD_MD, card_markdown(card))
    return card


def _whole_octaves(cents: float | None) -> bool:
    """An off-pitch note that sounds a whole number of octaves from its label (within tolerance)."""
    return cents is not None and abs(cents) > 600 and abs(cents - 1200 * round(cents / 1200)) <= quality.PITCH_TOLERANCE_CENTS


def _generation(out: Path, *, rendered: int, render_s: float, workers: int) -> dict:
    """How the notes were rendered; a run that found every note done keeps the previous run's figures."""
    if not rendered:
        try:
            old = json.loads((out / CARD_JSON).read_text(encoding="utf-8"))
            if old.get("status") == "complete" and old.get("generation", {}).get("notes_rendered"):
                return old["generation"]
        except (OSError, ValueError):
            pass
    return {"notes_rendered": rendered, "seconds": round(render_s, 1), "workers": workers,
            "notes_per_second": round(rendered / render_s, 1) if render_s > 0 and rendered else None}


def card_markdown(card: dict) -> str:
    """A short human-readable card of the corpus."""
    c, fams = card["counts"], card["families"]
    gen = card["generation"]
    lines = [
        "# Real-instrument note corpus (General MIDI soundfonts)",
        "",
        f"{card['size']:,} single notes ({card['hours']:.1f} hours) of {c['instruments_total']} sampled "
        f"instruments, {card['sr']} Hz mono, {card['audio']['duration_s']:.3f} s each (released at "
        f"{card['audio']['release_at_s']:.3f} s), 16-bit FLAC; labels in `{card['labels']}`, dropped notes in "
        f"`{card['dropped_file']}`.",
        f"Made by `python -m explorer dataset --source soundfont --seed {card['seed']}` on {card['created']} with "
        f"FluidSynth {card['fluidsynth']} (rendered at {card['renderer']['render_sr']} Hz, dry, decimated to "
        f"{card['sr']} Hz); the same seed and soundfonts give the same files.",
        f"Every instrument at MIDI {card['protocol']['pitches'][0]}-{card['protocol']['pitches'][1]} x velocities "
        f"{', '.join(map(str, card['protocol']['velocities']))} where its preset has a sample: "
        f"{card['planned']:,} notes planned, {card['dropped']['total']:,} dropped by quality control.",
        f"Last run rendered {gen['notes_rendered']:,} notes in {gen['seconds']:.0f} s with {gen['workers']} workers "
        f"({gen['notes_per_second'] or 0:.0f} notes/s); size on disk {card['size_on_disk_bytes'] / 2**20:,.0f} MiB.",
        "",
        "## Sources",
        "",
        "| soundfont | Debian package | licence | instruments | notes |",
        "|---|---|---|---:|---:|",
    ]
    for s in card["sources"]:
        lines.append(f"| `{s['file']}` | {s['package'] or '-'} | {s['licence']} | {s['instruments']} | {s['notes']:,} |")
    lines += ["", "Drum kits, sound effects, synth effects, ethnic and percussive programs are left out: "
              + ", ".join(f"{n} {r}" for r, n in sorted(card["excluded_presets"].items())) + ".", "",
              "## Families and splits", "",
              "Splits are by instrument: " + card["splits"]["rule"] + ". Test and validation instruments are "
              "never heard in training.", "",
              "| family | train notes | valid notes | test notes | instruments (train/valid/test) | test programs | valid programs |",
              "|---|---:|---:|---:|---|---|---|"]
    for f in fams:
        n, i, pr = c["notes"][f], c["instruments"][f], card["splits"]["programs"][f]
        lines.append(f"| {FAMILY_SPECS[f].title} (`{f}`) | {n['train']:,} | {n['valid']:,} | {n['test']:,} | "
                     f"{i['train']}/{i['valid']}/{i['test']} | {', '.join(map(str, pr['test'])) or '-'} | "
                     f"{', '.join(map(str, pr['valid'])) or '-'} |")
    sn, si = c["split_notes"], c["split_instruments"]
    lines.append(f"| **all** | {sn['train']:,} | {sn['valid']:,} | {sn['test']:,} | "
                 f"{si['train']}/{si['valid']}/{si['test']} | | |")
    q = card["pitch_qc"]
    lines += ["", "Programs are General MIDI numbers counted from 0.", "", "## Quality control", ""]
    lines += [f"- **{r}**: {why}." for r, why in card["dropped"]["reasons"].items()]
    acc = f"{100 * q['label_accuracy']:.1f} %" if q["label_accuracy"] is not None else "n/a"
    lines += [f"- Pitch labels: {q['within_tolerance']:,} of {q['harmonic_notes_checked']:,} sounding harmonic notes "
              f"({acc}) measured within {q['tolerance_cents']:.0f} cents of their label; kept notes are "
              f"{q['median_abs_cents_kept']} cents off (median). Mallets are measured but never dropped for pitch.",
              f"- {sum(card['dropped']['off_pitch_by_whole_octaves'].values()):,} of the off-pitch notes sound a whole "
              "number of octaves from their label (octave-doubled strings, presets "
              "transposed by an octave, or an even partial stronger than the fundamental).",
              "", "| family | " + " | ".join(card["dropped"]["reasons"]) + " |",
              "|---|" + "---:|" * len(card["dropped"]["reasons"])]
    for f in fams:
        by = card["dropped"]["by_family"][f]
        lines.append(f"| `{f}` | " + " | ".join(f"{by.get(r, 0):,}" for r in card["dropped"]["reasons"]) + " |")
    lines += ["", "Levels: " + card["audio"]["level"] + ".", ""]
    return "\n".join(lines)


def read_corpus(root: str | os.PathLike) -> tuple[dict, list[dict]]:
    """The card and the kept notes' labels of a corpus folder (for browsing).

    Raises ParameterError when ``root`` holds no finished soundfont corpus.
    """
    root = Path(root)
    try:
        card = json.loads((root / CARD_JSON).read_text(encoding="utf-8"))
        rows = [json.loads(line) for line in (root / LABELS).read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, ValueError) as exc:
        raise ParameterError(f"{root} holds no readable corpus ({exc})") from None
    if card.get("source") != SOURCE:
        raise ParameterError(f"{root} is not a soundfont corpus")
    return card, rows
