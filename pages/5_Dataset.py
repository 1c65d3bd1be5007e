"""Listen to the dataset: the synthetic notes the VAE and GAN learn from, made on the fly."""

import json
from pathlib import Path

import pandas as pd
import streamlit as st

from explorer import ui
from explorer.audio import make_safe
from explorer.audio.constants import PITCH_MAX, PITCH_MIN, SR
from explorer.audio.pitch import midi_to_hz
from explorer.data.synth import FAMILIES, FAMILY_SPECS, VELOCITIES, synthesize_note
from explorer.errors import ExplorerError

N_EXAMPLES = 3
MAX_SET = 999
CARD = Path("data/synth/dataset_card.json")

ui.page_setup("Dataset", ":material/library_music:")
st.title("Listen to the dataset")
st.markdown(
    "The VAE and the GAN learn from **synthetic notes**, NSynth-style: single notes of ten instrument "
    "and voice families, each note with its own randomly drawn timbre. Nothing is downloaded; every "
    "note here is synthesized on the spot from a fixed seed, exactly as in the training set. This is "
    "the *real data* to compare the models' sounds with."
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


cols = st.columns(N_EXAMPLES)
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
