"""Reading JSON a person hands us (presets, GP kernels): bytes, text or an already-parsed object.

One reader, so every file gets the same checks and the same plain messages: UTF-8, valid JSON,
an optional size cap, and a depth cap (``json.loads`` recurses, so a file nested a few thousand
levels deep would otherwise end in a RecursionError instead of a message).
"""

from __future__ import annotations

import json
from typing import Any

from explorer.errors import PresetError

#: Deepest nesting accepted; our formats need fewer than 10 levels.
MAX_DEPTH = 64


def _too_deep(obj: Any, limit: int) -> bool:
    stack = [(obj, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > limit:
                return True
            stack.extend((v, depth + 1) for v in (item.values() if isinstance(item, dict) else item))
    return False


def read_json(data: Any, *, what: str, max_bytes: int | None = None) -> Any:
    """``data`` (bytes, str or a parsed object) as a JSON value; :class:`PresetError` naming ``what``
    (e.g. "preset", "GP kernel") when it is too large, not UTF-8, not JSON or nested too deeply."""
    if isinstance(data, (bytes, bytearray)):
        if max_bytes is not None and len(data) > max_bytes:
            raise PresetError(f"{what} file is too large to be a {what}")
        try:
            data = bytes(data).decode("utf-8")
        except UnicodeDecodeError:
            raise PresetError(f"{what} file is not UTF-8 text") from None
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise PresetError(f"{what} is not valid JSON ({exc.msg}, line {exc.lineno})") from None
        except RecursionError:
            raise PresetError(f"{what} is nested too deeply to be a {what}") from None
    if _too_deep(data, MAX_DEPTH):
        raise PresetError(f"{what} is nested too deeply to be a {what}")
    return data
