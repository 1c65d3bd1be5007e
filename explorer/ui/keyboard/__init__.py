"""The playable keyboard: a Streamlit component (``st.components.v2``, inline JS and CSS, nothing
fetched from the network) that plays the current timbre's pre-rendered notes with the Web Audio API.

The notes of the playable range are rendered in one batch (:func:`explorer.play.notes.render_notes`),
cached per model, latent and range, and handed to the browser as base64 WAVs with their loop points:
a key press starts a buffer at once (no server round trip); holding it loops the note's steady
stretch; letting go releases it over :data:`~explorer.play.song.RELEASE_S`. Computer keys follow a
DAW's layout: A W S E D F T G Y H U J K for one chromatic octave, Z / X to shift octaves.
"""

from __future__ import annotations

import base64
import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st

from explorer.audio.io import audio_bytes
from explorer.audio.pitch import note_name
from explorer.budget import budgeted
from explorer.models.base import AudioModel
from explorer.play.notes import LOOP_XFADE_S, playable_pitches, render_notes
from explorer.play.song import RELEASE_S

_HERE = Path(__file__).parent
_HTML = '<div class="lae-kb" data-ready="0" data-notes-played="0"><div class="lae-status"></div><div class="lae-keys"></div></div>'
_COMPONENT = st.components.v2.component(
    "latent_audio_explorer_keyboard",
    html=_HTML,
    css=(_HERE / "keyboard.css").read_text(encoding="utf-8"),
    js=(_HERE / "keyboard.js").read_text(encoding="utf-8"),
)
#: Octaves of notes the keyboard holds (computer keys play 13 of them; Z / X move along).
OCTAVES = 3


@dataclass(frozen=True)
class KeyboardNotes:
    """What the component gets: ``data`` (JSON for the browser) and how long the batch took."""

    data: dict
    render_s: float  # wall time of the batch render, seconds
    count: int
    pitched: bool


@st.cache_data(max_entries=8, show_spinner="Rendering the keyboard's notes…")
@budgeted("long", "Rendering the keyboard's notes")
def _notes(_model: AudioModel, model_key: str, latent_key: str, _z: np.ndarray | None, seed: int | None,
           lo: int, hi: int) -> KeyboardNotes:
    z = _model.sample_latent(1, seed)[0] if _z is None else _z
    t0 = time.perf_counter()
    batch = render_notes(_model, z, playable_pitches(_model, lo, hi))
    render_s = time.perf_counter() - t0
    sr, tail = batch.sr, int(LOOP_XFADE_S * batch.sr)
    notes = []
    for p, y, (a, b) in zip(batch.pitches, batch.y, batch.loops):
        # the buffer loops while held, so nothing after the loop end is ever heard: leave it out
        note = {"midi": int(p), "name": note_name(int(p)), "loop": [a / sr, b / sr]}
        if batch.pitched or not notes:  # an unpitched sound: one WAV, which every key plays
            note["wav"] = base64.b64encode(audio_bytes(y[: min(len(y), b + tail)], sr=sr)).decode("ascii")
        notes.append(note)
    digest = hashlib.blake2b(f"{model_key}|{latent_key}|{lo}|{hi}".encode(), digest_size=12).hexdigest()
    data = {"digest": digest, "notes": notes, "release_s": RELEASE_S}
    return KeyboardNotes(data=data, render_s=render_s, count=len(notes), pitched=batch.pitched)


def latent_key(z: np.ndarray | None, seed: int | None) -> str:
    """A cache key for a latent: a digest of its exact values, or its seed."""
    if z is None:
        return f"seed{int(seed)}"
    return hashlib.blake2b(np.ascontiguousarray(z, dtype=np.float32).tobytes(), digest_size=16).hexdigest()


def keyboard_notes(model: AudioModel, *, model_key: str, z: np.ndarray | None = None, seed: int | None = None,
                   lowest: int = 48, octaves: int = OCTAVES) -> KeyboardNotes:
    """The notes ``lowest .. lowest + 12 * octaves`` (inside the model's range) of latent ``z``
    (float32 [latent_dim]) or of ``sample_latent(1, seed)``, rendered once per timbre and range."""
    z = None if z is None else np.ascontiguousarray(z, dtype=np.float32)
    return _notes(model, model_key, latent_key(z, seed), z, None if seed is None else int(seed), int(lowest),
                  int(lowest) + 12 * int(octaves))


def keyboard(notes: KeyboardNotes, *, key: str, window_lo: int | None = None) -> None:
    """Mount the keyboard playing ``notes``; computer keys A-K start at ``window_lo`` (MIDI)."""
    data = dict(notes.data)
    data["window_lo"] = int(window_lo if window_lo is not None else data["notes"][0]["midi"])
    _COMPONENT(key=key, data=data, height=180)
