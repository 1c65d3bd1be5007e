"""VAE page: latent sliders (most important first), pitch, random/reset, encode your own sound,
presets and shareable links."""

from __future__ import annotations

import numpy as np
import streamlit as st

from explorer import ui
from explorer.ui.play import play_section
from explorer.errors import ExplorerError
from explorer.models.vae.networks import DEFAULT_VELOCITY
from explorer.presets import MAX_SEED, Preset

FAMILY = "vae"
Z_MAX = 3.0  # slider range: +-3 standard deviations of the prior
N_MAIN = 6  # sliders shown before the expander
DEFAULT_PITCH = 60

ui.page_setup("VAE", heading="Variational autoencoder (VAE)",
              caption="Pitch-conditioned VAE over spectrograms: the latent holds the timbre, "
                      "pitch is its own knob.")

# ---------------------------------------------------------------------------------------------
# model


model, checkpoint = ui.model_from_sidebar(FAMILY)

L = model.latent_dim
LO, HI = model.pitch_range
sliders = model.card.get("sliders") or [{"dim": d, "effect_db": None, "label": "", "corr": {}} for d in range(L)]
order = [s["dim"] for s in sliders if 0 <= s["dim"] < L]
order += [d for d in range(L) if d not in order]
info = {s["dim"]: s for s in sliders}

#: a learned prior: random notes come from where real codes lie; sliders are axes of its frame
learned = getattr(model, "prior", None) is not None
with st.expander("How it works (for the classroom)", icon=":material/school:"):
    st.markdown(
        "- The **encoder** squeezes a note's spectrogram and its pitch into a short list of numbers, the **latent** z. "
        "The **decoder** paints a spectrogram back from z and a pitch; Griffin-Lim turns it into sound.\n"
        "- Training asks for a faithful copy and a compact cloud of latents (the **KL term**). "
        + ("**Random** picks a point where the latents of real notes "
           + ("played at this pitch " if model.plays_to_prior else "") + "lie, so it decodes to a plausible note.\n"
           if learned else "**Random** draws from the standard normal cloud that term asks the latents to fill.\n")
        + ("- A **latent slider** moves along one axis of that cloud, the one along which notes differ most first "
           "(0: a typical note, +-2: far out).\n" if learned else
           "- A **latent slider** moves one latent number (0: the cloud's centre, +-2: far out), the ones that "
           "change the sound most first.\n")
        + "- Pitch goes to encoder and decoder, so the same z at another pitch is meant to be the same instrument "
        "on another note; over five octaves a code keeps its family less often than real instruments do."
    )

VELOCITY = getattr(model, "velocity_range", None)  # None: this checkpoint has no velocity knob
#: the sliders' prefix: axes of the learned prior's frame (0 = a typical note), or raw latent dimensions
AXIS = "axis " if learned else "z"
ui.query_notice({"vae_pitch": ui.int_in(LO, HI), "vae_seed": ui.int_in(0, MAX_SEED),
                 **({"vae_velocity": ui.int_in(*VELOCITY)} if VELOCITY else {}),
                 **{f"vae_z{d}": ui.float_in(-Z_MAX, Z_MAX) for d in range(L)}})


# ---------------------------------------------------------------------------------------------
# state changes (callbacks run before the widgets are drawn)


def _set_latent(z: np.ndarray) -> None:
    s = model.to_slider(z)  # the sliders hold coordinates in the model's slider frame
    for d in range(L):
        st.session_state[f"vae_z{d}"] = float(np.clip(round(float(s[d]), 2), -Z_MAX, Z_MAX))


def _randomize() -> None:
    # a seed whose note suits the pitch and velocity set now (for a prior that knows how notes were
    # played); the seed alone still gives the same note at any pitch, on the page and the CLI
    seed = model.seed_for(int(st.session_state.get("vae_pitch", DEFAULT_PITCH)),
                          st.session_state.get("vae_velocity") if VELOCITY else None, rng=np.random.default_rng())
    st.session_state["vae_seed"] = seed
    _set_latent(model.sample_latent(1, seed)[0])


def _from_seed() -> None:
    _set_latent(model.sample_latent(1, int(st.session_state["vae_seed"]))[0])


def _reset() -> None:
    st.session_state["vae_seed"] = 0
    _set_latent(model.to_latent(np.zeros(L)))
    st.session_state["vae_pitch"] = DEFAULT_PITCH
    if VELOCITY:
        st.session_state["vae_velocity"] = DEFAULT_VELOCITY


def _on_upload() -> None:
    from explorer.models.vae import encode_sound

    upload = st.session_state.get("vae_upload")
    st.session_state.pop("vae_encoded", None)
    st.session_state.pop("vae_upload_error", None)
    if upload is None:
        return
    try:
        enc = encode_sound(model, upload.getvalue(), fallback_pitch=int(st.session_state.get("vae_pitch", 60)))
    except ExplorerError as exc:
        st.session_state["vae_upload_error"] = exc
        return
    st.session_state["vae_encoded"] = {"name": upload.name, "y": enc.y, "pitch": enc.pitch,
                                       "estimated": enc.pitch_estimated, "z": enc.z,
                                       "note": enc.pitch_note}
    st.session_state["vae_pitch"] = enc.pitch
    _set_latent(enc.z)


def _on_preset() -> None:
    loaded = ui.preset_from_upload(model, key=FAMILY)
    if loaded is None:
        return
    preset, z = loaded.preset, loaded.z
    if preset.pitch is not None:
        st.session_state["vae_pitch"] = int(preset.pitch)
    if preset.seed is not None:
        st.session_state["vae_seed"] = int(preset.seed)
    if VELOCITY and preset.velocity is not None:
        st.session_state["vae_velocity"] = int(preset.velocity)
    _set_latent(z)


# ---------------------------------------------------------------------------------------------
# controls and sound


@st.fragment
def controls_and_sound() -> tuple[np.ndarray, int, int | None, Preset]:
    """Sliders, player, pictures and preset: a fragment, so a slider move reruns only this part.
    Returns (z, pitch, velocity, preset) to the full page run (the upload and the keyboard below)."""
    left, right = ui.control_columns()
    with left:
        pitch, velocity = ui.pitch_and_velocity(model, key="vae", default_pitch=DEFAULT_PITCH,
                                                help="MIDI note given to the decoder. The latent keeps the timbre.")
        st.number_input("Seed", min_value=0, max_value=MAX_SEED, value=0, step=1, key="vae_seed",
                        bind="query-params", on_change=_from_seed,
                        help="Change it to load a random note drawn from this seed (same seed, same sound). "
                             "The page opens with every slider at 0, the centre of the latent cloud.")
        c2, c3 = st.columns(2)
        c2.button("Random", on_click=_randomize, icon=":material/casino:", key="vae_random", width="stretch")
        c3.button("Reset", on_click=_reset, icon=":material/restart_alt:", key="vae_reset", width="stretch",
                  help="Every slider at 0 (the centre of the latent cloud), middle C")

        def _slider(d: int) -> float:
            s = info.get(d, {})
            label = f"{AXIS}{d}" + (f" · {ui.plain(s['label'], limit=40)} →" if s.get("label") else "")
            corr, moves = s.get("corr") or {}, s.get("moves") or {}
            tip = f"Moving {AXIS}{d} from -2 to +2 changes the sound by about {s['effect_db']} dB (log-mel)." \
                if s.get("effect_db") is not None else ""
            if moves:
                tip += " It changes " + ", ".join(f"{k} by {v:+.1f} sd" for k, v in moves.items()) + "."
            if corr:
                tip += " Over the training notes it goes with " + ", ".join(f"{k} {v:+.2f}" for k, v in corr.items()) \
                    + " (correlation)."
            return st.slider(label, -Z_MAX, Z_MAX, 0.0, 0.05, key=f"vae_z{d}", bind="query-params", help=tip or None)

        st.markdown("**Latent sliders** (most important first)")
        s = np.zeros(L, dtype=np.float32)
        for d in order[:N_MAIN]:
            s[d] = _slider(d)
        with st.expander(f"The other {max(L - N_MAIN, 0)} dimensions"):
            for d in order[N_MAIN:]:
                s[d] = _slider(d)
        z = model.to_latent(s)

    with right:
        y = ui.render_or_stop(model, z=z, pitch=int(pitch), velocity=velocity).y
        ui.player(y, model.sample_rate, key="vae_main", label=f"{ui.note_name(pitch)}"
                  + (f", velocity {velocity}" if velocity else "") + f", |z| = {np.linalg.norm(z):.2f}",
                  file_name=ui.sound_file_name(FAMILY, checkpoint, source=f"seed{st.session_state.get('vae_seed', 0)}",
                                            pitch=int(pitch)), autoplay=True)
        ui.sound_panel(y, model.sample_rate, key="vae_panel")

        preset = Preset(model=FAMILY, checkpoint=checkpoint, pitch=int(pitch), latent=[round(float(v), 4) for v in z],
                        seed=int(st.session_state.get("vae_seed", 0)), velocity=velocity)
        ui.preset_controls(preset, key=FAMILY, on_load=_on_preset,
                           caption="The page link (URL) holds the same state: share it to reproduce this sound exactly.")
        ui.copy_link(key=FAMILY)
    return z, int(pitch), velocity, preset


z, pitch, velocity, preset = controls_and_sound()

st.divider()
st.subheader("Encode your own sound")
st.markdown(f"Upload a single note (wav, flac, ogg, mp3; up to {ui.UPLOAD_MB} MB; the first 2 s of sound are used "
            "and a longer file is cut). Its pitch is "
            "estimated, it is **encoded** to a latent, and the sliders jump to that code: listen to the "
            "**reconstruction** beside the original, then move the sliders from there.")
st.file_uploader("Sound file", type=["wav", "flac", "ogg", "mp3", "aif", "aiff"], key="vae_upload",
                 on_change=_on_upload, max_upload_size=ui.UPLOAD_MB)
if "vae_upload_error" in st.session_state:
    ui.show_error(st.session_state["vae_upload_error"], context="That file could not be used")
enc = st.session_state.get("vae_encoded")
if enc:
    from explorer.audio import make_safe

    if enc.get("note"):
        st.warning(f"{ui.plain(enc['name'])}: {enc['note']}", icon=":material/music_off:")
    o, r = st.columns(2)
    with o:
        ui.player(make_safe(enc["y"], sr=model.sample_rate), model.sample_rate, key="vae_orig",
                  label=f"Original: {enc['name']} (pitch {ui.note_name(enc['pitch'])})", file_name="original.wav")
    with r:
        y_rec = ui.render_or_stop(model, z=enc["z"], pitch=int(enc["pitch"]),
                                  context="The reconstruction could not be rendered").y
        ui.player(y_rec, model.sample_rate, key="vae_rec", label="Reconstruction (decoded from its code)",
                  file_name="reconstruction.wav")
    ui.sound_panel(y_rec, model.sample_rate, key="vae_rec_panel", title="(reconstruction)", spectrum=False)

if not isinstance(model.card, dict) or not model.card.get("sliders"):
    st.caption("This checkpoint carries no slider analysis; sliders are in their natural order.")

# ---------------------------------------------------------------------------------------------
# play it: the keyboard, a MIDI file and the SFZ instrument (explorer/ui/play.py)

st.divider()
play_section(model, key=FAMILY, preset=preset, z=z, pitch=int(pitch))
