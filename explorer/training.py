"""The training scaffold shared by the VAE and the GAN (``python -m explorer train vae|gan``).

What every trainer needs and does the same way; ``explorer/models/<family>/training.py`` keeps
only its family's loss and loop:

- distributed runs: :func:`setup_distributed` (``torchrun --nproc_per_node=N``, gloo on CPU),
  :func:`barrier`, :func:`finish_distributed`; rank 0 logs and writes;
- the notes of a dataset folder (:func:`load_notes`, through :class:`explorer.data.NoteDataset`,
  so our synth corpus, a soundfont corpus and a user's folder of sounds all work) and its card
  (:func:`read_dataset_card`, :func:`dataset_seed`);
- one feature-cache format (:func:`cached_arrays`): a ``.npz`` of plain arrays (no pickle),
  named ``KIND-HASH.npz`` after the dataset folder, its label file's time and the features'
  settings, in ``runs/cache`` (or ``$EXPLORER_FEATURE_CACHE``); the log names the file and folder;
- progress lines (:class:`Progress`) and the resumable training state (:func:`save_state`,
  :func:`load_state`).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
import torch.distributed as dist

from explorer.audio.constants import PITCH_MAX, PITCH_MIN
from explorer.errors import CheckpointError, ParameterError
from explorer.paths import RUNS_DIR

#: Environment variable naming another folder for the feature cache.
CACHE_ENV = "EXPLORER_FEATURE_CACHE"
#: Files a dataset folder may describe itself in (ours writes the first).
CARD_FILES = ("dataset_card.json", "card.json", "dataset.json", "README.json")


# --------------------------------------------------------------------------------------------
# distributed runs


def setup_distributed() -> tuple[int, int]:
    """(rank, world size): joins the process group under torchrun (gloo, CPU), else (0, 1)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("gloo")
    return (dist.get_rank(), dist.get_world_size()) if dist.is_initialized() else (0, 1)


def barrier() -> None:
    """Wait for every process (nothing to do in a single-process run)."""
    if dist.is_initialized():
        dist.barrier()


def finish_distributed() -> None:
    """Wait for every process, then leave the process group."""
    if dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


# --------------------------------------------------------------------------------------------
# data


def load_notes(root: Path, *, max_items: int | None = None) -> dict[str, np.ndarray]:
    """The notes of a dataset folder with a pitch in MIDI 24..84, in RAM.

    Returns {"audio": float32 [N x 32768], "pitch": int64 [N] (MIDI), "velocity": int64 [N] (MIDI
    1-127, -1 unknown), "family": str [N], "skipped": int (notes without a usable pitch)}; a folder without any is a ParameterError.
    """
    from explorer.data import load_arrays

    root = Path(root)
    if not root.is_dir():
        raise ParameterError(f"dataset folder {root} not found (make one with `python -m explorer dataset`)")
    arrays = load_arrays(root, max_items=max_items)
    pitch = np.asarray(arrays["pitch"])
    keep = (pitch >= PITCH_MIN) & (pitch <= PITCH_MAX)
    if not np.any(keep):
        raise ParameterError(f"dataset {root} has no notes with a pitch in MIDI {PITCH_MIN}..{PITCH_MAX}")
    family = np.asarray(arrays.get("family", np.full(len(pitch), "unknown")))
    velocity = np.asarray(arrays.get("velocity", np.full(len(pitch), -1)))
    return {"audio": np.asarray(arrays["audio"], dtype=np.float32)[keep], "pitch": pitch[keep].astype(np.int64),
            "velocity": velocity[keep].astype(np.int64), "family": family[keep].astype(str),
            "skipped": int((~keep).sum())}


def read_dataset_card(root: Path) -> dict[str, Any]:
    """The dataset's card (``dataset_card.json``), or {} when it has none or it is unreadable."""
    for name in CARD_FILES:
        path = Path(root) / name
        if path.is_file():
            try:
                card = json.loads(path.read_text())
            except (OSError, ValueError):
                return {}
            return card if isinstance(card, dict) else {}
    return {}


def dataset_seed(root: Path) -> int | None:
    """The dataset's generation seed, from its card (or a line of its Markdown card)."""
    card = read_dataset_card(root)
    if card:
        seed = card.get("seed", (card.get("config") or {}).get("seed"))
        try:
            return int(seed) if seed is not None else None
        except (TypeError, ValueError):
            return None
    for path in sorted(Path(root).glob("*.md")):
        for line in path.read_text(errors="ignore").splitlines():
            if "seed" in line.lower():
                digits = "".join(c if c.isdigit() else " " for c in line.split("seed", 1)[-1]).split()
                if digits:
                    return int(digits[0])
    return None


# --------------------------------------------------------------------------------------------
# the feature cache


def cache_dir() -> Path:
    """Where derived arrays of datasets are kept: ``$EXPLORER_FEATURE_CACHE`` or ``runs/cache``."""
    return Path(os.environ.get(CACHE_ENV) or RUNS_DIR / "cache")


def cache_path(kind: str, root: Path, *key) -> Path:
    """The cache file of ``kind`` for dataset ``root``, keyed by its folder, its label file's
    modification time and ``key`` (the settings the arrays depend on)."""
    root = Path(root).resolve()
    labels = root / "labels.jsonl"
    stamp = "|".join(map(str, (root, labels.stat().st_mtime_ns if labels.exists() else 0, *key)))
    return cache_dir() / f"{kind}-{hashlib.sha1(stamp.encode()).hexdigest()[:12]}.npz"


def _read_cache(path: Path) -> dict[str, np.ndarray] | None:
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as f:
            return {k: f[k] for k in f.files}
    except (OSError, ValueError):  # damaged: computed again and rewritten
        return None


def _write_cache(path: Path, arrays: dict[str, np.ndarray]) -> bool:
    """Best effort (a read-only disk only costs the recomputation next time)."""
    from explorer.outputs import atomic_path

    try:
        with atomic_path(path) as tmp, open(tmp, "wb") as f:  # a temp name of its own: ranks never share one
            np.savez(f, **arrays)
        return True
    except OSError:
        return False


def cached_arrays(kind: str, root: Path, key: tuple, compute: Callable[[], dict[str, np.ndarray]], *,
                  use_cache: bool = True, collective: bool = False,
                  log: Callable[[str], None] = print) -> dict[str, np.ndarray]:
    """Arrays derived from dataset ``root``: read from the cache, or ``compute()``d and cached.

    ``compute`` returns plain numpy arrays (numbers or strings; no objects). The log line names
    the cache file and its folder. ``collective``: every process of a torchrun calls this at the
    same point (training's data loading), so rank 0 computes while the others wait.
    """
    path = cache_path(kind, root, *key)
    # under torchrun, rank 0 computes and caches while the others wait, then read its file: the
    # work and its memory peak (every note's audio at once) happen once, not once per process
    shared = collective and use_cache and dist.is_initialized() and dist.get_world_size() > 1
    if shared and dist.get_rank() > 0:
        dist.barrier()
        found = _read_cache(path)
        return found if found is not None else compute()
    try:
        if use_cache:
            found = _read_cache(path)
            if found is not None:
                log(f"{kind} from cache {path.name} in {path.parent}")
                return found
        t0 = time.perf_counter()
        arrays = compute()
        if use_cache and _write_cache(path, arrays):
            log(f"{kind} computed in {time.perf_counter() - t0:.0f} s, cached as {path.name} in {path.parent}")
        return arrays
    finally:
        if shared:
            dist.barrier()


# --------------------------------------------------------------------------------------------
# progress and the resumable state


class Progress:
    """Progress lines: ``[####....] step 40/100 <figures> 2.10 step/s eta 0.5 min``."""

    def __init__(self, total: int, *, start: int = 0, width: int = 24):
        self.total, self.width = int(total), width
        self._t, self._step = time.perf_counter(), int(start)

    def line(self, step: int, figures: str) -> str:
        """The line for ``step`` (the rate is measured since the previous line)."""
        now = time.perf_counter()
        rate = (step - self._step) / max(now - self._t, 1e-9)  # steps / s
        self._t, self._step = now, step
        eta = (self.total - step) / max(rate, 1e-9)  # s
        done = int(self.width * step / max(self.total, 1))
        bar = "[" + "#" * done + "." * (self.width - done) + "]"
        return f"{bar} step {step}/{self.total} {figures} {rate:.2f} step/s eta {eta / 60:.1f} min"


def out_stem(out: Path) -> Path:
    """``--out`` without its ``.pt`` ending (the stem every written file is named after)."""
    out = Path(out)
    return out.with_suffix("") if out.suffix == ".pt" else out


def save_state(path: Path, state: dict[str, Any]) -> None:
    """Write a training state (tensors, numbers, strings) atomically: temp file + rename."""
    from explorer.outputs import atomic_path

    with atomic_path(path) as tmp:  # an interrupted write leaves the last complete state, and no temp file
        torch.save(state, tmp)


def load_state(path: Path) -> dict[str, Any]:
    """Read a training state safely (weights only); an unreadable file is a CheckpointError."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for damaged files; all mean the same here
        raise CheckpointError(f"training state {Path(path).name} is unreadable ({type(exc).__name__})") from None


def set_threads(env: str, default: int = 1) -> int:
    """torch intra-op threads per process: ``$env`` or ``default`` (on a few shared cores, one
    thread per process was 2-10x faster per step than two)."""
    threads = max(1, int(os.environ.get(env, default)))
    torch.set_num_threads(threads)
    return threads
