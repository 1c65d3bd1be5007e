"""GP page: presets or a kernel built from Bark-band gains or harmonics, exact FFT draws, kernel and
spectrum plots, presets and links, and fitting a GP to your own recording."""

from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st

from explorer import ui
from explorer.ui.play import play_section
from explorer.audio import bark_bands, load_audio, make_safe, power_spectrum
from explorer.audio.pitch import midi_to_hz
from explorer.figures.gp import f0_figure, kernel_figure
from explorer.figures.sound import spectrum_figure
from explorer.models.gp import (
    PITCH_RANGE,
    PRESET_DIR,
    Envelope,
    GPSpec,
    bark_kernel,
    harmonic_kernel,
    list_gp_presets,
)
from explorer.worker import WorkerError
from explorer.errors import ExplorerError
from explorer.presets import MAX_SEED, Preset

FAMILY = "gp"
SOURCES = ["Preset", "Build a kernel", "Loaded file or fit"]
KINDS = ["Harmonic (GP note)", "Bark bands (noise)"]
RATES = ["16000", "22050", "44100", "48000"]
PURITY = ["5 ms", "10 ms", "20 ms", "50 ms", "100 ms", "200 ms", "500 ms", "1 s", "2 s"]
LAGS = ["5 ms", "20 ms", "100 ms", "500 ms"]
FIT_SR = 16000
FIT_MAX_S = 10.0
DEFAULT_PRESET = "gp-middle-c"


def seconds(label: str) -> float:
    value, unit = label.split()
    return float(value) * (1e-3 if unit == "ms" else 1.0)


ui.page_setup("GP", heading="Gaussian-process synthesizer (GP)",
              caption="A sound is one random draw from a Gaussian process; its kernel fixes the spectrum exactly, "
                      "the white noise fed into the draw (the latent) picks which sound of that spectrum you hear.")

with st.expander("How it works (for the classroom)", icon=":material/school:"):
    st.markdown(
        r"""
- **Kernel and spectrum are a Fourier pair.** The kernel $k(\tau)$ says how alike the sound is
  with itself $\tau$ seconds later; its Fourier transform is the power spectrum. Each bump
  $w_q\,e^{-\tau^2/2\ell_q^2}\cos(2\pi\mu_q\tau)$ sits at $\mu_q$ Hz, is $1/(2\pi\ell_q)$ Hz wide and
  holds power $w_q$: a long lengthscale $\ell$ gives a pure tone, a short one noise. The **kernel** and
  **spectrum** plots on the right show the two views.
- **Bark bands**: the ear splits frequencies into about 24 bands; one bump per band gives knobs that
  each matter to the ear.
- **Fast, exact drawing**: a circulant embedding makes the draw two FFTs of the white noise z: a 2 s
  note in milliseconds.
- **Same z, new kernel**: keep the seed, move a slider, and you hear only the kernel's change.
"""
    )

ui.query_notice({
    "gp_source": ui.one_of(SOURCES), "gp_preset": ui.one_of(list_gp_presets()), "gp_seed": ui.int_in(0, MAX_SEED),
    "gp_pitch": ui.int_in(*PITCH_RANGE), "gp_kind": ui.one_of(KINDS), "gp_sr": ui.one_of(RATES),
    "gp_dur": ui.float_in(0.25, 30.0), "gp_purity": ui.one_of(PURITY), "gp_lag": ui.one_of(LAGS),
})


@st.cache_data(max_entries=32, show_spinner=False)
def analytic(_model, model_key: str, pitch: int | None, freqs: np.ndarray) -> np.ndarray:
    """The kernel's spectral density as the Welch estimate (Hann, bins df apart) would see it."""
    df = float(freqs[1] - freqs[0])
    return _model.analytic_psd(freqs, pitch=pitch, smoothing_hz=1.5 * df / np.sqrt(2 * np.pi))


@st.cache_resource(max_entries=16, show_spinner=False)
def kernel_dict(_model, model_key: str) -> dict:
    """The GP kernel JSON object of the model ``model_key`` (a track's runs to megabytes): made once
    per model, shared, never mutated."""
    return _model.spec.to_json()


@st.cache_resource(max_entries=16, show_spinner=False)  # the figure itself, not a copy: never mutated
def kernel_plot(_kernel, model_key: str, pitch: int | None, max_lag_s: float, title: str):
    """:func:`kernel_figure` of the kernel ``model_key`` plays at ``pitch``, built once per setting."""
    return kernel_figure(_kernel, max_lag_s=max_lag_s, title=title)


# ---------------------------------------------------------------------------------------------
# callbacks


def _new_draw() -> None:
    st.session_state["gp_seed"] = int(np.random.default_rng().integers(0, 100_000))


def _on_preset_change() -> None:
    name = st.session_state.get("gp_preset")
    if name in list_gp_presets():
        spec = ui.get_model(FAMILY, name).spec
        if spec.pitch_midi is not None:
            st.session_state["gp_pitch"] = int(round(spec.pitch_midi))


def _on_preset() -> None:
    """A preset or a bare GP kernel JSON: play its kernel, with its seed and pitch when it has them."""
    loaded = ui.preset_from_upload(ui.get_model(FAMILY), key=FAMILY)
    if loaded is None:
        return
    st.session_state["gp_loaded"] = {"name": loaded.file_name, "spec": loaded.model.spec.dumps()}
    st.session_state["gp_source"] = SOURCES[2]
    if loaded.preset.seed is not None:
        st.session_state["gp_seed"] = int(loaded.preset.seed)
    if loaded.preset.pitch is not None and loaded.model.pitch_range is not None:
        st.session_state["gp_pitch"] = int(loaded.preset.pitch)


def _use_fit() -> None:
    fit = st.session_state.get("gp_fit")
    if fit:
        st.session_state["gp_loaded"] = {"name": f"fit to {fit['name']}", "spec": fit["spec"]}
        st.session_state["gp_source"] = SOURCES[2]


def _use_example() -> None:
    st.session_state["gp_use_example"] = True


# ---------------------------------------------------------------------------------------------
# building the spec from the controls


def build_harmonic(sr: int, duration: float) -> tuple[GPSpec, int]:
    c1, c2 = st.columns(2)
    pitch = c1.slider("Pitch (MIDI)", *PITCH_RANGE, 60, key="gp_h_pitch", bind="query-params")
    c2.caption(ui.note_caption(pitch))
    partials = c2.slider("Partials", 1, 64, 16, key="gp_partials", bind="query-params",
                         help="Components at 1, 2, 3 ... times the fundamental (those above Nyquist are left out).")
    tilt = c1.slider("Spectral tilt (dB / octave)", -24.0, 6.0, -6.0, 0.5, key="gp_tilt", bind="query-params",
                     help="How fast the partials get quieter going up: steep = dark, flat = bright.")
    odd_even = c2.slider("Odd / even balance (dB)", -20.0, 20.0, 0.0, 1.0, key="gp_oddeven", bind="query-params",
                         help="Even partials this many dB quieter: positive = hollow, clarinet-like.")
    purity = c1.select_slider("Purity (lengthscale)", PURITY, "500 ms", key="gp_purity", bind="query-params",
                              help="Lengthscale of every partial: long = pure and steady, short = breathy, rough.")
    inharm = c2.slider("Inharmonicity B (stiff string)", 0.0, 0.002, 0.0, 0.0001, format="%.4f", key="gp_inharm",
                       bind="query-params", help="Partial k at k f0 sqrt(1 + B k²): piano strings have B ~ 0.0002-0.001.")
    decay = c1.slider("Partial decay (s, 0 = steady)", 0.0, 5.0, 0.0, 0.1, key="gp_hdecay", bind="query-params",
                      help="Amplitude decay time of the fundamental; higher partials die sooner, as on a piano.")
    noise_db = c2.slider("Breath noise (dB)", -80.0, 0.0, -80.0, 1.0, key="gp_noise", bind="query-params",
                         help="White noise added to the kernel (-80 = none).")
    kernel = harmonic_kernel(
        pitch, sr=sr, n_partials=int(partials), tilt_db_per_octave=tilt, odd_even_db=odd_even,
        purity_s=seconds(purity), inharmonicity=inharm, partial_decay_s=decay if decay > 0 else None,
        noise=0.0 if noise_db <= -80 else 10 ** (noise_db / 10),
    )
    return GPSpec(sr, duration, kernel, envelope=envelope_controls(True), pitch_midi=float(pitch)), int(pitch)


def build_bark(sr: int, duration: float) -> tuple[GPSpec, None]:
    bands = bark_bands(sr)
    auto = st.checkbox("Lengthscale from each band's width", True, key="gp_ls_auto", bind="query-params",
                       help="Each band's spectral bump is as wide as the band (smooth, noise-like).")
    ls_ms = st.slider("Lengthscale, all bands (ms)", 0.1, 500.0, 5.0, 0.1, key="gp_ls_ms", bind="query-params",
                      disabled=auto, help="Long = narrow, whistling bands; short = wide, smooth noise.")
    gains = []
    with st.expander(f"Bark band gains ({len(bands)} bands at {sr} Hz)", expanded=True):
        cols = st.columns(3)
        for i, (lo, hi) in enumerate(bands):
            gains.append(cols[i % 3].slider(f"{lo:g}-{hi:g} Hz", -60.0, 0.0, -3.0 * (i // 3), 1.0,
                                            key=f"gp_band{i}", bind="query-params"))
    per_band = []
    with st.expander("Lengthscale per band (ms, 0 = as above)"):
        cols = st.columns(3)
        for i, (lo, hi) in enumerate(bands):
            per_band.append(cols[i % 3].number_input(f"{lo:g}-{hi:g} Hz", 0.0, 2000.0, 0.0, 1.0,
                                                     key=f"gp_bls{i}", bind="query-params"))
    auto_ls = bark_kernel(np.ones(len(bands)), sr=sr).lengthscales_s
    base = auto_ls if auto else np.full(len(bands), ls_ms * 1e-3)
    ls = np.where(np.array(per_band) > 0, np.array(per_band) * 1e-3, base)
    kernel = bark_kernel(10 ** (np.array(gains) / 10), sr=sr, lengthscale_s=ls)
    return GPSpec(sr, duration, kernel, envelope=envelope_controls(False)), None


def pitch_slider(spec: GPSpec) -> int:
    """Pitch of a harmonic kernel; starts at the kernel's own pitch (callbacks may have set it)."""
    default = {} if "gp_pitch" in st.session_state else {"value": int(round(spec.pitch_midi))}
    return st.slider("Pitch (MIDI)", *PITCH_RANGE, key="gp_pitch", bind="query-params",
                     help="Harmonic kernels are transposed: every mean moves.", **default)


def envelope_controls(default_on: bool) -> Envelope | None:
    if not st.checkbox("Amplitude envelope (ADSR)", default_on, key="gp_env", bind="query-params"):
        return None
    c = st.columns(4)
    return Envelope(
        c[0].slider("Attack (s)", 0.0, 2.0, 0.01, 0.005, key="gp_att", bind="query-params"),
        c[1].slider("Decay (s)", 0.0, 3.0, 0.3, 0.05, key="gp_dec", bind="query-params"),
        c[2].slider("Sustain", 0.0, 1.0, 0.6, 0.05, key="gp_sus", bind="query-params"),
        c[3].slider("Release (s)", 0.0, 3.0, 0.3, 0.05, key="gp_rel", bind="query-params"),
    )


# ---------------------------------------------------------------------------------------------
# controls, sound and plots


@st.fragment
def controls_and_sound() -> tuple[object, int | None, int, Preset]:
    """Kernel controls, the draw, player, pictures and preset: a fragment, so a slider move reruns only
    this part. Returns (model, pitch played, seed, preset) to the full page run (fit and keyboard below)."""
    left, right = ui.control_columns()
    with left:
        source = st.radio("Sound", SOURCES, key="gp_source", bind="query-params", horizontal=True)
        model, pitch, what = None, None, ""
        with ui.reported("This kernel is not valid"):
            if source == "Preset":
                names = list_gp_presets()
                name = st.selectbox("Preset", names, index=names.index(DEFAULT_PRESET) if DEFAULT_PRESET in names else 0,
                                    key="gp_preset", bind="query-params", on_change=_on_preset_change)
                model, what = ui.get_model(FAMILY, name), name
                st.caption(ui.plain(model.spec.description or ""))
                if model.spec.harmonic:
                    pitch = pitch_slider(model.spec)
                    st.caption(f"Note: **{ui.note_name(pitch)}** (built on {ui.note_name(int(round(model.spec.pitch_midi)))})")
            elif source == "Build a kernel":
                c1, c2, c3 = st.columns(3)
                sr = int(c1.selectbox("Sample rate (Hz)", RATES, index=2, key="gp_sr", bind="query-params"))
                duration = c2.slider("Duration (s)", 0.25, 30.0, 2.0, 0.25, key="gp_dur", bind="query-params")
                kind = c3.radio("Kernel", KINDS, key="gp_kind", bind="query-params")
                spec, pitch = build_harmonic(sr, duration) if kind == KINDS[0] else build_bark(sr, duration)
                model, what = ui.kernel_model(spec.dumps()), "built kernel"
            else:
                loaded = st.session_state.get("gp_loaded")
                if loaded is None:
                    st.info("Load a preset or GP kernel JSON below, or fit a recording (bottom of the page).",
                            icon=":material/upload_file:")
                else:
                    model, what = ui.kernel_model(loaded["spec"]), loaded["name"]
                    description = model.spec.description
                    st.caption(f"Playing **{ui.plain(what)}**" + (f": {ui.plain(description)}" if description else ""))
                    if model.spec.harmonic:
                        pitch = pitch_slider(model.spec)

        st.markdown("**The draw**")
        d1, d2 = st.columns([2, 1], vertical_alignment="bottom")
        seed = int(d1.number_input("Seed (the white-noise innovations z)", 0, MAX_SEED, 0, 1, key="gp_seed",
                                   bind="query-params"))
        d2.button("New draw", on_click=_new_draw, icon=":material/casino:", key="gp_new_draw",
                  help="New innovations z: another sound with the same kernel.")
        st.caption("Moving kernel sliders **keeps this draw** (the same z), so you hear only the kernel change.")
        lag = st.select_slider("Kernel plot: lags up to", LAGS, "20 ms", key="gp_lag", bind="query-params")

    with right:
        if model is None:
            st.stop()
        sound = ui.render_or_stop(model, seed=seed, pitch=pitch, context="This kernel could not be rendered")
        y, sr, used_pitch = sound.y, sound.sr, sound.pitch
        label = f"{what}, seed {seed}" + (f", {ui.note_name(used_pitch)}" if used_pitch is not None else "")
        ui.player(y, sr, key="gp_main", label=label, autoplay=True,
                  file_name=ui.sound_file_name(FAMILY, what, source=f"seed{seed}", pitch=used_pitch))
        clipped = model.clipped_power_fraction(used_pitch)
        if clipped > 1e-3:
            st.warning(f"The kernel has not died out within the clip: {clipped:.1%} of the circulant embedding's "
                       "power was negative and clipped, so the draw is slightly off the kernel. Lengthen the "
                       "sound or shorten the lengthscales.", icon=":material/warning:")
        freqs, measured = ui.spectrum_of(y, sr)  # the panel below draws the same numbers
        model_psd = analytic(model, ui.model_key(model), used_pitch, freqs)
        scale = measured.sum() / max(model_psd.sum(), 1e-30)  # same total power as the (loudness-safe) audio
        spec = model.spec
        shown = model.spec_at(used_pitch).kernel
        top_hz = max([shown.max_mean_hz] + [k.max_mean_hz for k in (spec.blocks.kernels if spec.blocks else ())])
        ui.sound_panel(y, sr, key="gp_panel", overlays=[(freqs, model_psd * scale, "kernel's spectral density")],
                       bands=bark_bands(sr), max_hz=min(sr / 2, max(2000.0, 1.3 * top_hz)), stacked=True)
        note = " (time-averaged summary of a piecewise kernel)" if spec.blocks is not None else ""
        st.plotly_chart(kernel_plot(shown, ui.model_key(model), used_pitch, seconds(lag), f"Kernel k(τ){note}"),
                        key="gp_kernel_fig", config={"displaylogo": False})
        st.caption("Spectrum: the measured power of this draw (Welch) with the kernel's analytic spectral density "
                   "on top (as the same analysis window sees it, scaled to the same total power); shaded stripes "
                   "are the Bark bands.")

        preset = Preset(model=FAMILY, pitch=used_pitch, seed=seed, gp=kernel_dict(model, ui.model_key(model)))
        ui.preset_controls(preset, key=FAMILY, on_load=_on_preset, load_label="Load a preset or GP kernel JSON",
                           max_upload_mb=20, extra_download=("GP kernel JSON", spec.dumps, "gp-kernel.json"),
                           caption="The page link (URL) holds the preset or builder settings and the seed. A loaded "
                                   "file or a fit is not in the link: save it as a preset.")
        ui.copy_link(key=FAMILY)
    return model, used_pitch, seed, preset


model, used_pitch, seed, preset = controls_and_sound()

# ---------------------------------------------------------------------------------------------
# fitting a recording

st.divider()
st.subheader("Fit a GP to your recording")
st.markdown(f"Upload a clip (wav, flac, ogg, mp3; the first {FIT_MAX_S:g} s, resampled to {FIT_SR // 1000} kHz). "
            "Its envelope is demodulated and every 50 ms block gets its own spectral-mixture kernel, fitted to "
            "the block's spectrum. Then hear the **resynthesis** (a fresh GP draw) beside the original.")
u1, u2 = st.columns([3, 1], vertical_alignment="bottom")
clip = u1.file_uploader("Clip to fit", type=["wav", "flac", "ogg", "mp3", "aif", "aiff"], key="gp_clip",
                        max_upload_size=ui.UPLOAD_MB)
u2.button("Use the example", on_click=_use_example, key="gp_example", icon=":material/record_voice_over:",
          help="A sentence spoken by espeak-ng, bundled with the app.")

source_clip = None
if clip is not None:
    data = clip.getvalue()
    source_clip = (clip.name, data, hashlib.sha1(data).hexdigest())
elif st.session_state.get("gp_use_example"):
    wav = PRESET_DIR / "examples" / "hello.wav"
    data = wav.read_bytes()
    source_clip = (wav.name, data, hashlib.sha1(data).hexdigest())

if source_clip is not None:
    name, data, digest = source_clip
    failed = st.session_state.get("gp_fit_failed")
    if failed is not None and failed[0] == digest:
        ui.show_error(failed[1], context=f"{name} could not be fitted")
    elif st.session_state.get("gp_fit", {}).get("hash") != digest:
        from explorer.models.gp.fit_track import fit_track

        bar = st.progress(0.0, text=f"Fitting {ui.plain(name)}…")
        try:
            y_clip = load_audio(data, sr=FIT_SR, keep_s=FIT_MAX_S)  # a longer clip is cut, not refused
            fit_spec = ui.in_worker(  # in the native worker: a crash there is a message, not a lost server
                fit_track, y_clip, sr=FIT_SR, description=f"voiced GP track fitted to {name}",
                progress=lambda f: bar.progress(min(max(f, 0.0), 1.0), text=f"Fitting {ui.plain(name)}… {f:.0%}"),
            )
            st.session_state["gp_fit"] = {"name": name, "hash": digest, "y": y_clip, "spec": fit_spec.dumps()}
        except ExplorerError as exc:  # the previous fit, if any, stays
            if not isinstance(exc, WorkerError):  # a crash or an overrun may pass on a second try
                st.session_state["gp_fit_failed"] = (digest, exc)
            ui.show_error(exc, context=f"{name} could not be fitted")
        finally:
            bar.empty()

fit = st.session_state.get("gp_fit")
if fit:
    with ui.reported("The resynthesis could not be played"):
        o, r = st.columns(2)
        with o:
            original = make_safe(fit["y"], sr=FIT_SR)
            ui.player(original, FIT_SR, key="gp_fit_orig", label=f"Original: {fit['name']}", file_name="original.wav")
        with r:
            y_fit = ui.render(ui.kernel_model(fit["spec"]), seed=seed).y
            ui.player(y_fit, FIT_SR, key="gp_fit_resynth", label=f"GP resynthesis (seed {seed})",
                      file_name="gp-resynthesis.wav")
        f_o, p_o = power_spectrum(original, sr=FIT_SR)
        f_r, p_r = power_spectrum(y_fit, sr=FIT_SR)
        st.plotly_chart(spectrum_figure(f_o, p_o, label="original", overlays=[(f_r, p_r, "GP resynthesis")],
                                        bands=bark_bands(FIT_SR), title="Original vs resynthesis"),
                        key="gp_fit_spec", config={"displaylogo": False})
        fitted_track = ui.kernel_model(fit["spec"]).spec.track
        if fitted_track is not None:
            st.plotly_chart(f0_figure(fitted_track), key="gp_fit_f0", config={"displaylogo": False})
            st.caption("A stationary kernel has one spectrum forever, so it cannot change vowel or pitch, and "
                       "independent blocks lose the phase of every harmonic at each edge: a whisper. The fit "
                       "follows the pitch (CREPE, a pitch-tracking network) every 10 ms and lets each harmonic run on as a resonator whose "
                       "frequency follows it and whose state carries across frames, with Bark-band noise for "
                       "the unvoiced sounds.")
        ui.sound_panel(y_fit, FIT_SR, key="gp_fit_panel", title="(resynthesis)", spectrum=False)
        b1, b2 = st.columns(2)
        b1.button("Play with the fitted kernel above", on_click=_use_fit, key="gp_use_fit",
                  icon=":material/arrow_upward:")
        b2.download_button("Fitted GP kernel JSON", fit["spec"], file_name="gp-fit.json", mime="application/json",
                           key="gp_fit_dl", icon=":material/data_object:")

# ---------------------------------------------------------------------------------------------
# play it: the keyboard, a MIDI file and the SFZ instrument (explorer/ui/play.py)

st.divider()
play_section(model, key=FAMILY, preset=preset, seed=seed, pitch=used_pitch)
