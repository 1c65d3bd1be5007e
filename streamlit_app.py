"""Home page: what the app is, the three model families, a one-click sound from each."""

from pathlib import Path

import numpy as np
import streamlit as st

from explorer import ui
from explorer.errors import ExplorerError
from explorer.models.registry import CHECKPOINT_DIR, DEFAULT_CHECKPOINT, FAMILIES
from explorer.render import render_safe

ui.page_setup("Home", ":material/graphic_eq:")

st.title("Latent Audio Explorer")
st.markdown(
    "Explore the **latent spaces of generative audio models** by ear and by eye. Every model here "
    "turns a short vector of numbers (its *latent*) into sound; move the sliders and hear, and see, "
    "what each direction does. Every page draws a **rainbowgram** (brightness = loudness of each "
    "frequency over time, colour = how the phase moves: steady colour along a harmonic means a clean, "
    "coherent tone) and a **power spectrum**, and every sound can be downloaded as a WAV, saved as a "
    "preset, or shared as a link that reproduces it exactly."
)

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

found = ui.checkpoints_found()
cols = st.columns(3)
for col, family in zip(cols, FAMILIES):
    name, page, text = FAMILY_TEXT[family]
    with col, st.container(border=True):
        st.subheader(name)
        st.markdown(text)
        names = found.get(family, [])
        st.caption("Checkpoints found: " + (", ".join(f"`{n}`" for n in names) if names else "none yet"))
        if Path(page).exists():
            st.page_link(page, label=f"Open the {family.upper()} page", icon=":material/arrow_forward:")
        card = CARDS[family]
        if card.exists():
            with st.expander("Model card"):
                st.markdown(card.read_text(encoding="utf-8"))
        if names and DEFAULT_CHECKPOINT[family] in names:
            if st.button("Play a sound", key=f"home_play_{family}", icon=":material/play_arrow:"):
                st.session_state[f"home_seed_{family}"] = int(np.random.default_rng().integers(0, 10_000))
            seed = st.session_state.get(f"home_seed_{family}")
            if seed is not None:
                try:
                    model = ui.get_model(family)
                    sound = render_safe(model, model.sample_latent(1, seed)[0], 60)
                    ui.player(sound.y, sound.sr, key=f"home_{family}", label=f"seed {seed}",
                              file_name=f"{family}-seed{seed}.wav")
                except ExplorerError as exc:
                    ui.show_error(exc, context=f"The {family.upper()} model could not play")


st.divider()
st.subheader("Hear and see a reference tone")
st.markdown(
    "A plain synthesized tone, so you can learn to read the pictures: a 220 Hz note with a few "
    "harmonics. In the rainbowgram each harmonic is a horizontal line of **one steady colour**; in the "
    "spectrum each is a peak at a multiple of 220 Hz."
)


@st.cache_data(max_entries=4)
def reference_tone(sr: int = 16000) -> np.ndarray:
    from explorer.audio import make_safe

    t = np.arange(int(1.5 * sr)) / sr
    y = sum(np.sin(2 * np.pi * 220 * k * t) / k for k in range(1, 6)) * np.exp(-1.5 * t)
    return make_safe(y, sr=sr)


tone = reference_tone()
ui.player(tone, 16000, key="home_tone", label="220 Hz reference tone", file_name="reference-220hz.wav")
ui.sound_panel(tone, 16000, key="home_tone", max_hz=4000)
