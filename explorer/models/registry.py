"""Which model? Every answer in one place: shipped checkpoints, a user's own files, presets, morphs.

Pages, the CLI, evaluation and the benchmark ask this module, never a family package directly:

- :func:`load_model` -- a model of a family from a checkpoint name, a file path (CLI only) or ``"debug"``;
- :func:`available_checkpoints` / :func:`installed_checkpoint` -- what is installed, and a name
  checked against it (names only: a preset or a URL never makes the engine open a path);
- :func:`model_for_kernel` -- a GP from a GP kernel JSON object (DESIGN.md section 5);
- :func:`model_for_preset` -- the model a preset plays on, for every family;
- :func:`morph_models` -- the step models of a GP kernel morph between two presets;
- :func:`family_of` / :func:`checkpoint_name` -- what a loaded model is.

Each family package provides ``load(path) -> AudioModel`` and ``debug_model() -> AudioModel``
(a tiny random model for tests); the GP's "checkpoints" are its kernel JSON presets, and the GP
package also provides ``from_spec``, ``parse_gp_spec``, ``mix_specs`` and ``GPModel``.
"""

from __future__ import annotations

import importlib
import re
import weakref
from pathlib import Path

import numpy as np

from explorer.errors import CheckpointError, ParameterError, PresetError
from explorer.models.base import AudioModel
from explorer.paths import CHECKPOINT_DIR, GP_PRESET_DIR  # CHECKPOINT_DIR is also read by pages and tests
from explorer.presets import Preset, parse_preset

FAMILIES = ("vae", "gan", "gp")

DEFAULT_CHECKPOINT = {"vae": "vae-gm-v2", "gan": "gan-gm-v1", "gp": "gp-middle-c"}
#: Name that selects the tiny random model of a family (tests, and a machine without weights).
DEBUG = "debug"
#: The file name pattern of a family's installed checkpoints (in :func:`_folder`) and their suffix.
_STORE = {"vae": ("vae-*.pt", ".pt"), "gan": ("gan-*.pt", ".pt"), "gp": ("*.json", ".json")}
#: What a checkpoint *name* may look like: no separators, no leading dot, nothing a shell or a
#: file system reads specially.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]{0,199}$")

#: Loaded model -> the checkpoint name it came from (None: a file path or a kernel spec).
#: Keyed by id() with a weak reference beside it, so a model that is gone never answers for a new one.
_ORIGIN: dict[int, tuple[weakref.ref, str | None]] = {}


class _NotInstalled(CheckpointError):
    """A checkpoint name that is not installed (or not a name at all)."""


def _family_module(family: str):
    if family not in FAMILIES:
        raise ParameterError(f"unknown model {family!r}; choose one of {', '.join(FAMILIES)}")
    try:
        return importlib.import_module(f"explorer.models.{family}")
    except ModuleNotFoundError as exc:
        if exc.name == f"explorer.models.{family}":
            raise CheckpointError(f"the {family.upper()} model family is not built yet") from None
        raise


def _folder(family: str) -> Path:
    """Where a family's checkpoints live (read at call time, so tests can point it elsewhere)."""
    return GP_PRESET_DIR if family == "gp" else CHECKPOINT_DIR


def _remember(model: AudioModel, name: str | None) -> AudioModel:
    for key in [k for k, (ref, _) in _ORIGIN.items() if ref() is None]:
        del _ORIGIN[key]
    _ORIGIN[id(model)] = (weakref.ref(model), name)
    return model


def checkpoint_path(family: str, checkpoint: str | None = None) -> Path:
    """Resolve a checkpoint name (a file in checkpoints/, no extension) or a path (CLI only)."""
    _family_module(family)
    name = checkpoint or DEFAULT_CHECKPOINT[family]
    suffix = _STORE[family][1]
    as_path = Path(name)
    if as_path.suffix in (".pt", ".json") or len(as_path.parts) > 1:
        return as_path
    if any(c in name for c in "\\:*?\"<>|") or name.startswith("."):
        raise ParameterError(f"invalid checkpoint name {name!r}")
    return _folder(family) / f"{name}{suffix}"


def load_model(family: str, checkpoint: str | None = None) -> AudioModel:
    """A model of ``family`` from a shipped checkpoint name (None: the default), ``"debug"`` (the
    tiny random model), or a file path. Paths are for the command line only: pages and presets
    pass names checked by :func:`installed_checkpoint`. Any problem is a :class:`CheckpointError`."""
    module = _family_module(family)
    if checkpoint == DEBUG:
        return _remember(module.debug_model(), DEBUG)
    path = checkpoint_path(family, checkpoint)
    return _remember(module.load(path), path.stem if path.parent == _folder(family) else None)


def available_checkpoints() -> dict[str, list[str]]:
    """Names of the checkpoints installed, per family (the default first, then by name)."""
    found: dict[str, list[str]] = {}
    for family in FAMILIES:
        names = sorted(p.stem for p in _folder(family).glob(_STORE[family][0]))
        default = DEFAULT_CHECKPOINT[family]
        found[family] = sorted(names, key=lambda n: n != default)
    return found


def installed_checkpoint(family: str, name: object) -> str:
    """``name`` if it is an installed checkpoint of ``family``, else a :class:`CheckpointError`.

    Only names are accepted: paths, ``..``, absolute paths, separators and hidden names are
    refused with the same message as a name that is not installed, so the answer tells nothing
    about which files exist on this machine.
    """
    _family_module(family)
    if isinstance(name, str) and _NAME.match(name) and ".." not in name and name in available_checkpoints()[family]:
        return name
    raise _NotInstalled(f"no {family.upper()} checkpoint of that name is installed here")


def model_for_kernel(spec: object) -> AudioModel:
    """A GP model from a GP kernel JSON object (DESIGN.md section 5; also JSON text or a parsed
    spec), validated: a bad kernel is a :class:`~explorer.errors.PresetError`."""
    return _remember(_family_module("gp").from_spec(spec), None)


#: Old name of :func:`model_for_kernel`.
model_from_gp_spec = model_for_kernel


def family_of(model: AudioModel) -> str:
    """The family of a model: ``"vae"``, ``"gan"`` or ``"gp"``."""
    family = getattr(model, "name", None)
    if family not in FAMILIES:
        raise ParameterError(f"not a model of this explorer: {type(model).__name__}")
    return family


def checkpoint_name(model: AudioModel) -> str | None:
    """The installed checkpoint name a model was loaded from (``"debug"`` for the debug model);
    None for a model from a file path or a GP kernel spec, or one this module did not load."""
    ref, name = _ORIGIN.get(id(model), (None, None))
    return name if ref is not None and ref() is model else None


def _as_preset(preset: object) -> Preset:
    return preset if isinstance(preset, Preset) else parse_preset(preset)


def model_for_preset(preset: object, *, current: AudioModel | None = None) -> tuple[AudioModel, str | None]:
    """The model a preset plays on, for every family: ``(model, notice)``.

    - A preset that carries its own model (a GP preset's ``gp`` kernel) plays on that.
    - A preset naming a checkpoint plays on it when it is installed (``current`` itself when it
      is that checkpoint). The name is only looked up among installed checkpoints, never opened
      as a path.
    - Otherwise (no name, or one not installed here) it plays on ``current``, or on the family's
      default checkpoint; when the preset named another checkpoint, ``notice`` says in plain
      words that it plays with another one and may sound different. Else ``notice`` is None.

    preset : :class:`~explorer.presets.Preset` or anything :func:`~explorer.presets.parse_preset` reads
    current : the model playing now (same family), e.g. the one picked in the sidebar
    """
    preset = _as_preset(preset)
    family = preset.model
    if current is not None and family_of(current) != family:
        raise PresetError(f"this preset is for the {family.upper()} model, not the {family_of(current).upper()}")
    if preset.gp is not None:
        return model_for_kernel(preset.gp), None
    name = preset.checkpoint
    if name is not None:
        if current is not None and checkpoint_name(current) == name:
            return current, None
        try:
            return load_model(family, installed_checkpoint(family, name)), None
        except _NotInstalled:
            pass  # (an installed but broken file raises on: that is the preset's error, not a reason to play another)
    model = current if current is not None else load_model(family)
    if name is None:
        return model, None
    saved = f"the checkpoint `{name}`" if _NAME.match(name) and ".." not in name else "a checkpoint"
    playing = checkpoint_name(model)
    playing = f"`{playing}`" if playing else "another checkpoint"
    return model, f"This preset was saved with {saved}, which is not installed here; it plays with {playing} and may sound different."


#: How a kernel morph spaces its steps: ``"even"`` (power-balanced mixing at fractions that move the
#: sound's brightness in equal steps, :func:`explorer.models.gp.evenness.even_fractions`) or
#: ``"linear"`` (``(1 - t) PSD_a + t PSD_b`` at evenly spaced t).
KERNEL_MIXES = ("even", "linear")


def morph_models(a: object, b: object, *, steps: int, pitch: float | None = None,
                 mix: str = "even") -> list[AudioModel] | None:
    """The model of each step of a kernel morph from preset ``a`` to preset ``b``, or None.

    Only two GP presets with different kernels morph their kernel: step k plays a mixture of the
    two power spectra (:data:`KERNEL_MIXES`; step 0 is ``a``'s kernel, the last ``b``'s);
    harmonic kernels are first moved to ``pitch`` (MIDI). None for anything else (a seed
    endpoint, given as None, or presets without a ``gp`` kernel, or the same kernel twice).

    a, b : presets (or None for a seed endpoint)
    steps : number of steps, 2..1000
    mix : one of :data:`KERNEL_MIXES`
    Returns a list of ``steps`` models, or None.
    """
    if not isinstance(steps, (int, np.integer)) or not 2 <= steps <= 1000:
        raise ParameterError(f"steps must be between 2 and 1000, got {steps}")
    if mix not in KERNEL_MIXES:
        raise ParameterError(f"kernel mix must be one of {', '.join(KERNEL_MIXES)}, got {mix!r}")
    if a is None or b is None:
        return None
    a, b = _as_preset(a), _as_preset(b)
    if a.gp is None or b.gp is None or a.gp == b.gp:
        return None
    gp = _family_module("gp")
    spec_a, spec_b = gp.parse_gp_spec(a.gp), gp.parse_gp_spec(b.gp)
    pitch = pitch if spec_a.harmonic else None
    if mix == "even":
        from explorer.models.gp.evenness import even_fractions

        fractions = even_fractions(spec_a, spec_b, steps, pitch=pitch)
        return [_remember(gp.GPModel(gp.mix_specs(spec_a, spec_b, t, pitch=pitch)), None) for t in fractions]
    return [_remember(gp.GPModel(gp.mix_specs(spec_a, spec_b, t, pitch=pitch, mix="linear")), None)
            for t in np.linspace(0.0, 1.0, steps)]


__all__ = ["FAMILIES", "DEFAULT_CHECKPOINT", "DEBUG", "CHECKPOINT_DIR", "load_model", "available_checkpoints",
           "installed_checkpoint", "KERNEL_MIXES", "model_for_kernel", "model_from_gp_spec", "model_for_preset", "morph_models",
           "family_of", "checkpoint_name", "checkpoint_path"]
