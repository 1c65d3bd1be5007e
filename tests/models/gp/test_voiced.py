"""Phase-continuous voiced GP synthesis (explorer.models.gp.voiced / track): known answers."""

import json

import numpy as np
import pytest
import scipy.ndimage
import scipy.signal

from explorer.audio.spectrum import bark_bands
from explorer.errors import PresetError
from explorer.models.gp import voiced
from explorer.models.gp.kernel import Component, SMKernel
from explorer.models.gp.model import GPModel
from explorer.models.gp.spec import GPSpec, parse_gp_spec
from explorer.models.gp.track import Track
from tests.models.gp.kernels import spec_json

SR = 16000
J = len(bark_bands(SR))


def track(f0, harmonics, *, noise=0.0, voicing=1.0, bandwidth_hz=0.5, hop_s=0.01, coherence=0.0):
    f0 = np.asarray(f0, dtype=float)
    t = len(f0)
    return Track(hop_s, f0, np.full(t, voicing), np.tile(harmonics, (t, 1)), np.full((t, J), noise), bandwidth_hz,
                 coherence=coherence)


def model(tr, seconds=1.0):
    return GPModel(GPSpec(SR, seconds, SMKernel((Component(1.0, 200.0, 0.1),)), track=tr))


def test_constant_f0_gives_one_unbroken_partial_no_phase_jump_at_any_edge():
    # 100 frames of 10 ms (frame edges every 160 samples, control edges every 80): one partial at 220 Hz
    m = model(track(np.full(100, 220.0), [1.0]))
    y = m.render(m.sample_latent(1, 5))[0].astype(np.float64)
    analytic = scipy.signal.hilbert(y)[800:-800]  # away from the transform's own edge effects
    # the phase drifts like a random walk (a line of finite width) but never jumps: a restart at
    # an edge would move it by ~1 rad in one sample
    step = np.diff(np.unwrap(np.angle(analytic))) - 2 * np.pi * 220.0 / SR  # rad per sample
    assert np.max(np.abs(step)) < 0.01
    assert np.median(np.abs(step)) < 0.002
    env = np.abs(analytic)
    assert env.min() > 0.2 * env.mean()  # never a dip to silence
    assert np.max(np.abs(np.diff(env))) < 1e-2 * env.mean()  # smooth envelope: no click at a boundary


def test_power_does_not_dip_between_control_points():
    # wide lines (fast OU) make an interpolation dip easy to see; averaged over many draws
    tr = track(np.full(50, 300.0), [1.0], bandwidth_hz=40.0)
    m = model(tr, 0.5)
    y = m.render(m.sample_latent(64, 1)).astype(np.float64)
    dt = voiced.control_step_s(40.0) * SR  # samples per control step
    pos = (np.arange(y.shape[1]) / dt) % 1.0
    mid = np.mean(y[:, (pos > 0.4) & (pos < 0.6)] ** 2)
    ends = np.mean(y[:, (pos < 0.1) | (pos > 0.9)] ** 2)
    assert mid / ends == pytest.approx(1.0, abs=0.02)
    assert np.mean(y**2) == pytest.approx(1.0, rel=0.1)  # harmonic power = its track power


def test_partial_follows_a_changing_f0_track_continuously():
    f0 = np.concatenate([np.full(30, 200.0), np.linspace(200.0, 300.0, 40), np.full(30, 300.0)])
    m = model(track(f0, [1.0]))
    y = m.render(m.sample_latent(1, 2))[0].astype(np.float64)
    analytic = scipy.signal.hilbert(y)
    inst = np.diff(np.unwrap(np.angle(analytic))) * SR / (2 * np.pi)
    t = np.arange(len(inst)) / SR
    want = np.interp(t, np.arange(100) * 0.01, f0)
    inner = np.zeros(len(inst), bool)
    inner[800:-800] = True
    env = scipy.ndimage.minimum_filter1d(np.abs(analytic[1:]), 481)  # the envelope's least within +-15 ms
    strong = inner & (env > 0.3 * np.abs(analytic).mean())  # (a Gaussian line may fade to 0 and spin)
    assert strong.mean() > 0.5
    smooth = np.convolve(inst - want, np.ones(160) / 160, mode="same")  # 10 ms average
    assert np.max(np.abs(smooth[strong])) < 8.0  # a phase restart would add ~25 Hz over 10 ms
    assert np.median(np.abs(smooth[strong])) < 2.0


def test_same_z_same_sound_and_linear_in_z():
    m = model(track(120 + 10 * np.sin(np.arange(60) / 9), [1.0, 0.5, 0.25, 0.1], noise=0.01, bandwidth_hz=4.0), 0.6)
    z = m.sample_latent(2, 11)
    a, b = m.render(z)
    assert np.array_equal(m.render(z[:1])[0], a)
    assert not np.allclose(a, b)
    mix = m.render(0.6 * z[:1] + 0.8 * z[1:])[0]
    np.testing.assert_allclose(mix, 0.6 * a + 0.8 * b, atol=2e-4 * np.abs(a).max())


def test_noise_bands_have_their_power_and_stay_in_band():
    gains = np.zeros(J)
    gains[10] = 1.0  # one Bark band only
    tr = Track(0.01, np.zeros(80), np.zeros(80), np.zeros((80, 1)), np.tile(gains, (80, 1)), 4.0)
    m = model(tr, 0.8)
    y = m.render(m.sample_latent(8, 0)).astype(np.float64)
    assert np.mean(y**2) == pytest.approx(1.0, rel=0.1)
    f, p = scipy.signal.welch(y, fs=SR, nperseg=1024)
    lo, hi = bark_bands(SR)[10]
    share = p.mean(axis=0)[(f >= lo - 200) & (f <= hi + 200)].sum() / p.mean(axis=0).sum()
    assert share > 0.95


def test_track_json_round_trip_transpose_and_old_files_load():
    tr = track(np.full(10, 200.0), [1.0, 0.3], noise=0.001)
    spec = GPSpec(SR, 0.1, SMKernel((Component(1.0, 200.0, 0.1),)), track=tr, pitch_midi=55.0)
    again = parse_gp_spec(json.loads(spec.dumps()))
    assert again == spec and again.track.bandwidth_hz == 0.5
    assert spec.transposed(67).track.f0_hz[0] == pytest.approx(400.0)
    old = parse_gp_spec(spec_json())  # a file without a track: loads and renders as before
    assert old.track is None and "track" not in old.to_json()


def test_coherent_harmonics_are_phase_locked_and_keep_their_power():
    """Known answers: coherence 1 makes the harmonics the mean sqrt(2) A_h cos(h phi) for every
    seed; coherence 0.5 keeps each harmonic's power (averaged over draws) and half of it is that
    mean; coherence 0 is the zero-mean draw of before, sample for sample."""
    f0, n = 200.0, 8000
    phi = 2 * np.pi * f0 * np.arange(1, n + 1) / SR  # phi(t) is the running sum of f0 up to and with sample t
    harmonics = [1.0, 0.25]
    locked = model(track(np.full(60, f0), harmonics, coherence=1.0), 0.5)
    y = locked.render(locked.sample_latent(3, 2))
    expected = np.sqrt(2) * (np.cos(phi) + 0.5 * np.cos(2 * phi))
    np.testing.assert_allclose(y, np.broadcast_to(expected, y.shape), rtol=2e-3, atol=2e-3)  # float32 phase
    half = model(track(np.full(60, f0), harmonics, coherence=0.5), 0.5)
    ys = half.render(half.sample_latent(256, 3)).astype(np.float64)
    assert np.mean(ys**2) == pytest.approx(1.25, rel=0.1)
    assert np.mean((ys - np.sqrt(0.5) * expected) ** 2) == pytest.approx(0.5 * 1.25, rel=0.1)  # the random half
    plain = model(track(np.full(60, f0), harmonics), 0.5)
    zero = model(track(np.full(60, f0), harmonics, coherence=0.0), 0.5)
    z = plain.sample_latent(1, 4)
    np.testing.assert_array_equal(plain.render(z), zero.render(z))
    spec = GPSpec(SR, 0.5, SMKernel((Component(1.0, 200.0, 0.1),)), track=half.spec.track)
    assert parse_gp_spec(json.loads(spec.dumps())).track.coherence == 0.5
    assert "coherence" not in plain.spec.track.to_json()  # old files stay as they were


@pytest.mark.parametrize("bad, words", [
    ({"hop_s": 0.01, "f0_hz": [100.0], "voicing": [1.0], "harmonics": [[1.0]], "noise_bands": [[0.0] * J],
      "coherence": 1.5}, "coherence"),
    ({"hop_s": 0.01, "f0_hz": [100.0], "voicing": [1.0], "harmonics": [[1.0]]}, "noise_bands"),
    ({"hop_s": 0.01, "f0_hz": [100.0], "voicing": [2.0], "harmonics": [[1.0]], "noise_bands": [[0.0] * J]}, "voicing"),
    ({"hop_s": 0.01, "f0_hz": [100.0, 90.0], "voicing": [1.0, 1.0], "harmonics": [[1.0]],
      "noise_bands": [[0.0] * J] * 2}, "harmonics"),
    ({"hop_s": 0.01, "f0_hz": [100.0], "voicing": [1.0], "harmonics": [[1.0]], "noise_bands": [[0.0] * 3]}, "Bark"),
    ({"hop_s": 0.01, "f0_hz": ["a"], "voicing": [1.0], "harmonics": [[1.0]], "noise_bands": [[0.0] * J]}, "f0_hz"),
])
def test_bad_track_is_a_clear_error(bad, words):
    with pytest.raises(PresetError, match=words):
        parse_gp_spec(spec_json(track=bad))


@pytest.mark.parametrize("sd", [0.5, 3.0, 400.0])
def test_gaussian_lines_equal_every_line_at_every_bin_in_any_order(sd):
    rng = np.random.default_rng(1)
    freqs = rng.permutation(np.linspace(0.0, 8000.0, 2049))  # unsorted bins: each answer lands on its own bin
    mu, power = rng.uniform(-50, 8050, 300), rng.uniform(0, 2, 300)
    dense = (power[:, None] * np.exp(-0.5 * ((freqs[None, :] - mu[:, None]) / sd) ** 2)).sum(0) / (sd * np.sqrt(2 * np.pi))
    np.testing.assert_allclose(voiced._gaussian_lines(freqs, mu, power, sd), dense, rtol=1e-9, atol=1e-12 * dense.max())
