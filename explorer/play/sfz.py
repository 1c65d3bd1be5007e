"""Export a timbre as an SFZ sampler instrument: WAVs across the model's range, an ``.sfz`` that
maps them, and the preset JSON that made them, as a folder or a zip.

Any SFZ player (sfizz, Sforzando, Decent Sampler's importers, a DAW's sampler) loads it:

- one WAV every :data:`STEP` semitones (16-bit PCM, the model's sample rate, after safety),
  named ``<name>_<midi>_<note>.wav`` with only ``a-z 0-9 _ -`` (safe on every OS);
- one region per WAV: ``lokey``/``hikey`` halfway to its neighbours (the regions cover the
  model's range with no gap and no overlap), ``pitch_keycenter`` the note the model was asked to
  play, and ``tune`` (cents) where the measured pitch of the WAV (pyin) is off by a few cents;
- ``loop_mode=loop_continuous`` over the note's steady stretch (seamless: its crossfade is in the
  WAV), ``ampeg_release``, and ``amp_veltrack=100`` (velocity sets the level as
  :mod:`explorer.play.song` does). A model conditioned on velocity gets one layer per range of
  :data:`VELOCITY_LAYERS` (``lovel``/``hivel``), each rendered at its own velocity, so soft notes
  are also darker, as the model learned from real instruments.
An unpitched sound becomes one region over all keys with ``pitch_keytrack=0``.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import tempfile
import time
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from explorer.audio.io import audio_bytes
from explorer.audio.pitch import cents_between, median_f0, midi_to_hz, note_name
from explorer.errors import ParameterError
from explorer.models.base import AudioModel
from explorer.models.registry import checkpoint_name
from explorer.play.notes import render_notes
from explorer.play.song import RELEASE_S
from explorer.presets import Preset

#: Velocity layers of a velocity-conditioned model: (lovel, hivel, the velocity it is rendered at).
VELOCITY_LAYERS = ((1, 55, 40), (56, 95, 75), (96, 127, 112))
#: Semitones between two sampled notes (each WAV is transposed at most 1 semitone).
STEP = 3
#: A measured offset up to this many cents is corrected with ``tune``; beyond it, left as asked.
MAX_TUNE_CENTS = 50.0
#: Sample rate the pitch of a WAV is measured at, Hz.
MEASURE_SR = 16000
_SAFE = re.compile(r"[^a-z0-9-]+")


@dataclass(frozen=True)
class Region:
    """One sample of the instrument and the keys it plays."""

    sample: str
    lokey: int
    hikey: int
    pitch_keycenter: int
    tune: int = 0  # cents
    loop_start: int = 0
    loop_end: int = 0  # inclusive, as SFZ counts it
    lovel: int | None = None  # velocity layer (None: all velocities)
    hivel: int | None = None


@dataclass
class Instrument:
    """What :func:`build_sfz` made: the files by name (``.sfz``, WAVs, ``preset.json``) and a summary."""

    name: str
    files: dict[str, bytes]
    regions: list[Region]
    untuned: list[int] = field(default_factory=list)  # pitches whose WAV had no clear pitch
    render_s: float = 0.0

    def zip_bytes(self) -> bytes:
        """The instrument as a zip holding one folder ``<name>/``."""
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for fname, data in self.files.items():
                zf.writestr(f"{self.name}/{fname}", data)
        return buf.getvalue()


def safe_name(text: str) -> str:
    """A file-name stem safe on every OS: lower-case ``a-z 0-9 -``, at most 40 characters."""
    stem = _SAFE.sub("-", str(text).lower()).strip("-")[:40].strip("-")
    return stem or "instrument"


def sample_pitches(lo: int, hi: int, step: int = STEP) -> np.ndarray:
    """The sampled notes of ``lo..hi``: every ``step`` semitones from ``lo``, and ``hi`` itself."""
    keys = list(range(lo, hi + 1, step))
    if keys[-1] != hi:
        keys.append(hi)
    return np.array(keys)


def key_ranges(centres: np.ndarray, lo: int, hi: int) -> list[tuple[int, int]]:
    """(lokey, hikey) of each sampled note: halfway to the neighbours, together exactly ``lo..hi``."""
    bounds = [lo] + [int(a + (b - a) // 2) + 1 for a, b in zip(centres[:-1], centres[1:])] + [hi + 1]
    return [(bounds[i], bounds[i + 1] - 1) for i in range(len(centres))]


def measured_tune(y: np.ndarray, *, sr: int, pitch: int) -> int | None:
    """The ``tune`` (cents) that brings the WAV's measured pitch (pyin median f0 on a 5-cent grid,
    searched an octave either side so octave errors show) to ``pitch``; None when it has no clear
    pitch, or one more than :data:`MAX_TUNE_CENTS` away."""
    fmax = midi_to_hz(pitch + 13)
    if sr != MEASURE_SR and fmax < 0.45 * MEASURE_SR:  # pyin is set up for 16 kHz (frame reaches C1)
        import librosa

        y, sr = librosa.resample(np.asarray(y, dtype=np.float32), orig_sr=sr, target_sr=MEASURE_SR), MEASURE_SR
    fmin = max(midi_to_hz(pitch - 13), 2.05 * sr / 2048)  # pyin needs two periods of fmin per frame
    f0 = median_f0(y, sr=sr, fmin=fmin, fmax=min(fmax, 0.45 * sr), resolution=0.05)
    if not np.isfinite(f0):
        return None
    off = float(cents_between(f0, midi_to_hz(pitch)))
    return None if abs(off) > MAX_TUNE_CENTS else int(round(-off))


def sfz_text(regions: list[Region], *, pitched: bool, comment: str = "") -> str:
    """The ``.sfz`` file for ``regions``."""
    lines = [f"// {line}" for line in comment.splitlines()] + [
        "<global>", f"ampeg_release={RELEASE_S:g}", "amp_veltrack=100", "loop_mode=loop_continuous", ""]
    for r in regions:
        opcodes = [f"sample={r.sample}", f"lokey={r.lokey}", f"hikey={r.hikey}", f"pitch_keycenter={r.pitch_keycenter}"]
        if r.lovel is not None:
            opcodes += [f"lovel={r.lovel}", f"hivel={r.hivel}"]
        if r.tune:
            opcodes.append(f"tune={r.tune}")
        if not pitched:
            opcodes.append("pitch_keytrack=0")
        opcodes += [f"loop_start={r.loop_start}", f"loop_end={r.loop_end}"]
        lines.append("<region> " + " ".join(opcodes))
    return "\n".join(lines) + "\n"


def timbre_preset(model: AudioModel, preset: Preset) -> Preset:
    """``preset`` completed so that it rebuilds the timbre on its own: the checkpoint the model
    came from, and a GP's kernel (``gp``) when the preset does not carry one."""
    checkpoint = preset.checkpoint or checkpoint_name(model)
    spec = getattr(model, "spec", None)  # a GP: its kernel is its "checkpoint"
    gp = preset.gp if preset.gp is not None else (json.loads(spec.dumps()) if spec is not None else None)
    return replace(preset, checkpoint=None if gp is not None else checkpoint, gp=gp)


def build_sfz(model: AudioModel, z: np.ndarray, preset: Preset, *, name: str | None = None,
              step: int = STEP, tune: bool = True, measure=None) -> Instrument:
    """The SFZ instrument of latent ``z`` [latent_dim] on ``model``, with ``preset`` (the preset
    JSON that reproduces the timbre) inside.

    step : semitones between sampled notes (1-12); tune : measure each WAV's pitch and correct it.
    measure : ``measure(y, sr=, pitch=) -> cents | None``, :func:`measured_tune` unless given (the
        app runs it in its native worker, where pyin's compiled code cannot take the server down).
    """
    measure = measure or measured_tune
    if not 1 <= int(step) <= 12:
        raise ParameterError(f"the sampling step must be 1 to 12 semitones, got {step}")
    name = safe_name(name or f"{preset.model}-{'seed' + str(preset.seed) if preset.seed is not None else 'timbre'}")
    pitched = model.pitch_range is not None
    if pitched:
        lo, hi = int(np.ceil(model.pitch_range[0])), int(np.floor(model.pitch_range[1]))
        centres = sample_pitches(lo, hi, int(step))
        ranges = key_ranges(centres, lo, hi)
    else:
        centres, ranges = np.array([60]), [(0, 127)]
    layers = VELOCITY_LAYERS if (pitched and getattr(model, "velocity_range", None)) else ((None, None, None),)
    files, regions, untuned, render_s = {}, [], [], 0.0
    for lovel, hivel, velocity in layers:
        t0 = time.perf_counter()
        batch = render_notes(model, z, centres, velocity=velocity)
        render_s += time.perf_counter() - t0
        for i, (p, (lokey, hikey)) in enumerate(zip(batch.pitches, ranges)):
            layer = "" if velocity is None else f"_v{velocity:03d}"
            fname = f"{name}_{int(p):03d}_{note_name(p).replace('#', 's').lower()}{layer}.wav"
            files[fname] = audio_bytes(batch.y[i], sr=batch.sr)
            cents = measure(batch.y[i], sr=batch.sr, pitch=int(p)) if (tune and pitched) else 0
            if cents is None and int(p) not in untuned:
                untuned.append(int(p))
            a, b = batch.loops[i]
            regions.append(Region(fname, int(lokey), int(hikey), int(p), cents or 0, int(a), int(b) - 1,
                                  lovel, hivel))
    comment = (f"{name}: a timbre of the Latent Audio Explorer ({preset.model.upper()}), rebuilt by preset.json.\n"
               + ("One velocity layer: velocity sets the level (amp_veltrack=100)." if len(layers) == 1 else
                  f"{len(layers)} velocity layers, each rendered at its own velocity; within a layer velocity "
                  "sets the level (amp_veltrack=100)."))
    files[f"{name}.sfz"] = sfz_text(regions, pitched=pitched, comment=comment).encode()
    files["preset.json"] = preset.to_json().encode()
    return Instrument(name=name, files=files, regions=regions, untuned=untuned, render_s=render_s)


def write_instrument(instrument: Instrument, out: str | os.PathLike) -> Path:
    """Write the instrument to ``out``: a ``.zip`` file, or else a folder (new, or empty).

    Written to a temporary name beside ``out`` and renamed, so a failure leaves nothing half-written.
    """
    out = Path(out)
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise ParameterError(f"{parent} is not a folder: create it first")
    if out.suffix.lower() == ".zip":
        if out.is_dir():
            raise ParameterError(f"{out} is a folder, not a zip file")
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(instrument.zip_bytes())
            os.replace(tmp, out)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return out
    if out.suffix:
        raise ParameterError(f"{out}: give a folder or a .zip file for the instrument")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ParameterError(f"{out} exists and is not an empty folder")
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=parent))
    try:
        for fname, data in instrument.files.items():
            (tmp / fname).write_bytes(data)
        if out.exists():
            out.rmdir()
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
