"""Plotly figures of a GP kernel (return ``go.Figure``; no streamlit here)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from explorer.figures.sound import MARGIN, FIG_HEIGHT, plain_figure
from explorer.models.gp import SMKernel


def kernel_figure(kernel: SMKernel, *, max_lag_s: float, title: str = "Kernel k(τ)") -> go.Figure:
    """The covariance k(tau) for tau in [0, max_lag_s] (s), and the white-noise spike at tau = 0.

    Read it as "how alike the sound is with itself tau seconds later": a slowly fading cosine is a
    pure, steady tone; a quick fade is noise. The noise term is a single spike at zero lag.
    """
    tau = np.linspace(0.0, max_lag_s, 4000)  # s
    smooth = SMKernel(kernel.components, 0.0).covariance(tau)
    traces = [dict(type="scatter", x=tau * 1e3, y=smooth, mode="lines", name="k(τ)")]
    if kernel.noise > 0:
        traces.append(dict(type="scatter", x=[0.0, 0.0], y=[smooth[0], smooth[0] + kernel.noise], mode="lines+markers",
                           name="white noise (τ = 0 only)", line=dict(dash="dot")))
    return plain_figure(traces, dict(
        title=dict(text=title), height=FIG_HEIGHT, margin=MARGIN, legend=dict(orientation="h", y=-0.25),
        xaxis=dict(title=dict(text="lag τ (ms)"), range=[0, max_lag_s * 1e3]), yaxis=dict(title=dict(text="covariance"))))


def f0_figure(track, *, title: str = "Pitch (f0) and voicing of the fit") -> go.Figure:
    """The fitted f0 track (Hz, voiced frames only) over time, with the voicing (0-1) shaded beneath.

    ``track``: an :class:`explorer.models.gp.track.Track` (hop_s, f0_hz [T], voicing [T]).
    """
    t = np.arange(track.n_frames) * track.hop_s  # s
    f0 = np.where((track.voicing > 0) & (track.f0_hz > 0), track.f0_hz, np.nan)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=t, y=track.voicing, yaxis="y2", mode="lines", fill="tozeroy", name="voicing",
                             line=dict(width=0), opacity=0.3))
    fig.add_trace(go.Scatter(x=t, y=f0, mode="lines", name="f0 (Hz)", connectgaps=False))
    fig.update_xaxes(title_text="time (s)")
    fig.update_layout(title=title, height=FIG_HEIGHT, margin=MARGIN, legend=dict(orientation="h", y=-0.25),
                      yaxis=dict(title="f0 (Hz)"),
                      yaxis2=dict(title="voicing", overlaying="y", side="right", range=[0, 1.05], showgrid=False))
    return fig
