"""The GP kernel figure."""

import pytest

from explorer.figures.gp import kernel_figure
from tests.models.gp.kernels import three_peaks


def test_kernel_figure():
    fig = kernel_figure(three_peaks(noise=0.1), max_lag_s=0.02)
    assert len(fig.data) == 2 and fig.data[0].x[-1] == pytest.approx(20.0)
