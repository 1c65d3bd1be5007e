"""Kernel morphs that move evenly: the even fractions on shipped presets, against linear mixing."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.errors import ParameterError
from explorer.models.gp.evenness import even_fractions, morph_centroids, step_ratio
from explorer.models.gp.presets import load_gp
from explorer.models.registry import morph_models
from explorer.presets import parse_preset


def test_step_ratio_known_answers():
    assert step_ratio([0, 1, 2, 3]) == pytest.approx(1.0)
    assert step_ratio([0, 3, 3, 3]) == pytest.approx(3.0)  # one step does all the moving
    assert step_ratio([5, 5, 5]) == 1.0


def test_even_fractions_move_the_brightness_evenly_where_linear_mixing_jumps():
    """gp-organ -> gp-bowed at middle C, 9 steps (measured: linear 2.90, even 1.03)."""
    a, b = load_gp("gp-organ").spec, load_gp("gp-bowed").spec
    ts = even_fractions(a, b, 9, pitch=60)
    assert ts[0] == 0.0 and ts[-1] == 1.0 and np.all(np.diff(ts) >= 0)
    assert step_ratio(morph_centroids(a, b, mix="linear", even=False, pitch=60)) > 2.5
    assert step_ratio(morph_centroids(a, b, pitch=60)) <= 1.5


def test_morph_models_mix_choice():
    a = parse_preset({"format": "latent-audio-explorer/preset@1", "model": "gp", "seed": 0, "gp": load_gp("gp-organ").spec.to_json()})
    b = parse_preset({"format": "latent-audio-explorer/preset@1", "model": "gp", "seed": 0, "gp": load_gp("gp-breathy-vowel").spec.to_json()})
    linear = morph_models(a, b, steps=3, mix="linear")
    assert [m.spec.description for m in linear[1:2]] == ["50% of the way from one kernel to another"]
    even = morph_models(a, b, steps=3)
    assert even[0].spec == linear[0].spec and even[-1].spec.kernel == linear[-1].spec.kernel
    assert even[1].spec.description != linear[1].spec.description  # not the half-way fraction
    with pytest.raises(ParameterError, match="kernel mix"):
        morph_models(a, b, steps=3, mix="geometric")
