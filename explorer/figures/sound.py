"""Plotly figures for the app (return ``go.Figure``; no streamlit here)."""

from __future__ import annotations

import base64
import io

import numpy as np
import plotly.graph_objects as go
from PIL import Image

FIG_HEIGHT = 300
SPECTRUM_RANGE_DB = 100.0
#: One colour per interpolation method in every figure (Okabe-Ito blue and vermillion: colour-blind safe).
METHOD_COLORS = {"slerp": "#0072B2", "lerp": "#D55E00", "journey": "#009E73"}
_MARGIN = dict(l=50, r=10, t=40, b=40)


def _png_data_uri(image: np.ndarray) -> str:
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(image)).save(buf, format="PNG", optimize=False)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def rainbowgram_figure(rg, *, title: str = "Rainbowgram", max_hz: float | None = None) -> go.Figure:
    """A rainbowgram (see :func:`explorer.audio.rainbowgram`) as an image with time/frequency axes.

    The image is sent as a PNG (a few tens of kB) rather than as numbers, so the page stays light.
    Brightness is log magnitude over a fixed dB range; colour is instantaneous frequency
    relative to each bin's centre (steady colour along a harmonic = coherent phase).
    """
    image, times, freqs = rg.image, rg.times_s, rg.freqs_hz
    if max_hz is not None:
        keep = freqs <= max_hz
        image, freqs = image[keep], freqs[keep]
    dt = float(times[1] - times[0]) if len(times) > 1 else 1.0
    df = float(freqs[1] - freqs[0]) if len(freqs) > 1 else 1.0
    x0, x1 = float(times[0]) - dt / 2, float(times[-1]) + dt / 2
    y0, y1 = max(float(freqs[0]) - df / 2, 0.0), float(freqs[-1]) + df / 2
    fig = go.Figure()
    # A stretched layout image: go.Image would lock the aspect ratio (1 s == 1 Hz).
    # PNG rows run top-down, so flip to put the lowest frequency at the bottom.
    fig.add_layout_image(source=_png_data_uri(image[::-1]), xref="x", yref="y", x=x0, y=y1, sizex=x1 - x0,
                         sizey=y1 - y0, sizing="stretch", layer="below")
    fig.add_trace(go.Scatter(x=[x0, x1], y=[y0, y1], mode="markers", marker=dict(opacity=0), hoverinfo="skip",
                             showlegend=False))
    fig.update_xaxes(range=[x0, x1], title_text="time (s)", showgrid=False, zeroline=False)
    fig.update_yaxes(range=[y0, y1], title_text="frequency (Hz)", showgrid=False, zeroline=False)
    fig.update_layout(title=title, height=FIG_HEIGHT, margin=_MARGIN, plot_bgcolor="black")
    return fig


def spectrum_figure(
    freqs_hz: np.ndarray,
    psd: np.ndarray,
    *,
    label: str = "measured",
    overlays: list[tuple[np.ndarray, np.ndarray, str]] = (),
    bands: list[tuple[float, float]] | None = None,
    title: str = "Power spectrum",
) -> go.Figure:
    """Power spectral density in dB over log frequency, with optional overlays and shaded bands.

    freqs_hz, psd : np.ndarray [shape=(F,)], psd in units^2 / Hz (converted to dB here)
    overlays : further (freqs, psd, label) curves, e.g. a GP's analytic spectral density
    bands : (lo_hz, hi_hz) pairs shaded alternately, e.g. the Bark bands
    """
    fig = go.Figure()
    top = -np.inf
    for f, p, name in [(freqs_hz, psd, label), *overlays]:
        f = np.asarray(f)
        keep = f > 0
        db = 10 * np.log10(np.maximum(np.asarray(p)[keep], 1e-20))
        top = max(top, float(np.max(db)) if db.size else top)
        fig.add_trace(go.Scatter(x=f[keep], y=db, mode="lines", name=name))
    if np.isfinite(top):  # a fixed 100 dB window: the numerical floor of a clean tone is not news
        fig.update_yaxes(range=[top - SPECTRUM_RANGE_DB, top + 5])
    for k, (lo, hi) in enumerate(bands or []):
        if k % 2 == 0:
            fig.add_vrect(x0=max(lo, 1.0), x1=hi, fillcolor="grey", opacity=0.12, line_width=0, layer="below")
    f_hi = float(np.max(freqs_hz)) if len(freqs_hz) else 8000.0
    fig.update_xaxes(type="log", title_text="frequency (Hz)", range=[np.log10(20.0), np.log10(max(f_hi, 40.0))])
    fig.update_yaxes(title_text="power (dB)")
    fig.update_layout(title=title, height=FIG_HEIGHT, margin=_MARGIN, legend=dict(orientation="h", y=-0.25))
    return fig


def path_profile_figure(
    values_by_method: dict[str, np.ndarray],
    *,
    title: str,
    ylabel: str,
    reference: float | None = None,
    reference_label: str = "",
    from_zero: bool = True,
) -> go.Figure:
    """A quantity along interpolation paths (one line per method), with an optional reference line."""
    fig = go.Figure()
    for name, v in values_by_method.items():
        fig.add_trace(go.Scatter(x=np.linspace(0, 1, len(v)), y=v, mode="lines+markers", name=name,
                                 line=dict(color=METHOD_COLORS.get(name))))
    if reference is not None:
        fig.add_hline(y=reference, line_dash="dash", annotation_text=reference_label)
    fig.update_xaxes(title_text="position along the path (A = 0, B = 1)")
    fig.update_yaxes(title_text=ylabel, rangemode="tozero" if from_zero else "normal")
    fig.update_layout(title=title, height=FIG_HEIGHT, margin=_MARGIN, legend=dict(orientation="h", y=-0.3))
    return fig


def latent_map_figure(cloud_2d: np.ndarray, paths_2d: dict[str, np.ndarray]) -> go.Figure:
    """A 2-D PCA view: sampled latents as a grey cloud, interpolation paths as lines."""
    fig = go.Figure(
        go.Scatter(x=cloud_2d[:, 0], y=cloud_2d[:, 1], mode="markers", name="prior samples",
                   marker=dict(color="lightgrey", size=5))
    )
    for name, p in paths_2d.items():
        fig.add_trace(go.Scatter(x=p[:, 0], y=p[:, 1], mode="lines+markers", name=name,
                                 line=dict(color=METHOD_COLORS.get(name))))
    fig.update_layout(title="Path in latent space (2-D PCA)", height=FIG_HEIGHT, margin=_MARGIN)
    fig.update_xaxes(title_text="PC 1")
    fig.update_yaxes(title_text="PC 2", scaleanchor="x")
    return fig


def rainbowgram_strip_figure(rgs: list, *, max_hz: float | None = None, gap_px: int = 4) -> go.Figure:
    """Rainbowgrams of consecutive steps side by side in one image (one PNG, light to send)."""
    images = []
    for rg in rgs:
        img = rg.image if max_hz is None else rg.image[rg.freqs_hz <= max_hz]
        images += [img, np.full((img.shape[0], gap_px, 3), 255, np.uint8)]
    strip = np.concatenate(images[:-1], axis=1)
    width = rgs[0].image.shape[1] + gap_px
    h, w = strip.shape[:2]
    fig = go.Figure()
    fig.add_layout_image(source=_png_data_uri(strip[::-1]), xref="x", yref="y", x=0, y=h, sizex=w, sizey=h,
                         sizing="stretch", layer="below")
    fig.add_trace(go.Scatter(x=[0, w], y=[0, h], mode="markers", marker=dict(opacity=0), hoverinfo="skip",
                             showlegend=False))
    fig.update_xaxes(range=[0, w], tickvals=[width * (k + 0.5) for k in range(len(rgs))],
                     ticktext=[f"step {k}" for k in range(len(rgs))], showgrid=False, zeroline=False)
    fig.update_yaxes(range=[0, h], visible=False)
    fig.update_layout(title="Rainbowgram of each step, A to B", height=220, margin=dict(l=10, r=10, t=40, b=30))
    return fig
