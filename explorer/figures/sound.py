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
MARGIN = dict(l=50, r=10, t=40, b=40)
#: Ticks of every log-frequency axis: 100 / 1k / 10k (plotly's own read "2 5 100 2 5 1000").
LOG_TICKS = dict(tickvals=[100, 1000, 10000], ticktext=["100", "1k", "10k"])
#: A frequency axis ends a little above the last frequency within this many dB of the loudest.
CONTENT_DB = 60.0


def content_top_hz(freqs_hz: np.ndarray, psd: np.ndarray, *, below_db: float = CONTENT_DB,
                   lowest_hz: float = 1000.0) -> float:
    """Where a frequency axis should end for this sound: 20% above the highest frequency whose power
    is within ``below_db`` dB of the peak, at least ``lowest_hz`` and at most the top bin (Hz).

    freqs_hz, psd : np.ndarray [shape=(F,)], a power spectrum (units^2 / Hz)
    """
    freqs_hz, psd = np.asarray(freqs_hz), np.asarray(psd)
    if not freqs_hz.size or not np.any(psd > 0):
        return float(freqs_hz[-1]) if freqs_hz.size else lowest_hz
    loud = np.flatnonzero(psd >= psd.max() * 10 ** (-below_db / 10))
    return float(min(freqs_hz[-1], max(lowest_hz, 1.2 * freqs_hz[loud[-1]])))


#: JPEG quality of the picture images. Full colour resolution (4:4:4, no chroma subsampling) keeps
#: the rainbowgram's colour, which is its point; at 92 the mean error is ~3 of 255 and invisible at
#: screen size, while encoding takes a quarter of PNG's time (1.2 vs 4.6 ms for 257 x 129) at half
#: the bytes: the picture is rebuilt for every new sound.
JPEG_QUALITY = 92


def image_data_uri(image: np.ndarray) -> str:
    """A ``data:`` URI of an RGB image (uint8 [H x W x 3], row 0 on top) as a JPEG."""
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(image)).save(buf, format="JPEG", quality=JPEG_QUALITY, subsampling=0)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def rainbowgram_figure(rg, *, title: str = "Rainbowgram", max_hz: float | None = None) -> go.Figure:
    """A rainbowgram (see :func:`explorer.audio.rainbowgram`) as an image with time/frequency axes.

    The image is sent as a JPEG (a few tens of kB) rather than as numbers, so the page stays light.
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
    # A stretched layout image: go.Image would lock the aspect ratio (1 s == 1 Hz).
    # image rows run top-down, so flip to put the lowest frequency at the bottom.
    image = dict(source=image_data_uri(image[::-1]), xref="x", yref="y", x=x0, y=y1, sizex=x1 - x0, sizey=y1 - y0,
                 sizing="stretch", layer="below")
    marker = dict(type="scatter", x=[x0, x1], y=[y0, y1], mode="markers", marker=dict(opacity=0), hoverinfo="skip",
                  showlegend=False)
    return plain_figure([marker], dict(
        images=[image], title=dict(text=title), height=FIG_HEIGHT, margin=MARGIN, plot_bgcolor="black",
        xaxis=dict(range=[x0, x1], title=dict(text="time (s)"), showgrid=False, zeroline=False),
        yaxis=dict(range=[y0, y1], title=dict(text="frequency (Hz)"), showgrid=False, zeroline=False)))


def plain_figure(data: list[dict], layout: dict) -> go.Figure:
    """A figure from plain dicts in one step, without plotly's property-by-property validation
    (the figures here are built on every new sound; the checks cost more than the drawing)."""
    return go.Figure(dict(data=data, layout=layout), _validate=False)


#: Points per spectrum curve sent to the browser: a min and a max per log-frequency step, about two
#: per pixel of a wide plot. A 2,049-bin curve redrawn on every slider move cost the browser about
#: 75 ms; the thinned one looks the same at screen resolution.
SPECTRUM_STEPS = 400
#: Where the spectrum's log-frequency axis starts, Hz.
SPECTRUM_LO_HZ = 20.0


def thin_log(freqs_hz: np.ndarray, values: np.ndarray, *, lo_hz: float, hi_hz: float,
             steps: int = SPECTRUM_STEPS) -> tuple[np.ndarray, np.ndarray]:
    """A curve over ``lo_hz .. hi_hz`` on a log-frequency axis, cut to at most ``2 * steps`` points.

    freqs_hz, values : np.ndarray [shape=(F,)], frequencies ascending and > 0. Within each of
    ``steps`` equal log-frequency steps the lowest and the highest value are kept (in frequency
    order), so peaks and dips a pixel wide survive; a step with one or two points keeps them. One
    point beyond each end is kept so the line reaches the plot's edges. Returns (freqs, values).
    """
    f, v = np.asarray(freqs_hz, dtype=np.float64), np.asarray(values, dtype=np.float64)
    first = max(int(np.searchsorted(f, lo_hz)) - 1, 0)
    last = min(int(np.searchsorted(f, hi_hz, side="right")) + 1, f.size)
    f, v = f[first:last], v[first:last]
    if f.size <= 2 * steps:
        return f, v
    pos = np.log(f / f[0]) / np.log(f[-1] / f[0]) * steps
    step = np.minimum(pos.astype(np.int64), steps - 1)
    starts = np.flatnonzero(np.r_[True, step[1:] != step[:-1]])
    seg = np.repeat(np.arange(starts.size), np.diff(np.r_[starts, f.size]))
    keep = np.zeros(f.size, bool)
    for reduce in (np.minimum, np.maximum):
        extreme = reduce.reduceat(v, starts)[seg] == v
        hits = np.flatnonzero(extreme)
        keep[hits[np.r_[True, seg[hits][1:] != seg[hits][:-1]]]] = True  # the first extreme of each step
    keep[[0, -1]] = True
    return f[keep], v[keep]


def spectrum_figure(
    freqs_hz: np.ndarray,
    psd: np.ndarray,
    *,
    label: str = "measured",
    overlays: list[tuple[np.ndarray, np.ndarray, str]] = (),
    bands: list[tuple[float, float]] | None = None,
    title: str = "Power spectrum",
    max_hz: float | None = None,
) -> go.Figure:
    """Power spectral density in dB over log frequency, with optional overlays and shaded bands.

    freqs_hz, psd : np.ndarray [shape=(F,)], psd in units^2 / Hz (converted to dB here)
    overlays : further (freqs, psd, label) curves, e.g. a GP's analytic spectral density
    bands : (lo_hz, hi_hz) pairs shaded alternately, e.g. the Bark bands
    max_hz : where the frequency axis ends (None: the top bin); see :func:`content_top_hz`
    """
    traces, top = [], -np.inf
    f_hi = max_hz or (float(np.max(freqs_hz)) if len(freqs_hz) else 8000.0)
    for f, p, name in [(freqs_hz, psd, label), *overlays]:
        f = np.asarray(f)
        keep = f > 0
        db = 10 * np.log10(np.maximum(np.asarray(p)[keep], 1e-20))
        top = max(top, float(np.max(db)) if db.size else top)
        x, db = thin_log(f[keep], db, lo_hz=SPECTRUM_LO_HZ, hi_hz=max(f_hi, 2 * SPECTRUM_LO_HZ))
        traces.append(dict(type="scatter", x=x, y=db, mode="lines", name=name))
    yaxis = dict(title=dict(text="power (dB)"))
    if np.isfinite(top):  # a fixed 100 dB window: the numerical floor of a clean tone is not news
        yaxis["range"] = [top - SPECTRUM_RANGE_DB, top + 5]
    # every other band shaded, all in one layout (add_vrect per band rebuilds the layout each time)
    shapes = [dict(type="rect", xref="x", yref="paper", x0=max(lo, 1.0), x1=hi, y0=0, y1=1, fillcolor="grey",
                   opacity=0.12, line=dict(width=0), layer="below") for lo, hi in (bands or [])[::2]]
    return plain_figure(traces, dict(
        title=dict(text=title), height=FIG_HEIGHT, margin=MARGIN, legend=dict(orientation="h", y=-0.25), shapes=shapes,
        xaxis=dict(type="log", title=dict(text="frequency (Hz)"), range=[np.log10(SPECTRUM_LO_HZ), np.log10(max(f_hi, 2 * SPECTRUM_LO_HZ))],
                   **LOG_TICKS),
        yaxis=yaxis))


def path_profile_figure(
    values_by_method: dict[str, np.ndarray],
    *,
    title: str,
    ylabel: str,
    reference: float | None = None,
    reference_label: str = "",
    from_zero: bool = True,
    min_span: float | None = None,
) -> go.Figure:
    """A quantity along interpolation paths (one line per method), with an optional reference line.

    min_span : the y axis spans at least this much (centred on the data), so a tiny change does not
    fill the plot and look dramatic (e.g. 6 dB for a loudness)."""
    fig = go.Figure()
    for name, v in values_by_method.items():
        fig.add_trace(go.Scatter(x=np.linspace(0, 1, len(v)), y=v, mode="lines+markers", name=name,
                                 line=dict(color=METHOD_COLORS.get(name))))
    if reference is not None:
        fig.add_hline(y=reference, line_dash="dash", annotation_text=reference_label)
    fig.update_xaxes(title_text="position along the path (A = 0, B = 1)")
    fig.update_yaxes(title_text=ylabel, rangemode="tozero" if from_zero else "normal")
    values = np.concatenate([np.asarray(v, dtype=float).ravel() for v in values_by_method.values()] or [np.zeros(0)])
    values = values[np.isfinite(values)]
    if min_span and values.size and np.ptp(values) < min_span:
        mid = (values.max() + values.min()) / 2
        fig.update_yaxes(range=[mid - min_span / 2, mid + min_span / 2])
    fig.update_layout(title=title, height=FIG_HEIGHT, margin=MARGIN, legend=dict(orientation="h", y=-0.3))
    return fig


def latent_map_figure(cloud_2d: np.ndarray, paths_2d: dict[str, np.ndarray], *,
                      origin: np.ndarray | None = None) -> go.Figure:
    """A 2-D PCA view: sampled latents as a grey cloud, interpolation paths as lines, and the
    origin (z = 0, its projection ``origin`` [2]) as a black cross when given."""
    fig = go.Figure(
        go.Scatter(x=cloud_2d[:, 0], y=cloud_2d[:, 1], mode="markers", name="prior samples",
                   marker=dict(color="lightgrey", size=5))
    )
    for name, p in paths_2d.items():
        fig.add_trace(go.Scatter(x=p[:, 0], y=p[:, 1], mode="lines+markers", name=name,
                                 line=dict(color=METHOD_COLORS.get(name))))
    if origin is not None:
        fig.add_trace(go.Scatter(x=[origin[0]], y=[origin[1]], mode="markers+text", name="origin (z = 0)",
                                 text=["origin"], textposition="top center",
                                 marker=dict(symbol="x", size=12, color="black")))
    fig.update_layout(title="Path in latent space (2-D PCA)", height=FIG_HEIGHT, margin=MARGIN)
    fig.update_xaxes(title_text="PC 1")
    fig.update_yaxes(title_text="PC 2", scaleanchor="x")
    return fig


def rainbowgram_strip_figure(rgs: list, *, max_hz: float | None = None, gap_px: int = 4) -> go.Figure:
    """Rainbowgrams of consecutive steps side by side in one image (one JPEG, light to send)."""
    images = []
    for rg in rgs:
        img = rg.image if max_hz is None else rg.image[rg.freqs_hz <= max_hz]
        images += [img, np.full((img.shape[0], gap_px, 3), 255, np.uint8)]
    strip = np.concatenate(images[:-1], axis=1)
    width = rgs[0].image.shape[1] + gap_px
    h, w = strip.shape[:2]
    fig = go.Figure()
    fig.add_layout_image(source=image_data_uri(strip[::-1]), xref="x", yref="y", x=0, y=h, sizex=w, sizey=h,
                         sizing="stretch", layer="below")
    fig.add_trace(go.Scatter(x=[0, w], y=[0, h], mode="markers", marker=dict(opacity=0), hoverinfo="skip",
                             showlegend=False))
    fig.update_xaxes(range=[0, w], tickvals=[width * (k + 0.5) for k in range(len(rgs))],
                     ticktext=[f"step {k}" for k in range(len(rgs))], showgrid=False, zeroline=False)
    fig.update_yaxes(range=[0, h], visible=False)
    fig.update_layout(title="Rainbowgram of each step, A to B", height=220, margin=dict(l=10, r=10, t=40, b=30))
    return fig
