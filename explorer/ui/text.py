"""Strings from files, links and uploads shown as text, never as markdown.

A GP kernel's ``description``, an uploaded file's name or a preset's ``checkpoint`` may hold
``[a link](https://...)``, ``![an image](https://.../pixel.png)``, a bare ``www.`` address, HTML
or ``:material/icon:`` codes. Streamlit's text elements (``st.caption``, ``st.info``, ``st.error``,
labels, progress texts) read markdown, so every such string goes through :func:`plain` before it
is put into one: each markdown character is escaped with a backslash (it then shows as itself),
line breaks become spaces (no headings, lists or tables), and a long string is cut short.

Escapes are not enough for addresses: the browser's markdown renderer turns ``https://...``,
``www.`` and ``name@host`` into live links, and ``:icon:`` codes into icons, after the escapes
are taken out (seen in Chromium; AppTest only sees the escaped text). So an invisible word joiner
(U+2060) also goes after every ``:`` and ``@`` and inside ``www.``: the text reads the same, and
no address or icon code is left whole.
"""

from __future__ import annotations

import re

#: The characters CommonMark and GitHub-flavoured markdown give a meaning (all escapable with a
#: backslash), plus ``:`` (emoji and icon codes, ``https:`` autolinks) and ``.`` (``www.`` autolinks).
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=\"'^%@])")
_JOINER = "\u2060"
_WWW = re.compile(r"(www)(\.)", re.IGNORECASE)


def plain(text: object, *, limit: int = 200) -> str:
    """``text`` as a string that markdown shows literally: escaped, on one line, at most ``limit``
    characters (then "...")."""
    s = " ".join(str(text).split())
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    s = _WWW.sub(lambda m: m.group(1) + _JOINER + m.group(2), s)
    s = _SPECIAL.sub(r"\\\1", s)
    return s.replace("\\:", "\\:" + _JOINER).replace("\\@", "\\@" + _JOINER)
