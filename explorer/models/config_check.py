"""Checks of a checkpoint's config and weights, before anything is built from them.

A checkpoint file is data from anywhere: a config field of the wrong type (``"latent_dim": "x"``),
out of order (``pitch_min`` above ``pitch_max``) or far too large (``hidden = 200000``, a
640 GB allocation; ``gl_iters = 100000``, a render that never ends) must be refused with a clear
:class:`~explorer.errors.CheckpointError`, never reach torch. Each family's ``build_model``
calls :func:`check_config` with its table of :class:`Field` rules; :func:`check_state` is
called on every checkpoint's weights by :func:`explorer.models.checkpoint.load_checkpoint`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

import torch

from explorer.errors import CheckpointError

#: Most numbers a checkpoint's weights may hold in all (a shipped checkpoint is at most 20 MB,
#: about 5 million float32; this leaves room for a user's own larger runs).
MAX_STATE_NUMBERS = 50_000_000


@dataclass(frozen=True)
class Field:
    """The rule for one config field.

    kind : ``"int"``, ``"float"``, ``"bool"`` or ``"ints"`` (a list of whole numbers)
    lo, hi : inclusive bounds of the value (of each element for ``"ints"``)
    length : inclusive bounds of a list's length (``"ints"`` only)
    """

    kind: str
    lo: float = -math.inf
    hi: float = math.inf
    length: tuple[int, int] = (1, 16)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _describe(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def check_config(config: Mapping[str, Any], rules: Mapping[str, Field], *, what: str) -> None:
    """Raise :class:`CheckpointError` unless every field named in ``rules`` obeys its rule.

    config : the merged config (defaults filled in), so every rule's field is present
    rules : field name -> :class:`Field`
    what : the model, for the message (e.g. ``"VAE"``)
    """
    if not isinstance(config, Mapping):
        raise CheckpointError(f"{what} config is not a table of settings")
    for key, rule in rules.items():
        if key not in config:
            raise CheckpointError(f"{what} config has no {key}")
        value = config[key]
        bad = f"{what} config has an invalid {key}: {_describe(value)}"
        if rule.kind == "bool":
            if not isinstance(value, bool):
                raise CheckpointError(f"{bad} (expected true or false)")
            continue
        if rule.kind == "ints":
            lo_n, hi_n = rule.length
            if not isinstance(value, (list, tuple)) or not lo_n <= len(value) <= hi_n:
                raise CheckpointError(f"{bad} (expected a list of {lo_n} to {hi_n} whole numbers)")
            items = list(value)
        else:
            items = [value]
        for item in items:
            if rule.kind == "float":
                ok = isinstance(item, (int, float)) and not isinstance(item, bool) and math.isfinite(item)
            else:
                ok = _is_int(item)
            if not ok:
                kind = "a number" if rule.kind == "float" else "a whole number"
                raise CheckpointError(f"{bad} (expected {kind})")
            if not rule.lo <= item <= rule.hi:
                raise CheckpointError(f"{bad} (expected between {rule.lo:g} and {rule.hi:g})")


def check_state(state: Mapping[str, Any], *, name: str) -> None:
    """Raise :class:`CheckpointError` unless every weight is a tensor of finite numbers, and
    there are at most :data:`MAX_STATE_NUMBERS` of them. ``name``: the file, for the message."""
    total = 0
    for key, value in state.items():
        if not isinstance(key, str) or not isinstance(value, torch.Tensor):
            raise CheckpointError(f"checkpoint {name} holds something other than weights ({_describe(key)})")
        total += value.numel()
        if total > MAX_STATE_NUMBERS:
            raise CheckpointError(f"checkpoint {name} holds more weights than this app loads "
                                  f"(over {MAX_STATE_NUMBERS:,} numbers)")
        if (value.is_floating_point() or value.is_complex()) and not bool(torch.isfinite(value).all()):
            raise CheckpointError(f"checkpoint {name} is damaged: its weights {key} hold NaN or infinite numbers")
