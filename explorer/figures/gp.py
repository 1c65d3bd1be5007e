"""Plotly figures of a GP kernel (return ``go.Figure``; no streamlit here)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from explorer.figures.sound import FIG_HEIGHT
from explorer.models.gp import SMKernel

_MARGIN = dict(l=50, r=10, t=40, b=40)


def kernel_figure(kernel: SMKernel, *, max_lag_s: float, title: str = "Kernel k(τ)") -> go.Figure:
    """The covariance k(tau) for tau in [0, max_lag_s] (s), and the white-noise spike at tau = 0.

    Read it as "how alike the sound is with itself tau seconds later": a slowly fading cosine is a
    pure, steady tone; a quick fade is noise. The noise term is a single spike at zero lag.
    """
    tau = np.linspace(0.0, max_lag_s, 4000)  # s
    smooth = SMKernel(kernel.components, 0.0).covariance(tau)
    fig = go.Figure(go.Scatter(x=tau * 1e3, y=smooth, mode="lines", name="k(τ)"))
    if kernel.noise > 0:
        fig.add_trace(go.Scatter(x=[0.0, 0.0], y=[smooth[0], smooth[0] + kernel.noise], mode="lines+markers",
                                 name="white noise (τ = 0 only)", line=dict(dash="dot")))
    fig.update_xaxes(title_text="lag τ (ms)", range=[0, max_lag_s * 1e3])
    fig.update_yaxes(title_text="covariance")
    fig.update_layout(title=title, height=FIG_HEIGHT, margin=_MARGIN, legend=dict(orientation="h", y=-0.25))
    return fig
