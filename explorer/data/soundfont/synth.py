"""Rendering single notes from General MIDI soundfonts with FluidSynth.

FluidSynth is the reference SoundFont 2 synthesizer (the one the Fluid R3 and MuseScore fonts were
voiced on): velocity layers, the default velocity-to-filter modulator (soft notes are darker), the
envelopes and LFOs of each preset, SF3 (Ogg Vorbis) samples. It comes from Debian
(``libfluidsynth3``) and is driven through the ``pyfluidsynth`` ctypes binding; the few calls that
binding lacks (float output, preset listing) are declared here on the same library.

Notes are rendered at 48 kHz, dry (reverb and chorus off: their state would carry from one note
into the next), summed to mono and decimated to 16 kHz by a polyphase low-pass (SoundFont
interpolation does not band-limit pitched-up samples; rendering at 3x and filtering keeps their
aliases out of the 16 kHz notes). Every note starts after all voices are killed, and is preceded
by one block of the same note, killed: FluidSynth reuses voice slots and ramps a slot's output
gains from its last occupant's (``fluid_rvoice_buffers``), which in early measurements made a
note's first block depend on the note rendered before. The samples of a note depend on nothing
but (soundfont, bank, program, pitch, velocity): any worker, any order (tested).
"""

from __future__ import annotations

import ctypes
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import signal

from explorer.audio.constants import N_SAMPLES, SR
from explorer.errors import ExplorerError

#: FluidSynth renders at this rate; notes are decimated from it to SR.
RENDER_SR = 48000
OVERSAMPLE = RENDER_SR // SR
#: Note-off at 75 % of the note, as in NSynth (a multiple of FluidSynth's 64-frame block).
RELEASE_SAMPLE = 3 * N_SAMPLES // 4
BLOCK = 64
#: FluidSynth's master gain: 1.0 keeps the soundfont's own level (a full-scale sample at zero
#: attenuation comes out at full scale), so silence is judged on the font's own terms.
GAIN = 1.0

SF2_DIR, SF3_DIR = Path("/usr/share/sounds/sf2"), Path("/usr/share/sounds/sf3")


@dataclass(frozen=True)
class SoundfontSource:
    """A soundfont Debian ships: its file, package, licence and authors."""

    file: str
    package: str
    licence: str
    authors: str


SOURCES: dict[str, SoundfontSource] = {
    s.file: s
    for s in (
        SoundfontSource("FluidR3_GM.sf2", "fluid-soundfont-gm", "MIT", "Frank Wen and contributors"),
        SoundfontSource("MuseScore_General.sf3", "musescore-general-soundfont", "MIT (parts public domain or CC0)",
                        "S. Christian Collins, from Fluid R3 Mono (Michael Cowgill) and others"),
        SoundfontSource("MuseScore_General_Full.sf3", "musescore-general-soundfont",
                        "MIT (parts public domain or CC0)",
                        "S. Christian Collins, from Fluid R3 Mono (Michael Cowgill) and others"),
        SoundfontSource("TimGM6mb.sf2", "timgm6mb-soundfont", "GPL-2", "Tim Brechbill, David Bolton"),
    )
}
#: What ``--source soundfont`` renders when no --soundfont is given: the two full GM fonts.
DEFAULT_SOUNDFONTS = (SF2_DIR / "FluidR3_GM.sf2", SF3_DIR / "MuseScore_General.sf3")
#: The 6 MB font the tests and CI use.
TEST_SOUNDFONT = SF2_DIR / "TimGM6mb.sf2"
INSTALL_HINT = "apt-get install fluid-soundfont-gm musescore-general-soundfont"


class SoundfontError(ExplorerError):
    """No soundfont, an unreadable one, or no FluidSynth to render it."""


def source_of(path: str | Path) -> SoundfontSource | None:
    """Package and licence of a soundfont file Debian ships, by file name (None: not known)."""
    return SOURCES.get(Path(path).name)


def find_soundfonts(paths: list | tuple | None = None) -> list[Path]:
    """The soundfont files to render: ``paths`` checked, or the installed defaults.

    Raises
    ------
    SoundfontError : a given file is missing, or none was given and no default is installed
        (the message names the Debian packages).
    """
    if paths:
        found = []
        for p in paths:
            p = Path(p)
            if not p.is_file():
                raise SoundfontError(f"soundfont file {p} not found")
            if p.resolve() not in [f.resolve() for f in found]:
                found.append(p)
        return found
    found = [p for p in DEFAULT_SOUNDFONTS if p.is_file()]
    if not found:
        raise SoundfontError(
            f"no General MIDI soundfont installed (looked for {', '.join(map(str, DEFAULT_SOUNDFONTS))}); "
            f"install them with `{INSTALL_HINT}` (or timgm6mb-soundfont, 6 MB, for a quick test), "
            "or name a file with --soundfont")
    return found


# ------------------------------------------------------------------------------ FluidSynth

_FS = None


def fluidsynth():
    """The pyfluidsynth module with the extra C functions declared and FluidSynth's log muted."""
    global _FS
    if _FS is not None:
        return _FS
    try:
        import fluidsynth as fs
    except (ImportError, OSError) as exc:
        raise SoundfontError(
            "rendering soundfonts needs FluidSynth: `apt-get install libfluidsynth3` and "
            f"`pip install pyfluidsynth` ({exc})") from None
    lib = fs._fl
    proto = {
        "fluid_synth_write_float": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p, ctypes.c_int,
                                                   ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_int]),
        "fluid_synth_get_sfont_by_id": (ctypes.c_void_p, [ctypes.c_void_p, ctypes.c_int]),
        "fluid_sfont_iteration_start": (None, [ctypes.c_void_p]),
        "fluid_sfont_iteration_next": (ctypes.c_void_p, [ctypes.c_void_p]),
        "fluid_preset_get_banknum": (ctypes.c_int, [ctypes.c_void_p]),
        "fluid_preset_get_num": (ctypes.c_int, [ctypes.c_void_p]),
        "fluid_preset_get_name": (ctypes.c_char_p, [ctypes.c_void_p]),
        "fluid_version_str": (ctypes.c_char_p, []),
        "fluid_set_log_function": (ctypes.c_void_p, [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p]),
    }
    for name, (restype, argtypes) in proto.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = restype, argtypes
    for level in range(5):  # FLUID_PANIC .. FLUID_DBG: our own errors say what went wrong
        lib.fluid_set_log_function(level, None, None)
    _FS = fs
    return fs


def fluidsynth_version() -> str:
    return fluidsynth()._fl.fluid_version_str().decode()


@dataclass(frozen=True)
class Instrument:
    """One instrument of the corpus: a preset (bank, program) of a soundfont file."""

    soundfont: str
    bank: int
    program: int
    name: str
    family: str

    @property
    def id(self) -> str:
        """``<soundfont stem>:<bank>:<program>``, e.g. ``FluidR3_GM:000:056``."""
        return f"{Path(self.soundfont).stem}:{self.bank:03d}:{self.program:03d}"

    @property
    def slug(self) -> str:
        return f"{Path(self.soundfont).stem}-{self.bank:03d}-{self.program:03d}"


class SoundfontSynth:
    """A FluidSynth synthesizer holding the given soundfonts; renders one note at a time.

    Parameters
    ----------
    paths : soundfont files; loaded on first use. Instruments name their soundfont by file name.
    """

    def __init__(self, paths: list[Path] | tuple[Path, ...]):
        fs = fluidsynth()
        self._lib = fs._fl
        settings = {"synth.reverb.active": 0, "synth.chorus.active": 0, "synth.cpu-cores": 1,
                    "synth.polyphony": 256, "synth.dynamic-sample-loading": 1}
        self._synth = fs.Synth(gain=GAIN, samplerate=RENDER_SR, channels=16, **settings)
        self.paths = {Path(p).name: Path(p) for p in paths}
        self._sfid: dict[str, int] = {}
        self._buf = np.zeros((2, OVERSAMPLE * N_SAMPLES), dtype=np.float32)

    def close(self) -> None:
        if self._synth is not None:
            self._synth.delete()
            self._synth = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def sfid(self, soundfont: str) -> int:
        """FluidSynth's id of a soundfont (by file name), loading it on first use."""
        if soundfont not in self._sfid:
            path = self.paths[soundfont]
            sfid = self._synth.sfload(str(path))
            if sfid < 0:
                raise SoundfontError(f"{path} is not a soundfont FluidSynth can read")
            self._sfid[soundfont] = sfid
        return self._sfid[soundfont]

    def presets(self, soundfont: str) -> list[tuple[int, int, str]]:
        """Every preset of a soundfont as (bank, program, name), sorted."""
        lib = self._lib
        sfont = lib.fluid_synth_get_sfont_by_id(self._synth.synth, self.sfid(soundfont))
        lib.fluid_sfont_iteration_start(sfont)
        out = []
        while preset := lib.fluid_sfont_iteration_next(sfont):
            name = (lib.fluid_preset_get_name(preset) or b"").decode("latin-1").strip()
            out.append((lib.fluid_preset_get_banknum(preset), lib.fluid_preset_get_num(preset), name))
        return sorted(out)

    def _select(self, inst: Instrument) -> None:
        if self._synth.program_select(0, self.sfid(inst.soundfont), inst.bank, inst.program) != 0:
            raise SoundfontError(f"{inst.soundfont} has no preset bank {inst.bank} program {inst.program}")

    def _write(self, start: int, n: int) -> None:
        left, right = self._buf[0, start:], self._buf[1, start:]
        self._lib.fluid_synth_write_float(self._synth.synth, n, left.ctypes.data, 0, 1, right.ctypes.data, 0, 1)

    def _flush(self) -> None:
        """All voices off, and one block rendered so the kill takes effect (into scratch space)."""
        self._synth.all_sounds_off(0)
        self._write(0, BLOCK)

    def sounding_cells(self, inst: Instrument, pitches, velocities) -> list[tuple[int, int]]:
        """The (pitch, velocity) pairs for which the preset has a sample: its key and velocity
        ranges as FluidSynth reads them (a note-on that starts no voice is outside them)."""
        self._select(inst)
        cells = []
        for pitch in pitches:
            for velocity in velocities:
                self._synth.noteon(0, int(pitch), int(velocity))
                if self._synth.get_active_voice_count() > 0:
                    cells.append((int(pitch), int(velocity)))
                self._flush()
        return cells

    def render(self, inst: Instrument, pitch: int, velocity: int) -> np.ndarray:
        """One note at the soundfont's own level, float32 [N_SAMPLES] at SR (16 kHz), mono.

        Note-on at sample 0, note-off at ``RELEASE_SAMPLE`` (75 %); the tail after the note's
        end is cut (the caller fades it out).
        """
        self._select(inst)
        self._synth.noteon(0, int(pitch), int(velocity))  # the primer block: see the module docstring
        self._write(0, BLOCK)
        self._flush()
        self._buf[:] = 0.0
        self._synth.noteon(0, int(pitch), int(velocity))
        release = OVERSAMPLE * RELEASE_SAMPLE
        self._write(0, release)
        self._synth.noteoff(0, int(pitch))
        self._write(release, self._buf.shape[1] - release)
        self._flush()
        mono = 0.5 * (self._buf[0].astype(np.float64) + self._buf[1])
        y = signal.resample_poly(mono, 1, OVERSAMPLE)
        return y[:N_SAMPLES].astype(np.float32)


def finish_note(y: np.ndarray, *, velocity: int, peak_dbfs: float) -> tuple[np.ndarray, float]:
    """A rendered note made ready to store, as the synthetic notes are: DC blocked, 1 ms fade-in,
    20 ms fade-out, peak at ``peak_dbfs + 20 log10(velocity / 127)``.

    Returns the note (float32 [n]) and the gain applied, dB (the soundfont's own level is
    ``y / 10**(gain_db / 20)``).
    """
    r = 1.0 - 2.0 * np.pi * 10.0 / SR  # one-pole DC blocker, -3 dB at ~10 Hz
    y = signal.lfilter([1.0, -1.0], [1.0, -r], np.asarray(y, dtype=np.float64))
    n_in, n_out = int(0.001 * SR), int(0.02 * SR)
    y[:n_in] *= np.sin(0.5 * np.pi * np.arange(n_in) / n_in) ** 2
    y[-n_out:] *= np.cos(0.5 * np.pi * np.arange(1, n_out + 1) / n_out) ** 2
    peak = float(np.max(np.abs(y)))
    if not math.isfinite(peak) or peak <= 0.0:
        raise ValueError("cannot normalize a silent or non-finite note")
    level = 10.0 ** ((peak_dbfs + 20.0 * math.log10(velocity / 127.0)) / 20.0)
    return (y * (level / peak)).astype(np.float32), 20.0 * math.log10(level / peak)
