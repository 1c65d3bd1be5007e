"""The four-corner morph pad of the Interpolation page (after NSynth Super): A and B are the
page's two sounds, C and D two more from any source the page offers, and the sound at a point
of the square mixes them (:mod:`explorer.latent.pad`). The position and the corners live in the
page's link.

The page calls :func:`morph_pad` once, with its model, its two end latents and its own endpoint
picker (so the corners offer every source the page does).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import streamlit as st

from explorer.audio import rainbowgram
from explorer.budget import budgeted
from explorer.figures.maps import pad_figure, pad_mosaic
from explorer.latent.pad import CORNERS, bilinear_weights, pad_grid, pad_latent
from explorer.models.base import AudioModel
from explorer.presets import Preset
from explorer.render import preset_latent, render_safe
from explorer.ui.links import float_in, int_in, query_notice
from explorer.ui.models import model_key
from explorer.ui.page import columns, palette
from explorer.ui.sound import digest, player, render_or_stop, sound_panel

#: Points a side of the pad's picture (rendered once per set of corners) and of its click grid.
GRID, CLICKS = 5, 11
KEY = "im_pad"


@st.cache_data(max_entries=8, show_spinner="Drawing the pad's picture…")
@budgeted("long", "Drawing the pad's picture")
def _mosaic(_model: AudioModel, mkey: str, corners_key: str, _corners: np.ndarray, pitch, pal: str) -> np.ndarray:
    grid = pad_grid(_corners, GRID)
    tiles = [[rainbowgram(render_safe(_model, z, pitch).y, sr=_model.sample_rate, palette=pal).image
              for z in row] for row in grid]
    return pad_mosaic([[_below(img, _model.sample_rate) for img in row] for row in tiles])


def _below(image: np.ndarray, sr: int, max_hz: float = 4000.0) -> np.ndarray:
    """The rows of a rainbowgram image [F x T x 3] below ``max_hz`` (where most of the harmonics of a tile show)."""
    return image[: max(2, int(round(image.shape[0] * min(1.0, 2 * max_hz / sr))))]


def _on_click() -> None:
    """A click on the pad's grid moves the position there (the sliders follow, and the link)."""
    points = (st.session_state.get(f"{KEY}_chart") or {}).get("selection", {}).get("points", [])
    try:
        x, y = float(points[-1]["x"]), float(points[-1]["y"])
    except (IndexError, KeyError, TypeError, ValueError):
        return
    if 0.0 <= x <= 1.0 and 0.0 <= y <= 1.0:
        st.session_state[f"{KEY}_x"], st.session_state[f"{KEY}_y"] = round(x, 2), round(y, 2)


def morph_pad(model: AudioModel, *, a: np.ndarray, b: np.ndarray, family: str, pitch: int | None,
              endpoint: Callable[[str, int, str, object], tuple[Preset | None, int | None]]) -> None:
    """The pad: corners C and D picked with ``endpoint`` (the page's picker: label, default seed,
    default shipped preset, column -> (preset, seed)), a point picked on the square or with the
    two sliders, the sound there and the square's picture."""
    st.subheader("Morph pad")
    query_notice({f"{KEY}_x": float_in(0, 1), f"{KEY}_y": float_in(0, 1), "im_seed_c": int_in(0, 2**31 - 1),
                  "im_seed_d": int_in(0, 2**31 - 1)})
    st.markdown("Four sounds at the corners of a square: **A** and **B** above, two more, **C** and **D**, below. "
                "Click anywhere on the square (or move the two sliders) to hear the sound at that point.")
    cc, cd = st.columns(2)
    picked = [endpoint("C", 3, "gp-speech-voiced", cc), endpoint("D", 4, "gp-piano-fit", cd)]
    with st.spinner("Preparing the corners…"):
        lower = [preset_latent(model, p if p is not None else Preset(model=family, seed=s)) for p, s in picked]
    corners = np.stack([np.asarray(z, np.float32) for z in (a, b, *lower)])
    if corners.shape[1] != model.latent_dim:
        st.error("These corners do not fit one model; pick C and D from seeds.")
        return
    if getattr(model, "spec", None) is not None:  # a model described by a kernel: its corners' kernels are not mixed
        st.caption("Every corner plays on A's kernel here: only the draws (the latents) mix on the pad.")

    left, right = columns([3, 2], gap="large")  # stacked in presentation mode
    with right, st.container(key=f"{KEY}_sound"):
        x = st.slider("Across (A → B, C → D)", 0.0, 1.0, 0.5, 0.05, key=f"{KEY}_x", bind="query-params")
        y = st.slider("Down (A → C, B → D)", 0.0, 1.0, 0.5, 0.05, key=f"{KEY}_y", bind="query-params")
        w = bilinear_weights(x, y)
        st.caption("Mix of the corners: " + ", ".join(f"{c} {v:.0%}" for c, v in zip(CORNERS, w)))
        sound = render_or_stop(model, z=pad_latent(corners, x, y), pitch=pitch,
                               context="The sound at this point could not be rendered")
        player(sound.y, sound.sr, key=f"{KEY}_play", label=f"The pad at across {x:.2f}, down {y:.2f}",
               file_name=f"pad-{x:.2f}-{y:.2f}.wav")
        sound_panel(sound.y, sound.sr, key=f"{KEY}_panel", spectrum=False, title="(pad)")
    with left:
        mosaic = _mosaic(model, model_key(model), digest(corners), corners, pitch, palette())
        st.plotly_chart(pad_figure(mosaic, position=(x, y), steps=CLICKS), key=f"{KEY}_chart", on_select=_on_click,
                        selection_mode="points", config={"displaylogo": False, "displayModeBar": False})
        st.caption(f"Each tile is the rainbowgram of the sound at that place ({GRID} x {GRID} points); the ring is "
                   "where you are. Every point mixes the corners' latents by slerp along the top and bottom "
                   "edges, then between them, so each one is a sound the model knows.")
