"""GAN page: seed with dice, principal-direction sliders, pitch, rainbowgram, a melody with the
same timbre, presets and shareable links."""

from __future__ import annotations

import numpy as np
import streamlit as st

from explorer import ui
from explorer.audio.features import DESCRIPTORS
from explorer.budget import budgeted
from explorer.ui.play import play_section
from explorer.latent.melody import PHRASES, parse_melody, render_melody
from explorer.models.registry import CHECKPOINT_DIR
from explorer.presets import MAX_SEED, Preset

FAMILY = "gan"
D_MAX = 3.0  # direction sliders: +-3 standard deviations along each principal direction
DEFAULT_PITCH = 60
DEFAULT_SEED = 27  # in tune at every pitch we checked (36-72), a clean release
OWN = "Type my own"

ui.page_setup("GAN", heading="Generative adversarial network (GAN)",
              caption="A small GANSynth: a pitch-conditioned generator paints log-magnitude and "
                      "instantaneous-frequency spectrograms; one dice roll is one instrument, playable at every pitch.")

with st.expander("How it works (for the classroom)", icon=":material/school:"):
    st.markdown(
        "- The **generator** turns a random vector z (drawn from a seed) plus a **pitch** into a picture of a "
        "note: how loud each frequency is over time (log-magnitude) and how fast its phase turns "
        "(**instantaneous frequency**, IF). An inverse STFT turns that picture straight into sound, in "
        "milliseconds.\n"
        "- The **discriminator** learns at the same time to tell real notes from generated ones; "
        "the generator learns by fooling it, the *adversarial* game of a GAN.\n"
        "- **Pitch conditioning**: the pitch is a separate input, so z holds the *timbre*: the same z at another "
        "pitch is the same instrument playing another note (try the melody player below).\n"
        "- **Rainbowgram**: brightness is loudness, colour is the IF. A clean "
        "harmonic is a line of one steady colour; noise is speckle.\n"
        "- The **direction sliders** move z along the main axes of the generator's variation "
        "(PCA, as in GANSpace)."
    )


# ---------------------------------------------------------------------------------------------
# model


model, checkpoint = ui.model_from_sidebar(FAMILY)

LO, HI = model.pitch_range
directions = model.directions
K = 0 if directions is None else len(directions.vectors)
VELOCITY = getattr(model, "velocity_range", None)  # None: this checkpoint has no velocity knob

ui.query_notice({"gan_pitch": ui.int_in(LO, HI), "gan_seed": ui.int_in(0, MAX_SEED),
                 **({"gan_velocity": ui.int_in(*VELOCITY)} if VELOCITY else {}),
                 **{f"gan_d{k}": ui.float_in(-D_MAX, D_MAX) for k in range(K)}})


# ---------------------------------------------------------------------------------------------
# state changes (callbacks run before the widgets are drawn)


def _reset_directions() -> None:
    for k in range(K):
        st.session_state[f"gan_d{k}"] = 0.0


def _roll() -> None:
    st.session_state["gan_seed"] = int(np.random.default_rng().integers(0, 100_000))
    st.session_state.pop("gan_base", None)


def _on_seed() -> None:
    st.session_state.pop("gan_base", None)


def _on_phrase() -> None:
    choice = st.session_state.get("gan_phrase")
    if choice in PHRASES:
        st.session_state["gan_melody"] = PHRASES[choice]


def _on_preset() -> None:
    loaded = ui.preset_from_upload(model, key=FAMILY)
    if loaded is None:
        return
    preset, z = loaded.preset, loaded.z
    amounts = preset.extra.get("directions")
    if not (isinstance(amounts, list) and len(amounts) == K
            and all(isinstance(a, (int, float)) and abs(a) <= D_MAX for a in amounts)):
        amounts = [0.0] * K
    if preset.pitch is not None:
        st.session_state["gan_pitch"] = int(preset.pitch)
    if VELOCITY and preset.velocity is not None:
        st.session_state["gan_velocity"] = int(preset.velocity)
    seed = preset.seed if preset.seed is not None else DEFAULT_SEED
    st.session_state["gan_seed"] = int(seed)
    for k, a in enumerate(amounts):
        st.session_state[f"gan_d{k}"] = float(a)
    # a latent that seed + sliders reproduce stays shareable by link; any other becomes the base z
    if np.allclose(model.move(model.sample_latent(1, seed)[0], amounts), z, atol=1e-3):
        st.session_state.pop("gan_base", None)
    else:
        st.session_state["gan_base"] = [float(v) for v in (z - model.move(np.zeros_like(z), amounts))]


# ---------------------------------------------------------------------------------------------
# controls and sound


@st.cache_data(max_entries=16, show_spinner="Rendering the melody…")
@budgeted("long", "The melody")
def _melody(_model, model_key: str, z_key: tuple, text: str) -> np.ndarray:
    notes = parse_melody(text, pitch_range=_model.pitch_range)
    return render_melody(_model, np.array(z_key, dtype=np.float32), notes)


def _source(seed: int, amounts: list[float]) -> str:
    """What a download's name says made the sound: the seed, and the directions moved from it."""
    moved = [f"d{k + 1}{a:+g}" for k, a in enumerate(amounts) if a]
    return "-".join([f"seed{seed}", *moved]) if st.session_state.get("gan_base") is None else "preset"


@st.fragment
def controls_and_sound() -> tuple[np.ndarray, tuple, int, int, Preset]:
    """Seed, sliders, player, pictures and preset: a fragment, so a slider move reruns only this part.
    Returns (z, z_key, seed, pitch, preset) to the full page run (the melody and the keyboard below)."""
    left, right = ui.control_columns()
    with left:
        pitch, velocity = ui.pitch_and_velocity(model, key="gan", default_pitch=DEFAULT_PITCH,
                                                help="The pitch given to the generator. The seed and sliders keep the timbre.")
        c1, c2, c3 = st.columns([2, 1, 1], vertical_alignment="bottom")
        seed = c1.number_input("Seed", min_value=0, max_value=MAX_SEED, value=DEFAULT_SEED, step=1, key="gan_seed",
                               bind="query-params", on_change=_on_seed,
                               help="z = a standard-normal draw from this seed (same seed, same sound, every time).")
        c2.button("Roll", on_click=_roll, icon=":material/casino:", key="gan_roll", help="A new random seed")
        c3.button("Centre", on_click=_reset_directions, icon=":material/restart_alt:", key="gan_reset",
                  help="All direction sliders back to 0")

        amounts = []
        effects = model.card.get("directions_effect_db") if isinstance(model.card, dict) else None
        labels = model.card.get("directions_label") if isinstance(model.card, dict) else None
        moves = model.card.get("directions_moves") if isinstance(model.card, dict) else None
        if K:
            st.markdown("**Principal directions** (GANSpace: the main axes of the generator's variation)")
            for k in range(K):
                share = float(directions.explained[k]) if len(directions.explained) > k else 0.0
                tip = "Moves z along this direction, in standard deviations of the latent cloud along it."
                if isinstance(effects, list) and len(effects) > k:
                    tip += f" From -2 to +2 the log-mel spectrogram changes by about {effects[k]} dB on average."
                label = ui.plain(labels[k], limit=40) if isinstance(labels, list) and len(labels) > k and labels[k] else ""
                if share >= 0.005:
                    tip += f" It carries {100 * share:.0f}% of the generator's variation."
                if label:
                    tip += f" Towards +: {label}, for at least 80% of notes."
                elif isinstance(moves, list) and len(moves) > k and isinstance(moves[k], dict):
                    top = sorted(((abs(float(v)), str(n), float(v)) for n, v in moves[k].items()
                                  if n in DESCRIPTORS and isinstance(v, (int, float))), reverse=True)[:2]
                    said = [f"{n} {v:+.1f}" for a, n, v in top if a >= 0.5]
                    if said:
                        tip += (" On average towards +: " + ", ".join(said) + " standard deviations, but no word "
                                "holds for 80% of notes.")
                amounts.append(st.slider(
                    f"Direction {k + 1}" + (f" · {label} →" if label else ""),
                    -D_MAX, D_MAX, 0.0, 0.1, key=f"gan_d{k}", bind="query-params", help=tip))
        else:
            st.caption("This checkpoint carries no principal directions; use the seed to explore.")

        base = st.session_state.get("gan_base")
        if base is not None and len(base) == model.latent_dim:
            z0 = np.asarray(base, dtype=np.float32)
            st.info("Playing the latent of the loaded preset (not reproducible from the seed); change the seed to "
                    "leave it.", icon=":material/bookmark:")
        else:
            z0 = model.sample_latent(1, int(seed))[0]
        z = model.move(z0, amounts) if K else z0

    z_key = tuple(float(v) for v in z)
    with right:
        y = ui.render_or_stop(model, z=z, pitch=int(pitch), velocity=velocity).y
        ui.player(y, model.sample_rate, key="gan_main", label=f"Seed {seed}, {ui.note_name(pitch)}"
                  + (f", velocity {velocity}" if velocity else ""),
                  file_name=ui.sound_file_name(FAMILY, checkpoint, source=_source(seed, amounts), pitch=int(pitch)),
                  autoplay=True)
        ui.sound_panel(y, model.sample_rate, key="gan_panel")

        preset = Preset(model=FAMILY, checkpoint=checkpoint, pitch=int(pitch), latent=[round(v, 5) for v in z_key],
                        seed=int(seed), velocity=velocity, extra={"directions": [round(float(a), 3) for a in amounts]} if K else {})
        ui.preset_controls(preset, key=FAMILY, on_load=_on_preset,
                           caption="The page link (URL) holds the seed, pitch and sliders: share it to reproduce "
                                   "this sound exactly.")
        ui.copy_link(key=FAMILY)
    return z, z_key, int(seed), int(pitch), preset


z, z_key, seed, pitch, preset = controls_and_sound()

st.divider()
st.subheader("Play a melody with this timbre")
st.markdown("The same z is rendered at every pitch of the phrase and the notes are overlap-added: a "
            "pitch-conditioned GAN should keep the instrument while the notes change. Write notes as "
            "`C4 E4 G4 C5`; add `:seconds` for a duration (`C4:0.25`), `R` for a rest.")
m1, m2 = st.columns([1, 2], vertical_alignment="bottom")
m1.selectbox("Phrase", [*PHRASES, OWN], key="gan_phrase", on_change=_on_phrase)
text = m2.text_input("Notes", next(iter(PHRASES.values())), key="gan_melody", max_chars=600, bind="query-params",
                     help="The notes are in the page link too.")
# the melody is rendered for the sound it was asked with (new notes, or the button), not on every slider move
held = st.session_state.get("gan_melody_for")
if held is None or held[1] != text or held[2] != ui.model_key(model) or st.session_state.pop("gan_melody_wanted", False):
    held = (z_key, text, ui.model_key(model), int(seed))
    st.session_state["gan_melody_for"] = held
with ui.reported("The melody could not be played"):
    phrase = _melody(model, ui.model_key(model), held[0], text)
    ui.player(phrase, model.sample_rate, key="gan_melody_player", label=f"{len(text.split())} notes, seed {held[3]}",
              file_name=ui.sound_file_name(FAMILY, checkpoint, source=f"seed{held[3]}-melody"))
st.button("Play the melody with the current sound", key="gan_melody_update", icon=":material/queue_music:",
          on_click=st.session_state.__setitem__, args=("gan_melody_wanted", True),
          help="The melody keeps its sound while you move the controls above, so a slider move stays quick.")

card_md = CHECKPOINT_DIR / f"{checkpoint}.md"
if card_md.exists():
    with st.expander("Model card", icon=":material/description:"):
        st.markdown(card_md.read_text(encoding="utf-8"))

# ---------------------------------------------------------------------------------------------
# play it: the keyboard, a MIDI file and the SFZ instrument (explorer/ui/play.py)

st.divider()
play_section(model, key=FAMILY, preset=preset, z=z, pitch=int(pitch))
