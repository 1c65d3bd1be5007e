"""Listen to the dataset: the synthetic notes made on the fly, and the real-instrument corpus on disk."""

import json
from pathlib import Path

import pandas as pd
import soundfile as sf
import streamlit as st

from explorer import ui
from explorer.audio import make_safe
from explorer.audio.constants import PITCH_MAX, PITCH_MIN, SR
from explorer.audio.pitch import midi_to_hz
from explorer.data.soundfont.corpus import read_corpus
from explorer.data.soundfont.families import FAMILY_SPECS as GM_FAMILIES
from explorer.data.synth import FAMILIES, FAMILY_SPECS, VELOCITIES, synthesize_note
from explorer.errors import ExplorerError

N_EXAMPLES = 3
MAX_SET = 999
CARD = Path("data/synth/dataset_card.json")
DATA = Path("data")
SYNTHETIC, REAL = "Synthetic notes", "Real instruments"

ui.page_setup("Dataset")
st.title("Listen to the dataset")
source = st.segmented_control("Notes", [SYNTHETIC, REAL], default=SYNTHETIC, required=True, key="ds_source",
                              bind="query-params", help="Synthetic notes are made on the spot by the app's own "
                              "synthesizer; real instruments are sampled notes from free soundfonts, on disk.")


def _corpora() -> list[Path]:
    """Folders under data/ holding a finished soundfont corpus."""
    found = []
    for card in sorted(DATA.glob("*/dataset_card.json")):
        try:
            meta = json.loads(card.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if meta.get("source") == "soundfont" and meta.get("status") == "complete":
            found.append(card.parent)
    return found


@st.cache_data(max_entries=4, show_spinner=False)
def _corpus(root: str, stamp: float):
    card, rows = read_corpus(root)
    return card, pd.DataFrame(rows)


@st.cache_data(max_entries=32, show_spinner=False)
def _corpus_note(path: str):
    y, sr = sf.read(path, dtype="float32")
    return make_safe(y, sr=sr), sr


def real_instruments() -> None:
    """Browse a corpus rendered from General MIDI soundfonts: family, instrument, pitch, velocity."""
    st.markdown(
        "These notes were **played by sampled instruments**: recordings of real pianos, trumpets, violins, "
        "voices and more, packed in free General MIDI soundfonts that Debian ships (Fluid R3, MuseScore "
        "General, TimGM6mb). Every instrument plays every pitch from C1 to C7 at five strengths, as in "
        "NSynth. Notes that came out silent or out of tune were left out. Some instruments are kept for "
        "testing only: the models never hear them while they learn."
    )
    corpora = _corpora()
    if not corpora:
        st.info("No real-instrument corpus on disk yet. Make one with  \n"
                "`apt-get install fluid-soundfont-gm musescore-general-soundfont libfluidsynth3` then  \n"
                "`python -m explorer dataset --source soundfont --out data/gm`", icon=":material/info:")
        return
    root = st.selectbox("Corpus folder", corpora, format_func=str, key="ds_corpus") if len(corpora) > 1 else corpora[0]
    try:
        card, notes = _corpus(str(root), (root / "labels.jsonl").stat().st_mtime)
    except (ExplorerError, OSError) as exc:
        ui.show_error(exc, context=f"The corpus in {root} cannot be read")
        return
    families = [f for f in GM_FAMILIES if f in set(notes["family"])]
    c1, c2 = st.columns([1, 2])
    family = c1.selectbox("Family", families, format_func=lambda f: GM_FAMILIES[f].title, key="ds_gm_family",
                          bind="query-params")
    insts = notes[notes["family"] == family].drop_duplicates("instrument_id").sort_values("instrument_id")
    names = {r.instrument_id: f"{r.instrument} ({r.soundfont}, bank {r.bank}, program {r.program}) - {r.split}"
             for r in insts.itertuples()}
    inst = c2.selectbox("Instrument", list(names), format_func=names.get, key="ds_gm_instrument",
                        help="Train instruments are what the models learn from; valid and test instruments "
                        "are kept apart to check that a model works on instruments it never heard.")
    mine = notes[notes["instrument_id"] == inst]
    c3, c4 = st.columns([3, 2])
    pitches = sorted(mine["pitch"].unique().tolist())
    pitch = c3.select_slider("Pitch (MIDI)", pitches, value=min(pitches, key=lambda p: abs(p - 60)),
                             format_func=ui.note_name, key="ds_gm_pitch")
    at_pitch = mine[mine["pitch"] == pitch]
    velocities = sorted(at_pitch["velocity"].unique().tolist())
    velocity = c4.radio("Velocity (MIDI)", velocities, index=len(velocities) - 1, horizontal=True,
                        key="ds_gm_velocity", help="How hard the note was played: in the files, louder and "
                        "(for most instruments) brighter.")
    row = at_pitch[at_pitch["velocity"] == velocity].iloc[0]
    try:
        y, sr = _corpus_note(str(root / row["file"]))
    except (OSError, RuntimeError) as exc:
        ui.show_error(ExplorerError(f"{row['file']} cannot be read ({exc})"), context="This note cannot be played")
        return
    ui.player(y, sr, key="ds_gm", label=f"{row['instrument']}, {ui.note_name(pitch)}, velocity {velocity}",
              file_name=f"{Path(row['file']).stem}.wav")
    cents = row.get("pitch_cents")
    st.caption(f"Split: **{row['split']}** · measured pitch {cents:+.0f} cents from the label"
               if pd.notna(cents) else f"Split: **{row['split']}** · no steady pitch measured")
    ui.sound_panel(y, sr, key="ds_gm_panel", title=row["instrument"])
    st.caption(GM_FAMILIES[family].description)

    st.divider()
    st.subheader("Where the samples come from")
    st.dataframe(pd.DataFrame([{"soundfont": s["file"], "Debian package": s["package"], "licence": s["licence"],
                                "authors": s["authors"], "instruments": s["instruments"], "notes": s["notes"]}
                               for s in card["sources"]]), hide_index=True, width="stretch")
    counts = card["counts"]
    st.dataframe(pd.DataFrame([{"family": GM_FAMILIES[f].title, **counts["notes"][f],
                                "instruments (train/valid/test)": "/".join(str(counts["instruments"][f][s])
                                                                          for s in ("train", "valid", "test"))}
                               for f in card["families"]]), hide_index=True, width="stretch")
    st.caption(f"{card['size']:,} notes ({card['hours']:.1f} hours) of {counts['instruments_total']} instruments in "
               f"`{root}`, seed {card['seed']}; {card['dropped']['total']:,} notes were left out as silent or "
               f"out of tune. Rendered with FluidSynth {card['fluidsynth']}.")


if source == REAL:
    real_instruments()
    st.stop()

st.markdown(
    "The VAE and the GAN learn from **synthetic notes**, NSynth-style: single notes of ten instrument "
    "and voice families, each note with its own randomly drawn timbre. Nothing is downloaded; every "
    "note here is synthesized on the spot from a fixed seed, exactly as in the training set. This is "
    "the *real data* to compare the models' sounds with. Switch to *Real instruments* to hear sampled ones."
)

ui.query_notice({"ds_family": ui.one_of(list(FAMILIES)), "ds_pitch": ui.int_in(PITCH_MIN, PITCH_MAX),
                 "ds_velocity": ui.one_of(list(VELOCITIES)), "ds_set": ui.int_in(0, MAX_SET)})

c1, c2, c3, c4 = st.columns([2, 3, 2, 1])
family = c1.selectbox("Family", FAMILIES, key="ds_family", bind="query-params",
                      help="The family label used in the dataset's labels.jsonl.")
spec = FAMILY_SPECS[family]
lo, hi = spec.pitch_range
pitch = c2.slider("Pitch (MIDI)", PITCH_MIN, PITCH_MAX, 60, key="ds_pitch", bind="query-params",
                  help=f"Any pitch renders; the dataset draws {spec.title.lower()} notes from MIDI {lo}-{hi}.")
velocity = c3.radio("Velocity (MIDI)", VELOCITIES, index=1, key="ds_velocity", bind="query-params", horizontal=True,
                    help="How hard the note is played (50 soft, 90 medium, 127 loud): louder in the dataset "
                    "and, for most families, brighter.")
example_set = c4.number_input("Example set", 0, MAX_SET, 0, key="ds_set", bind="query-params",
                              help=f"Each set is {N_EXAMPLES} fixed seeds: the same set always gives the same notes.")
st.caption(f"{ui.note_name(pitch)}, {midi_to_hz(pitch):.1f} Hz · {spec.title}: {spec.method}.")
if not lo <= pitch <= hi:
    st.info(f"MIDI {pitch} is outside the {spec.title.lower()}'s range in the dataset ({lo}-{hi}): "
            "you can listen, but the models never heard such a note.", icon=":material/info:")

with st.expander(f"How the {spec.title.lower()} is made (for the classroom)", icon=":material/school:", expanded=True):
    st.markdown(spec.description)
    if not spec.harmonic:
        st.markdown("*Inharmonic by design:* its partials are not whole multiples of the fundamental, so the "
                    "labelled pitch is the lowest (strike or carrier) partial rather than a clean periodic pitch.")


@st.cache_data(max_entries=96, show_spinner="Synthesizing…")
def _note(family: str, pitch: int, velocity: int, seed: int):
    y, params = synthesize_note(family, pitch, velocity, seed=seed)
    return make_safe(y, sr=SR), params


cols = ui.columns(N_EXAMPLES)
for i, col in enumerate(cols):
    seed = example_set * N_EXAMPLES + i
    with col:
        try:
            y, params = _note(family, int(pitch), int(velocity), seed)
        except ExplorerError as exc:
            ui.show_error(exc, context="This note could not be synthesized")
            continue
        except Exception as exc:  # a bug: keep the page up
            ui.show_error(exc, context="Synthesis failed")
            continue
        ui.player(y, SR, key=f"ds_ex{i}", label=f"Example {i + 1} (seed {seed})",
                  file_name=f"{family}-{pitch}-{velocity}-seed{seed}.wav")
        ui.sound_panel(y, SR, key=f"ds_ex{i}_panel", title=f"{i + 1}", spectrum=False)
        with st.expander("Timbre parameters"):
            values = [f"{v:.3g}" if isinstance(v, float) else str(v) for v in params.values()]
            st.dataframe(pd.DataFrame({"value": values}, index=list(params)), width="stretch")
st.caption("Playback is brought to the app's steady loudness; the dataset's files keep the velocity's level. "
           "Every note is released at 75 % of its 2.05 s, as in NSynth.")

st.divider()
st.subheader("All families")
st.dataframe(
    pd.DataFrame([{"family": s.title, "label": s.name, "MIDI range": f"{s.pitch_range[0]}-{s.pitch_range[1]}",
                   "synthesis": s.method, "pitch": "harmonic" if s.harmonic else "inharmonic by design"}
                  for s in FAMILY_SPECS.values()]),
    hide_index=True, width="stretch",
)
if CARD.is_file():
    try:
        card = json.loads(CARD.read_text())
        st.caption(f"The training set on disk (`{CARD.parent}`): {card['size']:,} notes, seed {card['seed']}, "
                   f"{card['size_on_disk_bytes'] / 2**20:.0f} MiB.")
    except (ValueError, KeyError, TypeError):
        pass
else:
    st.caption("Make the training set with `python -m explorer dataset --out data/synth` "
               "(about 10,000 notes, a few minutes on two cores).")
