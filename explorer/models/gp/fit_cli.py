"""``python -m explorer fit --audio FILE --out KERNEL.json``: fit a voiced GP track to a recording.

The result is a GP kernel JSON (DESIGN.md section 5, with the optional ``track`` field) that
``python -m explorer render --model gp --gp-kernel KERNEL.json`` resynthesizes. Bad input
(unreadable, silent, too short or too long audio; a bad ``--out``) raises an
:class:`~explorer.errors.ExplorerError`, which the CLI prints as one ``error:`` line (exit 2).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

from explorer.errors import ParameterError

MIN_S, MAX_S = 0.1, 30.0


def check_out(path: Path) -> Path:
    """``--out`` must be a .json file in an existing, writable folder (checked before any work)."""
    try:
        from explorer import outputs  # the shared checked-output helpers, where present
    except ImportError:
        outputs = None
    if outputs is not None and hasattr(outputs, "check_file"):
        return outputs.check_file(path, suffixes=outputs.JSON_SUFFIXES)
    path = Path(path)
    if path.suffix.lower() != ".json":
        raise ParameterError(f"--out {path}: the kernel is written as JSON; name it *.json")
    if path.is_dir():
        raise ParameterError(f"--out {path} is a folder; give a file name")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise ParameterError(f"--out {path}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise ParameterError(f"--out {path}: folder {parent} is not writable")
    return path


def write_text_atomic(path: Path, text: str) -> None:
    """Write whole or not at all: a temporary file beside ``path``, then a rename."""
    try:
        from explorer import outputs
    except ImportError:
        outputs = None
    if outputs is not None and hasattr(outputs, "write_text"):
        outputs.write_text(path, text)
        return
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def run(args) -> int:
    """The ``fit`` subcommand: args.audio, args.out, args.block_ms, args.components, args.sr."""
    from explorer.audio.io import load_audio
    from explorer.models.gp.fit_track import fit_track

    out = check_out(args.out)
    block_ms = float(args.block_ms)
    if not 1.0 <= block_ms <= 100.0:
        raise ParameterError(f"--block-ms must be between 1 and 100 ms, got {block_ms:g}")
    sr = int(args.sr)
    y = load_audio(args.audio, sr=sr).astype(np.float64)
    seconds = len(y) / sr
    if seconds < MIN_S:
        raise ParameterError(f"{Path(args.audio).name} is too short to fit ({seconds:.3f} s; need at least {MIN_S:g} s)")
    if seconds > MAX_S:
        raise ParameterError(f"{Path(args.audio).name} is too long to fit ({seconds:.1f} s; at most {MAX_S:g} s)")
    if not np.any(np.abs(y - y.mean()) > 1e-6):
        raise ParameterError(f"{Path(args.audio).name} is silent: there is nothing to fit")

    def progress(x: float) -> None:
        sys.stderr.write(f"\rfitting {Path(args.audio).name}: {x:4.0%}")
        if x >= 1.0:
            sys.stderr.write("\n")

    spec = fit_track(y, sr=sr, hop_s=block_ms / 1000.0, n_harmonics=args.components, progress=progress,
                     description=f"Voiced GP track fitted to {Path(args.audio).name} ({block_ms:g} ms frames)")
    write_text_atomic(out, json.dumps(spec.to_json(), separators=(",", ":")) + "\n")
    tr = spec.track
    print(f"wrote {out}: {tr.n_frames} frames, {tr.n_harmonics} harmonics, "
          f"{float(np.mean(tr.voicing)):.0%} voiced, {seconds:.2f} s at {sr} Hz")
    return 0
