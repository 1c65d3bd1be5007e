"""A GP sound shorter than its envelope is squeezed, never silent (issue 20; explorer/models/gp/spec.py
Envelope.curve): the GP page's builder at 0.25 s with its default envelope (release 0.3 s) played nothing."""

import numpy as np
import pytest

from explorer.models.gp.spec import Envelope
from explorer.models.registry import model_for_kernel
from explorer.render import render_safe

PAGE_DEFAULT = Envelope(0.01, 0.3, 0.6, 0.3)  # the GP page's ADSR sliders' defaults


@pytest.mark.parametrize("duration_s", [0.05, 0.25, 0.3, 0.5])
def test_short_sound_envelope_reaches_its_level(duration_s):
    sr = 16000
    g = PAGE_DEFAULT.curve(int(duration_s * sr), sr=sr)
    assert g.max() >= 0.6 - 1e-9  # reaches at least the sustain level
    assert g[0] < 0.05 and g[-1] < 0.05  # still starts and ends quietly


def test_long_sound_envelope_unchanged():
    sr = 16000
    g = PAGE_DEFAULT.curve(2 * sr, sr=sr)
    t = np.arange(2 * sr) / sr
    assert np.allclose(g[(t > 0.4) & (t < 1.6)], 0.6)  # sustain held between decay and release


def test_gp_builder_length_with_default_envelope_is_not_silent():
    kernel = {"sample_rate": 16000, "duration_s": 0.25,
              "kernel": {"components": [{"weight": 1.0, "mean_hz": 261.63, "lengthscale_s": 0.25}]},
              "envelope": {"attack_s": 0.01, "decay_s": 0.3, "sustain": 0.6, "release_s": 0.3}}
    model = model_for_kernel(kernel)
    sound = render_safe(model, model.sample_latent(1, 0)[0], None)
    assert not sound.silent and np.abs(sound.y).max() > 0.1
