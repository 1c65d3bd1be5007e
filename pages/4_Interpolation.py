"""Interpolation: morph between two sounds by slerp or lerp, for every model family; latent journeys."""

import json

import numpy as np
import streamlit as st

from explorer import ui
from explorer.audio import rainbowgram
from explorer.budget import budgeted
from explorer.figures.sound import latent_map_figure, path_profile_figure, rainbowgram_strip_figure
from explorer.latent.interpolation import interpolate, norms
from explorer.latent.journey import render_journey
from explorer.latent.maps import latent_map, path_levels
from explorer.latent.morph import render_morph, sample_pack, PITCH_MOVES, step_pitches
from explorer.models.registry import FAMILIES
from explorer.presets import Preset
from explorer.render import DEFAULT_PITCH, preset_latent
from explorer.ui.pad import morph_pad

ui.page_setup("Interpolation")
st.title("Interpolation and latent journeys")
st.markdown(
    "Pick two sounds **A** and **B** of one model and walk from one to the other through the model's "
    "latent space. Each step is a real sound of the model; the morph plays them in order."
)

LABELS = [f.upper() for f in FAMILIES]
#: how a GP kernel moves along the path: even steps (the default), a straight mix, or not at all
#: (no format_func: a bound radio writes its shown words into the link)
KERNEL_MODES = ["in even steps", "by a straight mix", "not at all (A's kernel)"]
EVEN, LINEAR, FIXED = KERNEL_MODES
ui.query_notice({
    "im_model": ui.one_of(LABELS), "im_steps": ui.int_in(3, 17), "im_method": ui.one_of(["slerp", "lerp"]),
    "im_pitch": ui.int_in(24, 84), "im_kernel": ui.one_of(KERNEL_MODES),
    "im_gp_a": ui.one_of(ui.checkpoints_found()["gp"]), "im_gp_b": ui.one_of(ui.checkpoints_found()["gp"]),
    "im_seed_a": ui.int_in(0, 2**31 - 1), "im_seed_b": ui.int_in(0, 2**31 - 1),
})

SOURCES = ["seed", "preset file", "current sound of its page"]
ENCODED = "your sound (encoded)"
#: What a morph's latent means, per family (the "Why slerp?" text below the morph).
LATENT_TEXT = {
    "vae": "The model was trained on latents drawn from a standard normal",
    "gan": "The model was trained on latents drawn from a standard normal",
    "gp": "Its innovations (the white noise that goes into a draw) are standard normal",
}
LOUDNESS_TEXT = {
    "vae": "the loudness step hides most of it. `python -m explorer eval` measures what you hear instead: "
           "lerp's middle sounds closer to the model's *average* sound (z = 0), blander; slerp's keeps the "
           "character of the ends.",
    "gp": "a GP's sound is a linear map of its innovations, so a shorter latent is exactly a quieter draw "
          "(about 3 dB down in the middle of a lerp between independent draws).",
}
LOUDNESS_TEXT["gan"] = LOUDNESS_TEXT["vae"]

c1, c2, c3, c4 = st.columns(4)
found = ui.checkpoints_found()
ready = [f for f in FAMILIES if found.get(f)]
# the URL carries the option's label, so the options are the labels themselves
family = c1.selectbox("Model", LABELS, index=FAMILIES.index(ready[0]) if ready else 0, key="im_model",
                      bind="query-params").lower()
steps = c2.slider("Steps", 3, 17, 9, key="im_steps", bind="query-params")
method = c3.radio("Method", ["slerp", "lerp"], key="im_method", bind="query-params", horizontal=True)
pitch = c4.slider("Pitch (MIDI)", 24, 84, DEFAULT_PITCH, key="im_pitch", bind="query-params",
                  format="%d", help="Used by the VAE and GAN, and by harmonic GP kernels.")
st.caption(f"Pitch {ui.note_name(pitch)}")

with ui.reported(f"The {family.upper()} model could not be loaded", stop=True):
    default_model = ui.get_model(family)
# What else an endpoint can be depends on what the family's models can do: a model described by a
# kernel (GP) has shipped presets that are sounds of their own; a model with an encoder takes a sound.
SHIPPED = f"shipped {family.upper()} preset" if getattr(default_model, "spec", None) is not None else None
CAN_ENCODE = callable(getattr(default_model, "encode", None))


@st.cache_data(max_entries=8, show_spinner="Encoding your sound…")
@budgeted("long", "Encoding your sound")
def encoded(_model, model_key: str, data: bytes):
    from explorer.models.vae import encode_sound

    enc = encode_sound(_model, data)
    return enc.z, enc.pitch


def shipped_preset(label: str, default_seed: int, default_name: str) -> Preset:
    """A shipped preset of a family whose models are kernels: its kernel and a draw."""
    names = found.get(family, [])
    name = st.selectbox("Preset", names, index=names.index(default_name) if default_name in names else 0,
                        key=f"im_gp_{label.lower()}", bind="query-params")
    seed = st.number_input("Seed (the draw)", 0, 2**31 - 1, default_seed, key=f"im_seed_{label.lower()}",
                           bind="query-params")
    kernel = json.loads(ui.get_model(family, name).spec.dumps())
    return Preset(model=family, gp=kernel, seed=int(seed), extra={"name": name})


def encoded_sound(label: str, default_seed: int) -> Preset | None:
    up = st.file_uploader(f"A note for {label}", type=["wav", "flac", "ogg", "mp3", "aif", "aiff"],
                          key=f"im_snd_{label}", max_upload_size=ui.UPLOAD_MB)
    if up is not None:
        with ui.reported(f"{up.name} could not be encoded"):
            z, p = encoded(default_model, ui.model_key(default_model), up.getvalue())
            st.caption(f"Encoded; estimated pitch {ui.note_name(p)}")
            return Preset(model=family, latent=[float(v) for v in z], pitch=p)
    st.info(f"Until a sound is uploaded, {label} is seed {default_seed}.")
    return None


def endpoint(label: str, default_seed: int, default_name: str, col) -> tuple[Preset | None, int | None]:
    """Returns (preset or None, seed or None) for one endpoint."""
    sources = SOURCES + [s for s in (SHIPPED, ENCODED if CAN_ENCODE else None) if s]
    with col, st.container(border=True):
        st.markdown(f"**{label}**")
        source = st.radio("Source", sources, index=sources.index(SHIPPED) if SHIPPED else 0,
                          key=f"im_src_{family}_{label}", horizontal=True)
        if source == "seed":
            seed = st.number_input("Seed", 0, 2**31 - 1, default_seed, key=f"im_seed_{label.lower()}",
                                   bind="query-params")
            return None, int(seed)
        if source == SHIPPED:
            return shipped_preset(label, default_seed, default_name), None
        if source == ENCODED:
            preset = encoded_sound(label, default_seed)
            return preset, (default_seed if preset is None else None)
        if source == "preset file":
            preset = ui.preset_uploader(f"Preset JSON for {label}", key=f"im_up_{label}")
        else:
            preset = ui.current_preset(family)
            if preset is None:
                st.info(f"No {family.upper()} sound played yet in this session; using seed {default_seed}.")
        if preset is not None and preset.model != family:
            st.warning(f"That preset is for the {preset.model.upper()} model; using seed {default_seed}.")
            preset = None
        return preset, (default_seed if preset is None else None)


ca, cb = st.columns(2)
preset_a, seed_a = endpoint("A", 1, "gp-middle-c", ca)
preset_b, seed_b = endpoint("B", 2, "gp-organ", cb)

def endpoint_pitches(a: Preset | None, b: Preset | None, pitch: int | None, *, steps: int):
    """The pitch of each morph step: where an endpoint has its own pitch (an uploaded or saved sound),
    a glide or a step from A's to B's, as chosen; else the page's pitch for every step."""
    own = [None if p is None else p.pitch for p in (a, b)]
    if pitch is None or all(o is None for o in own):
        return pitch
    pa, pb = (int(o) if o is not None else pitch for o in own)
    # the shown words are what a bound radio writes into the link, so they do not name the pitches
    words = {"glide": "a glide from A's to B's", "step": "A's pitch, then B's", "slider": "the slider's"}
    shown = st.radio("Pitch along the path", [words[m] for m in (*PITCH_MOVES, "slider")], key="im_pitch_move",
                     bind="query-params", horizontal=True,
                     help=f"A is {ui.note_name(pa)}, B is {ui.note_name(pb)}; the slider's pitch plays every step.")
    how = {w: m for m, w in words.items()}[shown]
    return pitch if how == "slider" else step_pitches(pa, pb, steps=steps, how=how)


@st.cache_data(max_entries=16, show_spinner="Rendering the morph…")
@budgeted("long", "The morph")
def cached_morph(_model, path_key: tuple, _za: np.ndarray, _zb: np.ndarray, *, steps: int, method: str, pitch,
                 _step_models, step_keys: tuple | None, extra: dict):
    """The morph and its sample pack; ``path_key`` names the model and end points, ``step_keys`` the
    step models of a kernel morph (None: the model throughout)."""
    morph = render_morph(_model, _za, _zb, steps=steps, method=method, pitch=pitch, step_models=_step_models)
    return morph, sample_pack(morph, extra=extra)


with ui.reported(f"The {family.upper()} morph could not be made", stop=True):
    # the model of the first endpoint that names one (a checkpoint or its own kernel), else the default
    named = next((p for p in (preset_a, preset_b) if p is not None and (p.gp is not None or p.checkpoint)), None)
    model, notice = ui.preset_model(named, current=default_model) if named is not None else (default_model, None)
    if notice:
        st.info(notice, icon=":material/info:")
    use_pitch = pitch if model.pitch_range is not None else None
    morph_pitch = endpoint_pitches(preset_a, preset_b, use_pitch, steps=steps)
    step_models = ui.morph_step_models(preset_a, preset_b, steps=steps, pitch=use_pitch)
    kernel_mode = FIXED
    if step_models is not None:  # two different kernels: the kernel itself can move along the path
        kernel_mode = st.radio(
            "Kernel moves from A's to B's", KERNEL_MODES, key="im_kernel", bind="query-params", horizontal=True,
            help="Every step plays a mixture of the two spectral densities, (1 - w) S_A + w S_B: a valid GP "
                 "kernel. A straight mix (w = t) jumps near one end, because the louder spectrum dominates; "
                 "even steps choose each w so that the brightness (spectral centroid) moves by equal steps. "
                 "Not at all: A's kernel throughout, only the draw moves.")
        if kernel_mode == LINEAR:
            step_models = ui.morph_step_models(preset_a, preset_b, steps=steps, pitch=use_pitch, mix="linear")
    za, zb = (preset_latent(model, p if p is not None else Preset(model=family, seed=s))
              for p, s in ((preset_a, seed_a), (preset_b, seed_b)))
    moving = step_models if kernel_mode != FIXED else None
    path_key = (ui.model_key(model), ui.digest(za), ui.digest(zb))
    morph, pack = cached_morph(model, path_key, za, zb, steps=steps, method=method, pitch=morph_pitch, _step_models=moving,
                               step_keys=None if moving is None else tuple(ui.model_key(m) for m in moving),
                               extra={"model": family, "kernel": {EVEN: "even", LINEAR: "linear", FIXED: "fixed"}[kernel_mode]})

st.subheader("The morph")
ui.player(morph.y, morph.sr, key="im_morph", label=f"{steps} steps by {method}, joined with 50 ms crossfades",
          file_name=f"morph-{family}-{method}.wav")
st.download_button("Download the sample pack (ZIP: every step as WAV + path.json)", pack,
                   file_name=f"sample-pack-{family}-{method}.zip", mime="application/zip", key="im_zip",
                   icon=":material/folder_zip:")


@st.cache_data(max_entries=16, show_spinner=False)
def strip(_clips: list, keys: tuple, sr: int, pal: str):
    # most of what these models make sits below 8 kHz; at 44.1 kHz the top 2/3 would be black
    return rainbowgram_strip_figure([rainbowgram(y, sr=sr, palette=pal) for y in _clips], max_hz=min(sr / 2, 8000))


clips = [s.y for s in morph.steps]
st.plotly_chart(strip(clips, tuple(ui.digest(y) for y in clips), morph.sr, ui.palette()), key="im_strip",
                config={"displaylogo": False})
with st.expander("Hear each step"):
    cols = st.columns(4)
    for k, s in enumerate(morph.steps):
        with cols[k % 4]:
            ui.player(s.y, s.sr, key=f"im_step{k}", label=f"step {k}", file_name=f"step_{k:02d}.wav")

morph_pad(model, a=za, b=zb, family=family, pitch=use_pitch, endpoint=endpoint)  # explorer/ui/pad.py

st.subheader("Why slerp?")
d = model.latent_dim
both = {m: interpolate(za, zb, steps=steps, method=m) for m in ("slerp", "lerp")}
mid = {m: float(norms(p[len(p) // 2 : len(p) // 2 + 1])[0]) for m, p in both.items()}
st.markdown(
    f"{LATENT_TEXT[family]} in **d = {d:,}** dimensions. Such vectors almost all have a length close to "
    f"**sqrt(d) = {np.sqrt(d):,.1f}**: the 'typical set' is a thin shell the model knows, and its inside is where "
    "it has (almost) never been. A straight line (**lerp**) between two typical points cuts through the inside: "
    f"its midpoint here has length **{mid['lerp']:,.1f}**, {mid['lerp'] / np.sqrt(d):.0%} of the shell's radius. "
    f"**Slerp** follows the great circle along the shell (midpoint length **{mid['slerp']:,.1f}**), so every "
    "step is a sound the model knows. The right-hand plot shows the loudness before the app's level "
    "normalisation: " + LOUDNESS_TEXT[family]
)


@st.cache_data(max_entries=16, show_spinner=False)
def levels(_model, path_key: tuple, _paths: dict, steps: int, pitch):
    return path_levels(_model, _paths, pitch=pitch)


@st.cache_data(max_entries=8, show_spinner=False)
def plane(_model, path_key: tuple, _paths: dict, steps: int, n_cloud: int):
    """(cloud, paths, origin) in the paths' PCA plane; the origin (z = 0) is marked on the map."""
    dim = next(iter(_paths.values())).shape[1]
    points, paths_2d = latent_map(_paths, np.vstack([np.zeros((1, dim)), _model.sample_latent(n_cloud, 12345)]))
    return points[1:], paths_2d, points[0]


left, right = ui.columns(2)
left.plotly_chart(
    path_profile_figure({m: norms(p) for m, p in both.items()}, title="Latent norm along the path",
                        ylabel="latent norm |z|", reference=float(np.sqrt(d)), reference_label="sqrt(d)"),
    key="im_norms", config={"displaylogo": False})
right.plotly_chart(
    path_profile_figure(levels(model, path_key, both, steps, use_pitch), title="Loudness the model produces",
                        ylabel="RMS before normalisation (dBFS)", from_zero=False, min_span=6.0),
    key="im_levels", config={"displaylogo": False})

cloud_2d, paths_2d, origin_2d = plane(model, path_key, both, steps, 300 if d <= 4096 else 60)
map_col, text_col = ui.columns([3, 2])
map_col.plotly_chart(latent_map_figure(cloud_2d, paths_2d, origin=origin_2d), key="im_map",
                     config={"displaylogo": False})
text_col.markdown(
    "**Reading the map.** PCA fitted to the two paths gives the plane through A, B and the origin. Slerp is "
    "the arc at constant distance from the origin; lerp is the chord. The grey dots are other random "
    "latents: in this plane they all sit near the origin (the black cross), because almost all of their length points in the "
    f"other {d - 2:,} directions. That is the high-dimensional surprise: every typical latent is far from the "
    "centre, yet close to the centre in any one plane.")

st.subheader("Latent journey")
st.markdown("A smooth random walk: random waypoints joined by slerp, rendered as one continuous sound "
            "(a note every half second for the VAE and GAN, an evolving texture for the GP).")
j1, j2, j3 = st.columns(3)
j_seed = j1.number_input("Journey seed", 0, 2**31 - 1, 7, key="im_jseed")
j_way = j2.slider("Waypoints", 2, 8, 4, key="im_jway")
j_len = j3.slider("Length (s)", 4, 30, 10, key="im_jlen")
if st.button("Render journey", key="im_jgo", icon=":material/route:"):
    with ui.reported("The journey could not be rendered"):
        journey = render_journey(model, seed=int(j_seed), n_waypoints=j_way, duration_s=float(j_len),
                                 pitches=None if use_pitch is None else [use_pitch])
        ui.player(journey.y, journey.sr, key="im_journey", label=f"{j_len} s journey", file_name="journey.wav")
        st.plotly_chart(
            path_profile_figure({"journey": norms(journey.path)}, title="Latent norm along the journey",
                                ylabel="latent norm |z|", reference=float(np.sqrt(d)), reference_label="sqrt(d)"),
            key="im_jnorm")
