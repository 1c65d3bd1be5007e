"""Family figures of issue 14: the VAE's sounding-cell error, the GP fit's comparison with its recording."""

import numpy as np
import pytest

from explorer.models.gp import evaluation as gp_eval
from explorer.models.vae import evaluation as vae_eval

SR = 16000


def test_sounding_error_ignores_the_shared_floor():
    target = np.full((1, 4, 10), -80.0)
    target[0, 0, :5] = 0.0  # 5 sounding cells of 40
    pred = target.copy()
    pred[0, 0, :5] = 3.0  # 3 dB off where it sounds; exact on the floor
    top = np.array([0.0])
    assert vae_eval._sounding_error(pred, target, top)[0] == pytest.approx(3.0)
    assert np.abs(pred - target).mean() == pytest.approx(3.0 * 5 / 40)  # what the all-cells figure says


def test_gp_fit_figures_known_answers():
    t = np.arange(int(1.5 * SR)) / SR
    env = np.exp(-2 * t) * np.minimum(t / 0.02, 1)
    tone = env * sum(np.sin(2 * np.pi * 220 * k * t) / k for k in range(1, 5))
    noise = env * np.random.default_rng(0).standard_normal(t.size)
    out = gp_eval.compare_to_recording(tone, {"same": tone, "noise": noise})
    assert out["same_f0_agreement"] == 1.0 and out["same_mel_lsd_db"] == pytest.approx(0.0, abs=1e-6)
    assert out["same_envelope_corr"] == pytest.approx(1.0)
    assert out["orig_voiced_fraction"] > 0.9 and out["noise_voiced_fraction"] < 0.1
    assert out["noise_f0_agreement"] < 0.1 and out["noise_mel_lsd_db"] > 5
    assert out["noise_envelope_corr"] > 0.9  # the envelope alone scores high: why the baseline is printed
    assert out["orig_hnr_db"] > 15 > 0 > out["noise_hnr_db"]
