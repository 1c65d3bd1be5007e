"""GP fits of degenerate clips give a message about the input, not about the fit's internals
(issue 20): a DC-only clip used to say "weight must be a finite number, got nan", a clip of 1e30
amplitudes "mean_hz ... nan"."""

import numpy as np
import pytest

from explorer.errors import ParameterError
from explorer.models.gp.fit import fit_piecewise, fit_stationary

SR = 16000


@pytest.mark.parametrize("fit", [fit_piecewise, fit_stationary])
def test_dc_only_clip_is_refused_with_a_message_about_the_input(fit):
    with pytest.raises(ParameterError, match="constant offset"):
        fit(np.full(SR // 2, 0.3), sr=SR, n_iter=5)


def test_huge_amplitudes_fit_like_the_same_clip_at_full_scale():
    t = np.arange(SR // 2) / SR
    y = np.sin(2 * np.pi * 440 * t) * np.hanning(t.size)
    spec = fit_piecewise(y * 1e30, sr=SR, n_iter=5, stationary_iter=5)
    means = [c.mean_hz for c in spec.kernel.components]
    assert all(np.isfinite(means)) and min(abs(m - 440) for m in means) < 60
