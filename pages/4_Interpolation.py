"""Interpolation: morph between two sounds by slerp or lerp, for every model family; latent journeys."""

import json

import numpy as np
import streamlit as st
from sklearn.decomposition import PCA

from explorer import ui
from explorer.audio import rainbowgram
from explorer.errors import ExplorerError
from explorer.audio.safety import rms_dbfs
from explorer.figures.sound import latent_map_figure, path_profile_figure, rainbowgram_strip_figure
from explorer.latent.journey import render_journey
from explorer.latent.interpolation import interpolate, norms
from explorer.models.gp import GPModel, list_gp_presets, mix_specs, parse_gp_spec
from explorer.models.registry import FAMILIES, checkpoint_path, model_from_gp_spec
from explorer.latent.morph import render_morph, sample_pack
from explorer.presets import Preset
from explorer.render import DEFAULT_PITCH, preset_latent

ui.page_setup("Interpolation", ":material/linear_scale:")
st.title("Interpolation and latent journeys")
st.markdown(
    "Pick two sounds **A** and **B** of one model and walk from one to the other through the model's "
    "latent space. Each step is a real sound of the model; the morph plays them in order."
)

LABELS = [f.upper() for f in FAMILIES]
ui.query_notice({
    "im_model": ui.one_of(LABELS), "im_steps": ui.int_in(3, 17), "im_method": ui.one_of(["slerp", "lerp"]),
    "im_pitch": ui.int_in(24, 84), "im_kernel": ui.one_of(["interpolated", "fixed"]),
    "im_gp_a": ui.one_of(list_gp_presets()), "im_gp_b": ui.one_of(list_gp_presets()), "im_seed_a": ui.int_in(0, 2**31 - 1), "im_seed_b": ui.int_in(0, 2**31 - 1),
})

SOURCES = ["seed", "preset file", "current sound of its page"]

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


@st.cache_resource(max_entries=8, show_spinner="Loading model…")
def gp_model_for(spec_json: str):
    return model_from_gp_spec(json.loads(spec_json))


@st.cache_data(max_entries=8, show_spinner="Encoding your sound…")
def encoded(data: bytes, checkpoint: str | None):
    from explorer.models.vae import encode_sound

    enc = encode_sound(ui.get_model("vae", checkpoint), data)
    return enc.z, enc.pitch


def endpoint(label: str, default_seed: int, default_gp: str, col):
    """Returns (preset or None, seed or None) for one endpoint."""
    sources = SOURCES + (["shipped GP preset"] if family == "gp" else []) + (["your sound (encoded)"] if family == "vae" else [])
    with col, st.container(border=True):
        st.markdown(f"**{label}**")
        source = st.radio("Source", sources, index=len(sources) - 1 if family == "gp" else 0,
                          key=f"im_src_{family}_{label}", horizontal=True)
        if source == "seed":
            seed = st.number_input("Seed", 0, 2**31 - 1, default_seed, key=f"im_seed_{label.lower()}",
                                   bind="query-params")
            return None, int(seed)
        if source == "shipped GP preset":
            names = list_gp_presets()
            name = st.selectbox("Preset", names, index=names.index(default_gp) if default_gp in names else 0,
                                key=f"im_gp_{label.lower()}", bind="query-params")
            seed = st.number_input("Seed (the draw)", 0, 2**31 - 1, default_seed, key=f"im_seed_{label.lower()}",
                                   bind="query-params")
            spec = json.loads(checkpoint_path("gp", name).read_text(encoding="utf-8"))
            return Preset(model="gp", gp=spec, seed=int(seed), extra={"name": name}), None
        if source == "your sound (encoded)":
            up = st.file_uploader(f"A note for {label}", type=["wav", "flac", "ogg", "mp3", "aif", "aiff"],
                                  key=f"im_snd_{label}", max_upload_size=ui.UPLOAD_MB)
            if up is not None:
                try:
                    z, p = encoded(up.getvalue(), None)
                    st.caption(f"Encoded; estimated pitch {ui.note_name(p)}")
                    return Preset(model="vae", latent=[float(v) for v in z], pitch=p), None
                except ExplorerError as exc:
                    ui.show_error(exc, context=f"{up.name} could not be encoded")
            st.info(f"Until a sound is uploaded, {label} is seed {default_seed}.")
            return None, default_seed
        if source == "preset file":
            preset = ui.preset_uploader(f"Preset JSON for {label}", key=f"im_up_{label}")
        else:
            found = ui.current_preset(family)
            preset = Preset(**{k: v for k, v in found.items() if k != "format"}) if found else None
            if preset is None:
                st.info(f"No {family.upper()} sound played yet in this session; using seed {default_seed}.")
        if preset is not None and preset.model != family:
            st.warning(f"That preset is for the {preset.model.upper()} model; using seed {default_seed}.")
            preset = None
        return preset, (default_seed if preset is None else None)


ca, cb = st.columns(2)
preset_a, seed_a = endpoint("A", 1, "gp-middle-c", ca)
preset_b, seed_b = endpoint("B", 2, "gp-organ", cb)
gp_specs = [p.gp for p in (preset_a, preset_b) if p is not None and p.gp is not None]
kernel_mode = "fixed"
if family == "gp" and len(gp_specs) == 2 and gp_specs[0] != gp_specs[1]:
    kernel_mode = st.radio(
        "Kernel along the path", ["interpolated", "fixed"], key="im_kernel", bind="query-params", horizontal=True,
        format_func=lambda m: {"interpolated": "moves from A's to B's (spectra mixed)",
                               "fixed": "A's kernel throughout (only the draw moves)"}[m],
        help="Mixing two spectral densities, (1 - t) S_A + t S_B, gives a valid GP kernel at every step.")


def resolve_model():
    if family == "gp" and gp_specs:
        return gp_model_for(json.dumps(gp_specs[0], sort_keys=True))
    checkpoint = next((p.checkpoint for p in (preset_a, preset_b) if p is not None and p.checkpoint), None)
    return ui.get_model(family, checkpoint)


def latent_of(model, preset, seed):
    return preset_latent(model, preset if preset is not None else Preset(model=family, seed=seed))


@st.cache_data(max_entries=16, show_spinner="Rendering the morph…")
def cached_morph(_model, model_key: str, za: np.ndarray, zb: np.ndarray, steps: int, method: str, pitch,
                 kernel_specs: str | None):
    step_models = None
    if kernel_specs is not None:  # a GP whose kernel moves from A's to B's
        a, b = (parse_gp_spec(s) for s in json.loads(kernel_specs))
        step_models = [GPModel(mix_specs(a, b, t, pitch=pitch if a.harmonic else None))
                       for t in np.linspace(0.0, 1.0, steps)]
    morph = render_morph(_model, za, zb, steps=steps, method=method, pitch=pitch, step_models=step_models)
    return morph, sample_pack(morph, extra={"model": family, "model_key": model_key, "kernel": kernel_mode})


try:
    model = resolve_model()
    za, zb = latent_of(model, preset_a, seed_a), latent_of(model, preset_b, seed_b)
    model_key = f"{family}:{id(model)}"
    use_pitch = pitch if model.pitch_range is not None else None
    specs = json.dumps(gp_specs) if kernel_mode == "interpolated" else None
    morph, pack = cached_morph(model, model_key, za, zb, steps, method, use_pitch, specs)
except ExplorerError as exc:
    ui.show_error(exc, context=f"The {family.upper()} morph could not be made")
    st.stop()

st.subheader("The morph")
ui.player(morph.y, morph.sr, key="im_morph", label=f"{steps} steps by {method}, joined with 50 ms crossfades",
          file_name=f"morph-{family}-{method}.wav")
st.download_button("Download the sample pack (ZIP: every step as WAV + path.json)", pack,
                   file_name=f"sample-pack-{family}-{method}.zip", mime="application/zip", key="im_zip",
                   icon=":material/folder_zip:")


@st.cache_data(max_entries=16, show_spinner=False)
def strip(clips: list, sr: int, pal: str):
    # most of what these models make sits below 8 kHz; at 44.1 kHz the top 2/3 would be black
    return rainbowgram_strip_figure([rainbowgram(y, sr=sr, palette=pal) for y in clips], max_hz=min(sr / 2, 8000))


st.plotly_chart(strip([s.y for s in morph.steps], morph.sr, ui.palette()), key="im_strip",
                config={"displaylogo": False})
with st.expander("Hear each step"):
    cols = st.columns(4)
    for k, s in enumerate(morph.steps):
        with cols[k % 4]:
            ui.player(s.y, s.sr, key=f"im_step{k}", label=f"step {k}", file_name=f"step_{k:02d}.wav")

st.subheader("Why slerp?")
d = model.latent_dim
both = {m: interpolate(za, zb, steps=steps, method=m) for m in ("slerp", "lerp")}
mid = {m: float(norms(p[len(p) // 2 : len(p) // 2 + 1])[0]) for m, p in both.items()}
trained_on = (
    "Its innovations (the white noise that goes into a draw) are standard normal"
    if family == "gp" else "The model was trained on latents drawn from a standard normal"
)
st.markdown(
    f"{trained_on} in **d = {d:,}** dimensions. Such vectors almost all have a length close to "
    f"**sqrt(d) = {np.sqrt(d):,.1f}**: the 'typical set' is a thin shell, and the inside of the shell is where "
    "the model has (almost) never been. A straight line (**lerp**) between two typical points cuts through "
    f"the inside: its midpoint here has length **{mid['lerp']:,.1f}**, {mid['lerp'] / np.sqrt(d):.0%} of the "
    "shell's radius, so the middle steps are less typical. **Slerp** follows the great circle along the "
    f"shell (midpoint length **{mid['slerp']:,.1f}**), so every step is a sound the model knows. The right-hand "
    "plot shows the cost in loudness before the app's level normalisation: "
    + ("for a GP the output is a linear map of the innovations, so a shorter latent is exactly a quieter "
       "draw (about 3 dB down in the middle of a lerp between independent draws)."
       if family == "gp" else
       "the loudness step hides most of it. What you hear instead is measured by `python -m explorer eval` over "
       "20 random paths: both methods move in small, even steps, but lerp's middle sounds closer to the model's "
       "*average* sound (the render of z = 0), i.e. blander; slerp's middle keeps as much character as the ends.")
)


@st.cache_data(max_entries=16, show_spinner=False)
def raw_levels(_model, model_key: str, paths: dict, pitch):
    """RMS level (dBFS) of each step as the model renders it, before safety's loudness step."""
    out = {}
    for m, p in paths.items():
        pitches = None if pitch is None else np.full(len(p), pitch)
        out[m] = rms_dbfs(np.nan_to_num(_model.render(p, pitches)))
    return out


left, right = st.columns(2)
left.plotly_chart(
    path_profile_figure({m: norms(p) for m, p in both.items()}, title="Latent norm along the path",
                        ylabel="latent norm |z|", reference=float(np.sqrt(d)), reference_label="sqrt(d)"),
    key="im_norms", config={"displaylogo": False})
right.plotly_chart(
    path_profile_figure(raw_levels(model, model_key, both, use_pitch), title="Loudness the model produces",
                        ylabel="RMS before normalisation (dBFS)", from_zero=False),
    key="im_levels", config={"displaylogo": False})


@st.cache_data(max_entries=8, show_spinner=False)
def latent_map(_model, model_key: str, paths: dict, n_cloud: int):
    cloud = _model.sample_latent(n_cloud, 12345)
    pca = PCA(n_components=2).fit(np.concatenate(list(paths.values())))
    return pca.transform(cloud), {m: pca.transform(p) for m, p in paths.items()}


cloud_2d, paths_2d = latent_map(model, model_key, both, 300 if d <= 4096 else 60)
map_col, text_col = st.columns([3, 2])
map_col.plotly_chart(latent_map_figure(cloud_2d, paths_2d), key="im_map", config={"displaylogo": False})
text_col.markdown(
    "**Reading the map.** PCA fitted to the two paths gives the plane through A, B and the origin. Slerp is "
    "the arc at constant distance from the origin; lerp is the chord. The grey dots are other random "
    "latents: in this plane they all sit near the origin, because almost all of their length points in the "
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
    try:
        journey = render_journey(model, seed=int(j_seed), n_waypoints=j_way, duration_s=float(j_len),
                                 pitches=[pitch] if model.pitch_range else None)
        ui.player(journey.y, journey.sr, key="im_journey", label=f"{j_len} s journey", file_name="journey.wav")
        st.plotly_chart(
            path_profile_figure({"journey": norms(journey.path)}, title="Latent norm along the journey",
                                ylabel="latent norm |z|", reference=float(np.sqrt(d)), reference_label="sqrt(d)"),
            key="im_jnorm")
    except ExplorerError as exc:
        ui.show_error(exc, context="The journey could not be rendered")
