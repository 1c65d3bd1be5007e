"""Files and folders the command line writes: checked before any work, written whole or not at all.

Every subcommand that writes calls a ``check_*`` function on its ``--out`` *before* it loads a
model or renders anything, so a bad path costs nothing: a folder where a file is wanted, a folder
that does not exist, an unknown extension, a place that cannot be written (``/proc``, a read-only
disk) or a device (``/dev/full``) is a :class:`~explorer.errors.ParameterError` with a message
for a person (the CLI prints it as one ``error:`` line and exits 2).

Writing goes through a temporary name beside the target and one rename (``os.replace``), so an
interrupted or failed write never leaves half a file, and a folder of steps appears with all its
files or not at all:

>>> out = check_file(args.out, suffixes=AUDIO_SUFFIXES)   # before any work
>>> check_work(steps, samples_per_sound(model))            # steps x samples bounded
>>> write_sound(out, y, sr=sr)                               # temp file + rename
>>> folder = check_folder(args.out)
>>> with atomic_folder(folder) as tmp:                     # temp folder + rename
...     write_sound(tmp / "step_00.wav", y, sr=sr)
>>> with atomic_path(out) as tmp:                          # any writer that takes a path
...     torch.save(state, tmp)

See /work/notes/outputs.md (or README) for the usage notes shared with the other subcommands.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from explorer.errors import ParameterError

#: Extensions :func:`explorer.audio.io.write_audio` writes.
AUDIO_SUFFIXES = (".wav", ".flac")
JSON_SUFFIXES = (".json",)
#: Most audio samples one command may produce in all (steps x samples per sound): about 11 minutes
#: at 48 kHz, 128 MB as float32. A 30 s GP at 48 kHz allows 23 steps; the 2 s VAE/GAN notes 1000.
MAX_WORK_SAMPLES = 2**25


def _name(path: Path) -> str:
    return str(path) if str(path) else "''"


def _probe_writable(folder: Path) -> None:
    """Create and remove a temporary file in ``folder``: the only sure test that it can be written."""
    try:
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".explorer-probe-", suffix=".tmp")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ParameterError(f"cannot write in {_name(folder)}: {exc.strerror or exc}") from None


def _check_parent(path: Path, *, make_parents: bool) -> None:
    parent = path.parent
    if not make_parents:
        if not parent.exists():
            raise ParameterError(f"{_name(path)}: the folder {_name(parent)} does not exist")
        if not parent.is_dir():
            raise ParameterError(f"{_name(path)}: {_name(parent)} is not a folder")
        _probe_writable(parent)
        return
    existing = parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise ParameterError(f"{_name(path)}: {_name(existing)} is not a folder")
    _probe_writable(existing)


def check_file(path: str | os.PathLike, *, suffixes: tuple[str, ...], make_parents: bool = False) -> Path:
    """``path`` as a :class:`Path` if a file can be written there, else a :class:`ParameterError`.

    path : the output file
    suffixes : the extensions accepted (lower case, with the dot), e.g. :data:`AUDIO_SUFFIXES`
    make_parents : accept a missing parent folder (created when writing), as long as the nearest
        existing one can be written
    An existing regular file is fine (it is replaced when the new one is complete).
    """
    path = Path(path)
    if str(path) in ("", "."):
        raise ParameterError("the output path is empty")
    if path.is_dir():
        raise ParameterError(f"{_name(path)} is a folder; give a file name ending in {' or '.join(suffixes)}")
    if path.exists() and not path.is_file():
        raise ParameterError(f"{_name(path)} exists and is not a regular file")
    if path.suffix.lower() not in suffixes:
        raise ParameterError(f"{_name(path)}: the file name must end in {' or '.join(suffixes)}"
                             f"{f', not {path.suffix}' if path.suffix else ''}")
    _check_parent(path, make_parents=make_parents)
    return path


def check_folder(path: str | os.PathLike, *, make_parents: bool = False) -> Path:
    """``path`` as a :class:`Path` if a folder of outputs can be made there, else a :class:`ParameterError`.

    An existing folder is fine (its files of the same names are replaced); an existing file is not.
    """
    path = Path(path)
    if str(path) in ("", "."):
        raise ParameterError("the output folder is empty; name a folder")
    if path.exists() and not path.is_dir():
        raise ParameterError(f"{_name(path)} exists and is not a folder")
    if path.is_dir():
        _probe_writable(path)
    else:
        _check_parent(path, make_parents=make_parents)
    return path


def check_stem(path: str | os.PathLike, *, make_parents: bool = True) -> Path:
    """A stem that files are named after (``train --out checkpoints/NAME`` writes NAME.pt,
    NAME.config.json, ...): not a folder, and its folder can be written."""
    path = Path(path)
    if str(path) in ("", "."):
        raise ParameterError("the output path is empty")
    if path.is_dir():
        raise ParameterError(f"{_name(path)} is a folder; give a name such as {_name(path / 'my-model')}")
    _check_parent(path, make_parents=make_parents)
    return path


def check_work(n_sounds: int, samples_each: int, *, limit: int | None = None) -> None:
    """Refuse a command whose output holds more than ``limit`` samples (``n_sounds x samples_each``;
    default :data:`MAX_WORK_SAMPLES`)."""
    limit = MAX_WORK_SAMPLES if limit is None else int(limit)
    total = int(n_sounds) * int(samples_each)
    if total > limit:
        most = max(1, limit // max(1, int(samples_each)))
        raise ParameterError(f"that is too much audio for one command ({n_sounds} sounds of {samples_each:,} samples); "
                             f"at most {most} sounds of this length")


def samples_per_sound(model) -> int:
    """Samples of one render of ``model``, known before rendering (a GP's from its spec; the
    VAE's and GAN's notes are :data:`~explorer.audio.constants.N_SAMPLES` long)."""
    from explorer.audio.constants import N_SAMPLES

    spec = getattr(model, "spec", None)
    return int(getattr(spec, "n_samples", None) or N_SAMPLES)


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; renamed onto ``path`` when the block ends
    without an error, removed when it fails. The parent folder is created if missing."""
    path = Path(path)
    if path.exists() and not path.is_file():  # a rename onto a device (/dev/full) would replace the device
        raise ParameterError(f"{_name(path)} exists and is not a regular file")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` whole or not at all (temp file, fsync, rename)."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    return Path(path)


def write_text(path: str | os.PathLike, text: str) -> Path:
    """:func:`write_bytes` of UTF-8 text."""
    return write_bytes(path, text.encode("utf-8"))


def write_sound(path: str | os.PathLike, y, *, sr: int) -> Path:
    """Write safe mono audio ``y`` [shape=(n,)] at ``sr`` Hz whole or not at all; the format
    follows the extension (:data:`AUDIO_SUFFIXES`)."""
    from explorer.audio.io import audio_bytes

    fmt = Path(path).suffix.lstrip(".").upper() or "WAV"
    return write_bytes(path, audio_bytes(y, sr=sr, format=fmt))


@contextmanager
def atomic_folder(path: str | os.PathLike) -> Iterator[Path]:
    """A temporary folder beside ``path`` to fill; when the block ends without an error it becomes
    ``path`` by one rename (into an existing folder: each file by its own rename, other files kept).
    When the block fails, the temporary folder is removed and ``path`` is as it was."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ParameterError(f"{_name(path)} exists and is not a folder")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
    try:
        yield tmp
        if path.is_dir() and any(path.iterdir()):
            for item in sorted(tmp.iterdir()):
                os.replace(item, path / item.name)
        else:
            if path.is_dir():
                path.rmdir()
            os.replace(tmp, path)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
