"""Plotly figures for the app (return ``go.Figure``; no streamlit here)."""

from __future__ import annotations

import base64
import io

import numpy as np
import plotly.graph_objects as go
from PIL import Image

FIG_HEIGHT = 300
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
    # PNG rows run top-down; flip so the lowest frequency sits at the bottom.
    fig = go.Figure(
        go.Image(source=_png_data_uri(image[::-1]), x0=float(times[0]), dx=dt, y0=float(freqs[-1]), dy=-df,
                 hoverinfo="skip")
    )
    fig.update_yaxes(autorange=True, title_text="frequency (Hz)")
    fig.update_xaxes(title_text="time (s)")
    fig.update_layout(title=title, height=FIG_HEIGHT, margin=_MARGIN)
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
    for f, p, name in [(freqs_hz, psd, label), *overlays]:
        f = np.asarray(f)
        keep = f > 0
        db = 10 * np.log10(np.maximum(np.asarray(p)[keep], 1e-20))
        fig.add_trace(go.Scatter(x=f[keep], y=db, mode="lines", name=name))
    for k, (lo, hi) in enumerate(bands or []):
        if k % 2 == 0:
            fig.add_vrect(x0=max(lo, 1.0), x1=hi, fillcolor="grey", opacity=0.12, line_width=0, layer="below")
    fig.update_xaxes(type="log", title_text="frequency (Hz)")
    fig.update_yaxes(title_text="power (dB)")
    fig.update_layout(title=title, height=FIG_HEIGHT, margin=_MARGIN, legend=dict(orientation="h", y=-0.25))
    return fig


def norm_path_figure(norms_by_method: dict[str, np.ndarray], *, typical: float) -> go.Figure:
    """Latent norm along interpolation paths, with the typical-set radius sqrt(d) marked."""
    fig = go.Figure()
    for name, n in norms_by_method.items():
        fig.add_trace(go.Scatter(x=np.linspace(0, 1, len(n)), y=n, mode="lines+markers", name=name))
    fig.add_hline(y=typical, line_dash="dash", annotation_text="sqrt(d): where training latents live")
    fig.update_xaxes(title_text="position along the path")
    fig.update_yaxes(title_text="latent norm |z|", rangemode="tozero")
    fig.update_layout(title="Latent norm along the path", height=FIG_HEIGHT, margin=_MARGIN)
    return fig


def latent_map_figure(cloud_2d: np.ndarray, paths_2d: dict[str, np.ndarray]) -> go.Figure:
    """A 2-D PCA view: sampled latents as a grey cloud, interpolation paths as lines."""
    fig = go.Figure(
        go.Scatter(x=cloud_2d[:, 0], y=cloud_2d[:, 1], mode="markers", name="prior samples",
                   marker=dict(color="lightgrey", size=5))
    )
    for name, p in paths_2d.items():
        fig.add_trace(go.Scatter(x=p[:, 0], y=p[:, 1], mode="lines+markers", name=name))
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
    fig = go.Figure(go.Image(source=_png_data_uri(strip[::-1]), hoverinfo="skip"))
    fig.update_xaxes(tickvals=[width * (k + 0.5) for k in range(len(rgs))],
                     ticktext=[f"step {k}" for k in range(len(rgs))], showgrid=False)
    fig.update_yaxes(visible=False, autorange=True)
    fig.update_layout(title="Rainbowgram of each step, A to B", height=220, margin=dict(l=10, r=10, t=40, b=30))
    return fig
