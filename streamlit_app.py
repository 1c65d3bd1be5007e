"""The app: navigation over the files in pages/ (:data:`explorer.ui.NAVIGATION`) and the home page (what the
app is, the three model families, a one-click sound from each, a reference tone)."""

import numpy as np
import streamlit as st

from explorer import ui
from explorer.models.registry import CHECKPOINT_DIR, DEFAULT_CHECKPOINT, FAMILIES
from explorer.paths import ROOT

FAMILY_TEXT = {
    "vae": ("Variational autoencoder (VAE)", "pages/1_VAE.py",
            "An **encoder** squeezes a note's spectrogram into a 16-32 number latent; a **decoder** turns "
            "any latent back into a spectrogram. Training keeps the latents close to a standard normal "
            "cloud (the KL term), so every point you pick decodes to a plausible note. Pitch is a "
            "separate knob, so the latent holds timbre. You can also encode your own sound."),
    "gan": ("Generative adversarial network (GAN)", "pages/2_GAN.py",
            "A **generator** maps random noise plus a pitch to a GANSynth-style spectrogram "
            "(log-magnitude and instantaneous frequency); a **discriminator** learned to tell its notes "
            "from real ones. The same noise at different pitches keeps the same timbre, so you can play "
            "a melody with it."),
    "gp": ("Gaussian process (GP)", "pages/3_GP.py",
           "No neural network: a sound is a random draw from a Gaussian process whose **kernel** "
           "(a sum of Gaussian bumps in the spectrum, one per Bark band or per harmonic) sets its "
           "spectrum exactly. The latent is the white noise that goes into the draw; keep it and change "
           "the kernel to hear only the kernel's effect."),
}

CARDS = {
    "vae": CHECKPOINT_DIR / f"{DEFAULT_CHECKPOINT['vae']}.md",
    "gan": CHECKPOINT_DIR / f"{DEFAULT_CHECKPOINT['gan']}.md",
    "gp": CHECKPOINT_DIR / "gp" / "README.md",
}


@st.cache_data(max_entries=4)
def reference_tone(sr: int = 16000) -> np.ndarray:
    """A 220 Hz note with five harmonics (1/k amplitudes), 1.5 s, decaying: float32 [samples], safe."""
    from explorer.audio import make_safe

    t = np.arange(int(1.5 * sr)) / sr
    y = sum(np.sin(2 * np.pi * 220 * k * t) / k for k in range(1, 6)) * np.exp(-1.5 * t)
    return make_safe(y, sr=sr)


def family_card(family: str, names: list[str]) -> None:
    """One family: what it is, its checkpoints, its page, its model card and a one-click sound."""
    name, page, text = FAMILY_TEXT[family]
    st.subheader(name)
    st.markdown(text)
    st.caption("Checkpoints found: " + (", ".join(f"`{n}`" for n in names) if names else "none yet"))
    if (ROOT / page).exists():
        st.page_link(page, label=f"Open the {family.upper()} page", icon=":material/arrow_forward:")
    card = CARDS[family]
    if card.exists():
        with st.expander("Model card"):
            st.markdown(card.read_text(encoding="utf-8"))
    if DEFAULT_CHECKPOINT[family] not in names:
        return
    if st.button("Play a sound", key=f"home_play_{family}", icon=":material/play_arrow:"):
        st.session_state[f"home_seed_{family}"] = int(np.random.default_rng().integers(0, 10_000))
    seed = st.session_state.get(f"home_seed_{family}")
    if seed is not None:
        with ui.reported(f"The {family.upper()} model could not play"):
            model = ui.get_model(family)
            sound = ui.render(model, seed=seed, pitch=60 if model.pitch_range is not None else None)
            ui.player(sound.y, sound.sr, key=f"home_{family}", label=f"seed {seed}",
                      file_name=ui.sound_file_name(family, DEFAULT_CHECKPOINT[family], source=f"seed{seed}",
                                                   pitch=sound.pitch))


def home() -> None:
    ui.page_setup("Home")
    st.title("Latent Audio Explorer")
    st.markdown(
        "Explore the **latent spaces of generative audio models** by ear and by eye. Every model here "
        "turns a short vector of numbers (its *latent*) into sound; move the sliders and hear, and see, "
        "what each direction does. Every page draws a **rainbowgram** (brightness = loudness of each "
        "frequency over time, colour = how the phase moves: steady colour along a harmonic means a clean, "
        "coherent tone) and a **power spectrum**, and every sound can be downloaded as a WAV, saved as a "
        "preset, or shared as a link that reproduces it exactly."
    )
    found = ui.checkpoints_found()
    for col, family in zip(st.columns(3), FAMILIES):
        with col, st.container(border=True):
            family_card(family, found.get(family, []))

    st.divider()
    st.subheader("Hear and see a reference tone")
    st.markdown(
        "A plain synthesized tone, so you can learn to read the pictures: a 220 Hz note with a few "
        "harmonics. In the rainbowgram each harmonic is a horizontal line of **one steady colour**; in the "
        "spectrum each is a peak at a multiple of 220 Hz."
    )
    tone = reference_tone()
    ui.player(tone, 16000, key="home_tone", label="220 Hz reference tone", file_name="reference-220hz.wav")
    ui.sound_panel(tone, 16000, key="home_tone", max_hz=4000)


st.navigation(
    [st.Page(home, title="Home", icon="", default=True)]
    + [st.Page(str(ROOT / path), title=title, icon=icon, url_path=url) for path, title, icon, url in ui.NAVIGATION]
).run()
