"""The "Play it" section of the model pages: the keyboard, a MIDI file played with the timbre,
and the timbre as an SFZ sampler instrument (zip download).

Pages call :func:`play_section` once, after their own controls, with the latent they play.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import streamlit as st

from explorer.audio.pitch import note_name
from explorer.budget import budgeted
from explorer.errors import ExplorerError
from explorer.models.base import AudioModel
from explorer.play.midi import MAX_BYTES, read_midi
from explorer.play.sfz import build_sfz, measured_tune, timbre_preset
from explorer.play.song import render_song
from explorer.presets import Preset, parse_preset
from explorer.ui.errors import show_error
from explorer.ui.keyboard import keyboard, keyboard_notes, latent_key
from explorer.ui.models import model_key
from explorer.ui.native import in_worker
from explorer.ui.sound import player

#: MIDI uploads above this size are refused by the uploader (MB).
MIDI_UPLOAD_MB = max(1, MAX_BYTES // 2**20)
POLICIES = {"Move them by octaves into range": "fold", "Leave them out": "skip"}


def _latent(model: AudioModel, z: np.ndarray | None, seed: int | None) -> np.ndarray:
    return model.sample_latent(1, seed)[0] if z is None else np.asarray(z, dtype=np.float32)


@st.cache_data(max_entries=8, show_spinner="Playing the MIDI file…")
@budgeted("long", "Playing the MIDI file")
def _song(_model: AudioModel, mkey: str, lkey: str, _z: np.ndarray, data: bytes, name: str, policy: str):
    return render_song(_model, _z, read_midi(data, name=name), policy=policy)


@st.cache_data(max_entries=4, show_spinner="Building the SFZ instrument…")
@budgeted("long", "Building the SFZ instrument")
def _sfz(_model: AudioModel, mkey: str, lkey: str, _z: np.ndarray, preset_json: str, name: str):
    inst = build_sfz(_model, _z, timbre_preset(_model, parse_preset(preset_json)), name=name,
                     measure=partial(in_worker, measured_tune))
    return inst.zip_bytes(), len(inst.regions), inst.untuned


def _keyboard_latent(model: AudioModel, *, key: str, mkey: str, lkey: str, z: np.ndarray | None,
                     seed: int | None) -> dict:
    """The sound the keyboard holds: the page's sound when the keyboard is first shown, when the model
    changes and when asked for (the button sets ``<key>_kb_wanted``); else the one it held before, so a
    slider move does not re-render 37 notes."""
    held = st.session_state.get(f"{key}_kb_sound")
    if held is None or held["mkey"] != mkey or st.session_state.pop(f"{key}_kb_wanted", False):
        held = {"mkey": mkey, "lkey": lkey, "z": None if z is None else np.asarray(z, dtype=np.float32).copy(),
                "seed": seed}
        st.session_state[f"{key}_kb_sound"] = held
    return held


def play_section(model: AudioModel, *, key: str, preset: Preset, z: np.ndarray | None = None,
                 seed: int | None = None, pitch: int | None = None) -> None:
    """Keyboard, MIDI upload and SFZ download for latent ``z`` (or ``sample_latent(1, seed)``).

    key : page prefix for session keys; preset : the preset of the sound (goes into the SFZ zip);
    pitch : the page's pitch (MIDI), where the keyboard starts.
    """
    st.subheader("Play it")
    mkey, lkey = model_key(model), latent_key(z, seed)
    lo_model, hi_model = model.pitch_range if model.pitch_range is not None else (0, 127)
    lowest_c = [c for c in range(0, 128, 12) if lo_model <= c + 12 and c <= hi_model]
    start = 12 * (int(pitch if pitch is not None else 60) // 12) - 12
    k1, k2 = st.columns([3, 1], vertical_alignment="bottom")
    k1.markdown("Play this sound from the keyboard: keys **A W S E D F T G Y H U J K** are one octave "
                "(white and black keys), **Z** / **X** shift an octave, or click the keys. Notes ring while held.")
    low = k2.selectbox("Keyboard from", lowest_c, index=lowest_c.index(max(min(start, lowest_c[-1]), lowest_c[0])),
                       format_func=note_name, key=f"{key}_kb_low",
                       help="The keyboard holds three octaves from this C, rendered once for the current sound.")
    held = _keyboard_latent(model, key=key, mkey=mkey, lkey=lkey, z=z, seed=seed)
    try:
        notes = keyboard_notes(model, model_key=mkey, z=held["z"], seed=held["seed"], lowest=int(low))
    except ExplorerError as exc:
        show_error(exc, context="The keyboard's notes could not be rendered")
    else:
        keyboard(notes, key=f"{key}_keyboard", window_lo=int(low) + 12 if notes.count > 24 else int(low))
        st.caption(f"{notes.count} notes rendered in one batch in {notes.render_s:.2f} s"
                   + ("" if notes.pitched else "; this sound has no pitch, so every key plays it as it is")
                   + ". The keyboard keeps its sound while you move the controls above (a slider move stays "
                     "quick); press the button to play the current one.")
    st.button("Put the current sound on the keyboard", key=f"{key}_kb_update", icon=":material/piano:",
              on_click=st.session_state.__setitem__, args=(f"{key}_kb_wanted", True))

    st.markdown("**Play a MIDI file** with this sound: every note at its pitch, velocity and length.")
    m1, m2 = st.columns([3, 2])
    upload = m1.file_uploader("MIDI file", type=["mid", "midi"], key=f"{key}_midi", max_upload_size=MIDI_UPLOAD_MB)
    policy = POLICIES[m2.radio("Notes outside this model's range", list(POLICIES), key=f"{key}_midi_policy")]
    if upload is not None:
        try:
            song = _song(model, mkey, lkey, _latent(model, z, seed), upload.getvalue(), upload.name, policy)
        except ExplorerError as exc:
            show_error(exc, context=f"{upload.name} could not be played")
        else:
            for message in song.messages:
                st.info(message, icon=":material/info:")
            player(song.y, song.sr, key=f"{key}_song", file_name="song.wav",
                   label=f"{upload.name}: {song.notes} notes, {len(song.y) / song.sr:.1f} s, up to {song.polyphony} at once")

    st.markdown("**Take it into a sampler**: WAVs every 3 semitones, an `.sfz` file mapping them "
                "(loops, release, tuning) and the preset, zipped.")
    wanted = (mkey, lkey)
    if st.session_state.get(f"{key}_sfz_for") != wanted:
        st.button("Build the SFZ instrument", key=f"{key}_sfz_build", icon=":material/piano:",
                  on_click=st.session_state.__setitem__, args=(f"{key}_sfz_for", wanted),
                  help="Renders and tunes every sample: a few seconds (longer for the GP).")
        return
    try:
        data, regions, untuned = _sfz(model, mkey, lkey, _latent(model, z, seed), preset.to_json(), f"{key}-instrument")
    except ExplorerError as exc:
        show_error(exc, context="The instrument could not be built")
        return
    st.download_button(f"Download the SFZ instrument ({regions} samples, {len(data) / 2**20:.1f} MB)", data,
                       file_name=f"{key}-instrument.zip", mime="application/zip", key=f"{key}_sfz_dl",
                       icon=":material/download:")
    if untuned:
        st.caption(f"No clear pitch was measured in the samples of {', '.join(note_name(p) for p in untuned)}; "
                   "they play untuned.")
