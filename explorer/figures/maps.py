"""Figures of the map page and the morph pad (``go.Figure``; no streamlit here).

Names on a map come from files and uploads: they are HTML-escaped before plotly shows them.
"""

from __future__ import annotations

import html

import numpy as np
import plotly.graph_objects as go

#: Okabe-Ito, then Tol's muted: distinct colours for up to 16 families (colour-blind-friendly first).
CATEGORY_COLORS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
                   "#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255"]
MAP_HEIGHT = 560
#: Pixels a side of one sound's rainbowgram in the pad's picture.
TILE = 64
MARGIN = dict(l=10, r=10, t=40, b=10)


def sound_map_figure(xy: np.ndarray, names: list[str], *, groups: list[str] | None = None,
                     values: np.ndarray | None = None, value_label: str = "", current: int | None = None,
                     title: str = "") -> go.Figure:
    """Every sound as a point at ``xy`` [n x 2], hover showing its name; coloured by ``groups``
    (one legend entry each) or by ``values`` [n] (a colour bar named ``value_label``). Each
    point's ``customdata`` is its index, so a selection names the sounds whatever the trace.
    ``current``: the index of the sound playing, ringed."""
    xy = np.asarray(xy, dtype=float)
    safe = np.array([html.escape(str(n)) for n in names], dtype=object)
    idx = np.arange(len(xy))
    fig = go.Figure()
    marker = dict(size=8, line=dict(width=0.5, color="white"))
    if values is not None:
        fig.add_trace(go.Scatter(
            x=xy[:, 0], y=xy[:, 1], mode="markers", customdata=idx, hovertext=safe, name=value_label,
            hovertemplate="%{hovertext}<br>" + html.escape(value_label) + " %{marker.color:.3g}<extra></extra>",
            marker=dict(**marker, color=np.asarray(values, float), colorscale="Viridis", showscale=True,
                        colorbar=dict(title=dict(text=html.escape(value_label), side="right"), thickness=12)),
            showlegend=False))
    else:
        labels = np.array(groups if groups is not None else ["sounds"] * len(xy), dtype=object)
        for k, g in enumerate(dict.fromkeys(labels)):
            m = labels == g
            fig.add_trace(go.Scatter(
                x=xy[m, 0], y=xy[m, 1], mode="markers", customdata=idx[m], hovertext=safe[m],
                name=html.escape(str(g)), hovertemplate="%{hovertext}<extra></extra>",
                marker=dict(**marker, color=CATEGORY_COLORS[k % len(CATEGORY_COLORS)])))
    if current is not None and 0 <= current < len(xy):
        fig.add_trace(go.Scatter(
            x=[xy[current, 0]], y=[xy[current, 1]], mode="markers", customdata=[current], hovertext=[safe[current]],
            hovertemplate="%{hovertext} (playing)<extra></extra>", name="playing", showlegend=False,
            marker=dict(size=18, color="rgba(0,0,0,0)", line=dict(width=2.5, color="#D55E00"))))
    # dragging pans and a click selects one point (streamlit's default for a chart that selects
    # points); the lasso and box tools in the mode bar select several
    fig.update_layout(height=MAP_HEIGHT, margin=MARGIN, title=title,
                      legend=dict(itemsizing="constant"), hoverlabel=dict(namelength=-1))
    fig.update_xaxes(showticklabels=False, zeroline=False, showgrid=False)
    fig.update_yaxes(showticklabels=False, zeroline=False, showgrid=False, scaleanchor="x")
    return fig


def pad_figure(mosaic: np.ndarray | None, *, position: tuple[float, float], steps: int = 11) -> go.Figure:
    """The morph pad: the unit square (A top-left, B top-right, C bottom-left, D bottom-right)
    over ``mosaic`` (uint8 [H x W x 3], the grid of rainbowgrams, or None), a ``steps`` x ``steps``
    grid of points to click and the current ``position`` ringed."""
    fig = go.Figure()
    if mosaic is not None:
        n = mosaic.shape[1] // TILE  # tiles a side, centred on the grid points 0, 1/(n-1), ..., 1
        half = 0.5 / max(n - 1, 1)
        d = (1.0 + 2 * half) / mosaic.shape[1]
        fig.add_trace(go.Image(z=mosaic, x0=-half + d / 2, y0=-half + d / 2, dx=d, dy=d, hoverinfo="skip"))
    t = np.linspace(0.0, 1.0, steps)
    gx, gy = (a.ravel() for a in np.meshgrid(t, t))
    fig.add_trace(go.Scatter(
        x=gx, y=gy, mode="markers", name="pad",
        hovertemplate="across %{x:.1f}, down %{y:.1f}<extra></extra>",
        marker=dict(size=7, color="rgba(255,255,255,0.25)", line=dict(width=1, color="rgba(0,0,0,0.35)"))))
    fig.add_trace(go.Scatter(
        x=[position[0]], y=[position[1]], mode="markers", name="here", hoverinfo="skip",
        marker=dict(size=22, color="rgba(0,0,0,0)", line=dict(width=3, color="white"))))
    for label, (x, y) in zip("ABCD", [(0, 0), (1, 0), (0, 1), (1, 1)]):
        fig.add_annotation(x=x, y=y, text=f"<b>{label}</b>", showarrow=False, font=dict(size=18, color="white"),
                           bgcolor="rgba(0,0,0,0.55)", xshift=-14 if x == 0 else 14, yshift=14 if y == 0 else -14)
    fig.update_layout(height=420, width=460, margin=dict(l=30, r=30, t=30, b=30), showlegend=False,
                      clickmode="event+select", dragmode=False, plot_bgcolor="#111")
    fig.update_xaxes(range=[-0.18, 1.18], showticklabels=False, showgrid=False, zeroline=False)
    fig.update_yaxes(range=[1.18, -0.18], showticklabels=False, showgrid=False, zeroline=False, scaleanchor="x")
    return fig


def pad_mosaic(tiles: list[list[np.ndarray]]) -> np.ndarray:
    """Rainbowgram images [rows x cols] of [F x T x 3] (low frequencies first) as one picture,
    uint8 [rows * TILE x cols * TILE x 3], low frequencies at the bottom of each tile."""
    size = TILE
    rows = []
    for row in tiles:
        out = []
        for img in row:
            f = np.linspace(0, img.shape[0] - 1, size).round().astype(int)
            t = np.linspace(0, img.shape[1] - 1, size).round().astype(int)
            out.append(img[f][:, t][::-1])
        rows.append(np.concatenate(out, axis=1))
    return np.ascontiguousarray(np.concatenate(rows, axis=0))
