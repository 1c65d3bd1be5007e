"""Map: a collection of sounds laid out in 2-D by what they sound like; click a point to hear it,
lasso or box-select points to download them, open one in the VAE page."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from urllib.parse import urlencode

import numpy as np
import streamlit as st

from explorer import ui
from explorer.audio.constants import SR
from explorer.audio.features import DESCRIPTORS
from explorer.budget import budgeted
from explorer.data import collection as coll
from explorer.data.loader import AUDIO_EXTENSIONS
from explorer.figures.maps import sound_map_figure
from explorer.latent.sound_map import DESCRIBERS, LAYOUTS, classifier_embedding, layout_2d, timbre_descriptors, vae_codes
from explorer.paths import ROOT

#: The VAE whose codes the map shows (the one trained on real instruments), else the family default.
MAP_VAE = "vae-gm-v1"
CORPUS, SYNTH, OWN, DRAWN = "Notes on disk", "Synthetic notes", "Your sounds", "Drawn from the VAE"
AUDIO_TYPES = [e.lstrip(".") for e in AUDIO_EXTENSIONS]  # what the uploader takes, besides ZIPs
#: Units of the descriptors on the colour bar.
UNITS = {"brightness": "Hz", "attack": "s", "noisiness": "0-1", "sustain": "dB"}
MAX_DRAWN = 500
Z_MAX = 3.0  # the VAE page's slider range

ui.page_setup("Map", "🗺️", heading="Map of sounds",
              caption="Every point is a sound; sounds that are alike sit close together. Click one to hear it.")

folders = coll.corpus_folders(ROOT / "data")
SOURCES = ([CORPUS] if folders else []) + [SYNTH, OWN, DRAWN]
COLOURS = ["family"] + list(DESCRIPTORS)
ui.query_notice({"map_source": ui.one_of(SOURCES), "map_by": ui.one_of(list(DESCRIBERS)),
                 "map_layout": ui.one_of(list(LAYOUTS)), "map_colour": ui.one_of(COLOURS),
                 "map_n": ui.int_in(10, coll.MAX_SOUNDS), "map_seed": ui.int_in(0, 2**31 - 1)})

source = st.segmented_control("Sounds", SOURCES, default=SOURCES[0], required=True, key="map_source",
                              bind="query-params")
c1, c2, c3 = st.columns([2, 1, 2])
by = c1.radio("Described by", DESCRIBERS, key="map_by", bind="query-params", horizontal=True,
              help="VAE code: where the VAE puts each sound in its latent space (its mean code). Classifier "
                   "embedding: the 64 numbers the evaluation's family classifier sees in a sound.")
method = c2.radio("Layout", LAYOUTS, key="map_layout", bind="query-params",
                  help="t-SNE keeps neighbours together (clusters are real, distances between them are not); "
                       "PCA shows the two directions in which the sounds differ most.")
colour = c3.selectbox("Colour by", COLOURS, key="map_colour", bind="query-params")


# ---------------------------------------------------------------------------------------------
# the collection, made and described in parts (a progress bar; a cache per part, shared, never
# changed after it is made), then joined and laid out


@st.cache_resource(max_entries=160, show_spinner=False)
@budgeted("long", "This part of the map")
def notes_part(source: str, spec: tuple, start: int, _make) -> coll.Collection:
    return _make()


@st.cache_resource(max_entries=160, show_spinner=False)
@budgeted("long", "Describing this part of the map")
def described_part(source: str, spec: tuple, by: str, vae: str, start: int, _describe) -> np.ndarray:
    return _describe()


@st.cache_resource(max_entries=2, show_spinner=False)
def joined(source: str, spec: tuple, by: str, vae: str, _parts: list) -> tuple[coll.Collection, np.ndarray]:
    return coll.Collection.join([c for c, _ in _parts]), np.concatenate([x for _, x in _parts])


@st.cache_resource(max_entries=1, show_spinner="Loading the classifier…")
def classifier():
    from explorer.evaluation.classifier import load_classifier

    return load_classifier()


@st.cache_data(max_entries=16, show_spinner="Laying out the sounds…")
def layout(source: str, spec: tuple, by: str, vae: str, method: str, _x: np.ndarray) -> np.ndarray:
    return layout_2d(_x, method=method)


@st.cache_data(max_entries=8, show_spinner="Measuring brightness, attack, noisiness and sustain…")
def measures(source: str, spec: tuple, _c: coll.Collection) -> dict[str, np.ndarray]:
    return timbre_descriptors(_c)


@st.cache_data(max_entries=4, show_spinner=False)
def rows(root: str, n: int, stamp: float) -> list[dict]:
    return coll.corpus_rows(root, n=n)


def uploads() -> tuple[tuple, list] | None:
    """The uploaded sounds as (name, bytes), ZIPs unpacked, and a key naming them; None: nothing yet."""
    files = st.file_uploader("Your sounds: several files or one ZIP", type=AUDIO_TYPES + ["zip"],
                             accept_multiple_files=True, key="map_upload", max_upload_size=ui.UPLOAD_MB,
                             help=f"Up to {coll.MAX_SOUNDS:,} sounds, each up to {ui.UPLOAD_MB} MB and 60 s "
                                  "(the first 2 s of each are used).")
    if not files:
        st.info("Give a few of your own notes (or one ZIP of them) to see them on the map.", icon=":material/upload:")
        return None
    out, others = [], 0
    for f in files:
        if f.name.lower().endswith(".zip"):
            members, n_other = coll.zip_members(f.getvalue())
            out += members
            others += n_other
        else:
            out.append((f.name, f.getvalue()))
    if others:
        st.caption(f"Left out {others} file(s) in the ZIP that are not sounds.")
    coll.check_count(len(out), "That upload")
    key = hashlib.blake2b(b"".join(n.encode() + b"\0" + hashlib.blake2b(d).digest() for n, d in out)).hexdigest()
    return (key,), out


def build(source: str, spec: tuple, items: list, make, describe, *, batch: int) -> tuple[coll.Collection, np.ndarray]:
    """Every part of ``items`` made (``make(part)``) and described (``describe(notes, first)``),
    cached part by part; a progress bar while parts are being made."""
    bar, parts, t0 = None, [], time.perf_counter()
    for start in range(0, len(items), batch):
        part = items[start : start + batch]
        notes = notes_part(source, spec, start, lambda part=part: make(part))
        parts.append((notes, described_part(source, spec, by, vae, start, lambda n=notes, s=start: describe(n, s))))
        done = min(len(items), start + batch)
        if bar is None and time.perf_counter() - t0 > 0.3:
            bar = st.progress(0.0)
        if bar is not None:
            bar.progress(done / len(items), text=f"Reading and describing the sounds ({done:,} of {len(items):,})…")
    if bar is not None:
        bar.empty()
    return joined(source, spec, by, vae, parts)


vae_names = ui.checkpoints_found().get("vae", [])
vae = MAP_VAE if MAP_VAE in vae_names else (vae_names[0] if vae_names else "debug")
with ui.reported("These sounds could not be used", stop=True):
    model = ui.get_model("vae", vae)
    drawn_z = None
    batch = 64
    if source == CORPUS:
        root = (st.selectbox("Folder", folders, format_func=lambda p: p.name, key="map_folder")
                if len(folders) > 1 else folders[0])
        n = st.number_input("How many notes (spread over the folder)", 10, coll.MAX_SOUNDS, 500, 10, key="map_n",
                            bind="query-params")
        spec = (str(root), int(n), (Path(root) / "labels.jsonl").stat().st_mtime)
        items, make = rows(*spec), (lambda part: coll.corpus_notes(root, part))
    elif source == SYNTH:
        s1, s2 = st.columns(2)
        n = s1.number_input("How many notes", 10, coll.MAX_SOUNDS, 200, 10, key="map_n", bind="query-params")
        seed = s2.number_input("Dataset seed", 0, 2**31 - 1, 0, key="map_seed", bind="query-params")
        spec = (int(n), int(seed))
        items, make = coll.synth_plans(n=int(n), seed=int(seed)), coll.synth_notes
    elif source == DRAWN:
        s1, s2, s3 = st.columns(3)
        n = s1.number_input("How many notes", 10, MAX_DRAWN, 100, 10, key="map_drawn")
        seed = s2.number_input("Seed", 0, 2**31 - 1, 0, key="map_seed", bind="query-params")
        pitch = s3.slider("Pitch (MIDI)", 36, 84, 60, key="map_pitch")
        spec = (vae, int(n), int(seed), int(pitch))
        drawn_z = model.sample_latent(int(n), int(seed))
        items = list(range(int(n)))
        make = lambda part: coll.drawn_notes(model, drawn_z[part[0] : part[-1] + 1], pitch=int(pitch), first=part[0])  # noqa: E731
    else:
        given = uploads()
        if given is None:
            st.stop()
        spec, items = given
        make, batch = coll.own_sounds, 8  # the pitch of each is measured: small parts, a steady bar
    if by == "VAE code":
        describe = (lambda notes, start: drawn_z[start : start + len(notes)]) if drawn_z is not None \
            else (lambda notes, start: vae_codes(model, notes))
    else:
        describe = lambda notes, start: classifier_embedding(classifier(), notes)  # noqa: E731
    sounds, x = build(source, spec, items, make, describe, batch=batch)
    if source == OWN:
        coll.check_usable(sounds, given=len(items))
    xy = layout(source, spec, by, vae, method, x)

if sounds.skipped:
    st.warning(f"Left out {len(sounds.skipped)} file(s): "
               + "; ".join(ui.plain(f"{n}: {why}", limit=120) for n, why in sounds.skipped[:4])
               + (" …" if len(sounds.skipped) > 4 else ""), icon=":material/warning:")


# ---------------------------------------------------------------------------------------------
# the map and the sound playing

N = len(sounds)


def _on_select() -> None:
    """A click on one point plays it; a lasso or box around several keeps them for the ZIP."""
    points = (st.session_state.get("map_chart") or {}).get("selection", {}).get("points", [])
    picked = sorted({int(np.ravel(p["customdata"])[0]) for p in points if p.get("customdata") is not None})
    picked = [i for i in picked if 0 <= i < N]
    if len(picked) == 1:
        st.session_state["map_sound"] = st.session_state["map_clicked"] = picked[0]
    st.session_state["map_picked"] = picked


if st.session_state.get("map_sound", 0) >= N:
    st.session_state["map_sound"] = 0
left, right = ui.columns([3, 2], gap="large")  # stacked in presentation mode
with right:
    current = st.selectbox("Sound", range(N), format_func=lambda i: sounds.names[i], key="map_sound",
                           help="Or click a point on the map.")
with left:
    if colour == "family":
        values, groups, label = None, sounds.family, ""
    else:
        values, groups, label = measures(source, spec, sounds)[colour], None, f"{colour} ({UNITS[colour]})"
    # a clicked point is marked by the chart's own selection; a ring marks a sound picked in the list
    # (so a click leaves the figure as it is and the browser need not draw it again)
    ring = None if current == st.session_state.get("map_clicked") else current
    fig = sound_map_figure(xy, sounds.names, groups=groups, values=values, value_label=label, current=ring,
                           title=f"{N:,} sounds, {by}, {method}")
    st.plotly_chart(fig, key="map_chart", on_select=_on_select, selection_mode=("points", "box", "lasso"),
                    config={"displaylogo": False})
    st.caption("Click a point to hear it; hover shows its name. To take several, pick the lasso or box tool "
               "above the map and draw around them: a button then downloads them as a ZIP.")
    picked = st.session_state.get("map_picked", [])
    if len(picked) > 1:
        st.download_button(f"Download the {len(picked)} selected sounds (ZIP of WAVs)",
                           lambda: coll.selection_zip(sounds, picked), file_name="selected-sounds.zip",
                           mime="application/zip", key="map_zip", icon=":material/folder_zip:")

with right:
    y = sounds.safe(current)
    ui.player(y, SR, key="map_play", label=sounds.names[current], file_name=f"{Path(sounds.names[current]).stem}.wav")
    pitch_text = ui.note_name(int(sounds.pitch[current]))
    st.caption(f"Pitch {pitch_text}" + (" (measured)" if sounds.pitch_estimated else "")
               + f" · family: {ui.plain(sounds.family[current], limit=40)}")
    ui.sound_panel(y, SR, key="map_panel", spectrum=False, title="")
    if by == "VAE code":
        model = ui.get_model("vae", vae)
        s = np.clip(np.round(model.to_slider(x[current]), 2), -Z_MAX, Z_MAX)
        query = {"vae_checkpoint": vae, "vae_pitch": int(np.clip(sounds.pitch[current], *model.pitch_range)),
                 **({"vae_velocity": int(sounds.velocity[current])}
                    if getattr(model, "velocity_range", None) and sounds.velocity[current] >= 1 else {}),
                 **{f"vae_z{d}": f"{v:g}" for d, v in enumerate(s)}}
        st.link_button("Open in the VAE page", f"VAE?{urlencode(query)}", icon=":material/open_in_new:",
                       help="Opens the VAE page in a new tab with this sound's code and pitch on the sliders.")

with st.expander("How to read the map", icon=":material/school:"):
    st.markdown(
        "Each sound is turned into a list of numbers: with **VAE code**, the point in the VAE's latent space "
        "its encoder gives it (the same numbers the VAE page's sliders hold); with **classifier embedding**, "
        "what the family classifier of the evaluation notices in it. The map squeezes those lists onto a "
        "page. With **t-SNE**, sounds that are neighbours in the numbers stay neighbours on the map, so "
        "clusters are real, but the gaps between far-apart clusters mean little. With **PCA**, the two axes are "
        "the two directions in which the sounds differ most, so distances are honest but clusters can overlap. "
        "Two identical sounds always land on the same point. Colour by a descriptor to see where bright, "
        "noisy or sharply struck sounds gather."
    )
