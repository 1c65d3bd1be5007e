"""The GP synthesizer: kernel maths, exact circulant sampling, builders, JSON, the model."""

import json
import math

import librosa
import numpy as np
import pytest
import scipy.linalg

from explorer.audio.spectrum import bark_bands, power_spectrum
from explorer.errors import CheckpointError, ParameterError, PresetError
from explorer.models.base import AudioModel
from explorer.models.gp.model import (
    MAX_COMPONENTS,
    Blocks,
    Component,
    Envelope,
    GPModel,
    GPSpec,
    SMKernel,
    bark_kernel,
    circulant_eigenvalues,
    decay_groups,
    embedding_size,
    from_spec,
    harmonic_kernel,
    list_gp_presets,
    load_gp,
    midi_to_hz,
    parse_gp_spec,
)

SR = 16000


def three_peaks(noise: float = 0.01) -> SMKernel:
    """Three peaks in the middle of Bark bands (400-510, 1480-1720, 3700-4400 Hz)."""
    return SMKernel(
        (Component(1.0, 455.0, 0.02), Component(0.5, 1600.0, 0.01), Component(0.25, 4050.0, 0.004)), noise
    )


def spec_json(**overrides):
    base = {
        "sample_rate": 16000,
        "duration_s": 0.5,
        "kernel": {"components": [{"weight": 1.0, "mean_hz": 440.0, "lengthscale_s": 0.05}], "noise": 0.0},
    }
    base.update(overrides)
    return base


def with_component(**fields):
    comp = {"weight": 1.0, "mean_hz": 440.0, "lengthscale_s": 0.05}
    comp.update(fields)
    return spec_json(kernel={"components": [comp], "noise": 0.0})


# -- kernel maths ----------------------------------------------------------------------------


def test_covariance_matches_design_formula():
    k = three_peaks(noise=0.2)
    tau = np.array([0.0, 1e-4, 1e-3, 0.01])
    expected = [
        sum(c.weight * math.exp(-(t**2) / (2 * c.lengthscale_s**2)) * math.cos(2 * math.pi * c.mean_hz * t) for c in k.components)
        + (0.2 if t == 0 else 0.0)
        for t in tau
    ]
    np.testing.assert_allclose(k.covariance(tau), expected, rtol=1e-12)


def test_psd_integrates_to_weights_and_peaks_at_means():
    k = three_peaks(noise=0.0)
    f = np.linspace(0, 20000, 400001)
    assert np.trapezoid(k.psd(f), f) == pytest.approx(1.75, rel=1e-6)
    # each component: power weight_q in a Gaussian of std 1 / (2 pi lengthscale_q)
    c = k.components[1]
    one = SMKernel((c,), 0.0)
    sd = 1 / (2 * math.pi * c.lengthscale_s)
    band = (f > c.mean_hz - sd) & (f < c.mean_hz + sd)
    assert np.trapezoid(one.psd(f[band]), f[band]) == pytest.approx(0.5 * 0.6827, rel=1e-3)
    # sampled: the discrete-time PSD over [0, sr/2] holds the whole variance, noise included
    kn = three_peaks(noise=0.3)
    fs = np.linspace(0, SR / 2, 200001)
    assert np.trapezoid(kn.psd(fs, sr=SR), fs) == pytest.approx(kn.variance, rel=1e-4)


def test_embedding_is_even_and_at_least_twice_the_length():
    for n in (1, 7, 800, 88200, 1323000):
        m = embedding_size(n)
        assert m >= 2 * n and m % 2 == 0


# -- exact sampling -------------------------------------------------------------------------


def draw_matrix(model: GPModel) -> np.ndarray:
    """The linear map z -> x as a matrix [n x M] (render every unit innovation)."""
    return model.render(np.eye(model.latent_dim, dtype=np.float32)).T


def test_draw_covariance_is_exactly_the_toeplitz_kernel():
    kernel = SMKernel((Component(1.0, 450.0, 0.002), Component(0.5, 1500.0, 0.001), Component(0.25, 4000.0, 5e-4)), 0.05)
    model = GPModel(GPSpec(16000, 0.025, kernel))  # 400 samples; the kernel has decayed by then
    a = draw_matrix(model)
    n = a.shape[0]
    toeplitz = scipy.linalg.toeplitz(kernel.covariance(np.arange(n) / SR))
    assert model.clipped_power_fraction() == 0.0
    np.testing.assert_allclose(a @ a.T, toeplitz, atol=2e-5 * kernel.variance)


def test_sample_covariance_matches_kernel_at_several_lags():
    kernel = three_peaks(noise=0.05)
    model = GPModel(GPSpec(16000, 0.05, kernel))
    x = model.render(model.sample_latent(3000, seed=1)).astype(np.float64)
    lags = [0, 1, 3, 10, 40, 150]
    starts = np.arange(0, 600, 50)
    for lag in lags:
        est = np.mean([np.mean(x[:, s] * x[:, s + lag]) for s in starts])
        assert est == pytest.approx(kernel.covariance(np.array(lag / SR)), abs=0.04 * kernel.variance), lag


def test_mean_power_spectrum_of_many_draws_matches_analytic_psd_in_bark_bands():
    kernel = three_peaks(noise=0.01)
    model = GPModel(GPSpec(16000, 0.5, kernel))
    x = model.render(model.sample_latent(300, seed=2))
    freqs, psd = power_spectrum(x, sr=SR, n_fft=1024)
    empirical = psd.mean(axis=0)
    fine = np.linspace(0, SR / 2, 80001)
    analytic = kernel.psd(fine, sr=SR)
    total = kernel.variance
    checked = 0
    for lo, hi in bark_bands(SR):
        e_sel = (freqs >= lo) & (freqs < hi)
        a_sel = (fine >= lo) & (fine < hi)
        band_a = np.trapezoid(analytic[a_sel], fine[a_sel])
        if band_a < 0.02 * total:
            continue
        band_e = empirical[e_sel].sum() * (freqs[1] - freqs[0])
        assert band_e == pytest.approx(band_a, rel=0.10), (lo, hi)
        checked += 1
    assert checked >= 3


def test_same_innovations_same_sound_and_the_map_is_linear():
    spec = parse_gp_spec(spec_json())
    m1, m2 = from_spec(spec.to_json()), from_spec(spec)
    z = m1.sample_latent(2, seed=5)
    np.testing.assert_array_equal(m1.render(z), m2.render(z))
    np.testing.assert_array_equal(m1.sample_latent(2, seed=5), z)
    assert not np.allclose(m1.render(m1.sample_latent(1, seed=6)), m1.render(z[:1]))
    a, b = 0.6, -1.3
    np.testing.assert_allclose(m1.render(a * z[:1] + b * z[1:]), a * m1.render(z[:1]) + b * m1.render(z[1:]), atol=1e-5)


def test_clipped_negative_eigenvalues_are_reported():
    long = SMKernel((Component(1.0, 310.3, 0.3),), 0.0)  # does not decay within 0.1 s
    sqrt_eig, clipped = circulant_eigenvalues([long], 1600, sr=SR)
    assert clipped[0] > 0.05
    assert np.all(np.isfinite(sqrt_eig))
    short = SMKernel((Component(1.0, 300.0, 0.005),), 0.0)
    assert circulant_eigenvalues([short], 1600, sr=SR)[1][0] < 1e-9


# -- builders, envelope, decays ---------------------------------------------------------------


def test_bark_kernel_one_component_per_band():
    bands = bark_bands(SR)
    gains = np.linspace(1.0, 0.1, len(bands))
    k = bark_kernel(gains, sr=SR)
    assert len(k.components) == len(bands)
    np.testing.assert_allclose(k.means_hz, [(lo + hi) / 2 for lo, hi in bands])
    np.testing.assert_allclose(k.weights, gains)
    # default lengthscale: spectral FWHM = band width
    fwhm = 2 * math.sqrt(2 * math.log(2)) / (2 * math.pi * k.lengthscales_s)
    np.testing.assert_allclose(fwhm, [hi - lo for lo, hi in bands])
    assert np.all(bark_kernel(gains, sr=SR, lengthscale_s=0.1).lengthscales_s == 0.1)
    with pytest.raises(ParameterError, match="Bark band gains"):
        bark_kernel(gains[:-1], sr=SR)


def test_harmonic_kernel_partials_tilt_odd_even_and_stiffness():
    k = harmonic_kernel(60, sr=44100, n_partials=8, tilt_db_per_octave=-6.0, odd_even_db=0.0)
    f0 = midi_to_hz(60)
    np.testing.assert_allclose(k.means_hz, f0 * np.arange(1, 9))
    assert 10 * math.log10(k.weights[1] / k.weights[0]) == pytest.approx(-6.0)
    assert k.weights.sum() == pytest.approx(1.0)
    hollow = harmonic_kernel(60, sr=44100, n_partials=4, tilt_db_per_octave=0.0, odd_even_db=10.0)
    assert 10 * math.log10(hollow.weights[0] / hollow.weights[1]) == pytest.approx(10.0)
    stiff = harmonic_kernel(60, sr=44100, n_partials=10, inharmonicity=1e-3)
    assert stiff.means_hz[0] == pytest.approx(f0)
    assert stiff.means_hz[9] > 10 * f0 * 1.03  # stretched upper partials
    high = harmonic_kernel(100, sr=16000, n_partials=40)
    assert high.max_mean_hz <= 0.95 * 8000
    with pytest.raises(ParameterError):
        harmonic_kernel(60, sr=44100, inharmonicity=-1)


def test_adsr_envelope_shape():
    env = Envelope(attack_s=0.1, decay_s=0.2, sustain=0.5, release_s=0.3).curve(16000, sr=16000)
    t = np.arange(16000) / 16000
    assert env[0] == 0.0 and env.max() == pytest.approx(1.0, abs=1e-3)
    assert env[np.searchsorted(t, 0.1)] == pytest.approx(1.0, abs=1e-3)
    assert env[np.searchsorted(t, 0.5)] == pytest.approx(0.5)
    assert env[-1] < 1e-3
    assert np.all(np.diff(env[np.searchsorted(t, 0.7) :]) <= 0)


def test_decaying_components_are_exact_per_frequency_group():
    kernel = SMKernel((Component(1.0, 500.0, 0.1, 0.05), Component(0.5, 2000.0, 0.1, 0.01), Component(0.2, 3500.0, 0.05)), 0.0)
    model = GPModel(GPSpec(16000, 0.2, kernel))
    z = model.sample_latent(1, seed=3)[0].astype(np.float64)
    y = model.render(z[None])[0]
    labels, rates = decay_groups(kernel, model.latent_dim, sr=SR)
    sqrt_eig = model._eigs(None)[0][0]
    zf = np.fft.rfft(z) * sqrt_eig
    t = np.arange(len(y)) / SR
    ref = sum(np.fft.irfft(np.where(labels == j, zf, 0), n=model.latent_dim)[: len(y)] * np.exp(-r * t) for j, r in enumerate(rates))
    np.testing.assert_allclose(y, ref, atol=1e-4 * np.abs(ref).max())
    # the 2 kHz partial dies much sooner than the 500 Hz one
    spec = np.abs(librosa.stft(y, n_fft=512, hop_length=256))
    f = librosa.fft_frequencies(sr=SR, n_fft=512)
    lo, hi = spec[np.argmin(np.abs(f - 500))], spec[np.argmin(np.abs(f - 2000))]
    assert hi[-3] / hi[1] < 0.1 * lo[-3] / lo[1]


# -- piecewise synthesis ---------------------------------------------------------------------


def test_piecewise_blocks_join_without_clicks():
    # two very different sounds in alternate 50 ms blocks: a join is a crossfade, never a step
    low = SMKernel((Component(1.0, 200.0, 0.02),), 0.0)
    high = SMKernel((Component(1.0, 3000.0, 0.002),), 0.0)
    spec = GPSpec(16000, 1.0, low, blocks=Blocks(0.05, 0.01, tuple([low, high] * 10)))
    model = GPModel(spec)
    y = model.render(model.sample_latent(4, seed=0)).astype(np.float64)
    jumps = np.abs(np.diff(y, axis=1))
    hop, fade = 800, 160
    joins = np.concatenate([np.arange(b * hop, b * hop + fade) for b in range(1, 20)])
    inside = np.setdiff1d(np.arange(jumps.shape[1]), joins)
    # a join is never rougher than the rougher of the two sounds it joins
    assert jumps[:, joins].max() <= 1.2 * jumps[:, inside].max()


def test_piecewise_variance_is_constant_through_crossfades():
    # exact: the variance of every sample is the diagonal of A A^T for the linear map z -> x
    k = SMKernel((Component(1.0, 900.0, 0.001), Component(0.5, 3000.0, 5e-4)), 0.02)
    model = GPModel(GPSpec(16000, 0.03, k, blocks=Blocks(0.005, 0.0025, (k,))))
    a = draw_matrix(model)
    np.testing.assert_allclose(np.sum(a.astype(np.float64) ** 2, axis=1), k.variance, rtol=1e-3)


# -- the model ------------------------------------------------------------------------------


def test_gp_model_is_an_audio_model():
    model = load_gp("gp-middle-c")
    assert isinstance(model, AudioModel)
    assert model.name == "gp" and model.sample_rate == 44100
    assert model.pitch_range == (24, 108) and model.default_pitch == 60
    z = model.sample_latent(2, seed=0)
    assert z.shape == (2, model.latent_dim) and z.dtype == np.float32
    y = model.render(z, np.array([60, 72]))
    assert y.shape == (2, model.spec.n_samples) and y.dtype == np.float32 and np.all(np.isfinite(y))
    with pytest.raises(ParameterError, match="pitch"):
        model.render(z[:1], np.array([130]))
    with pytest.raises(ParameterError, match="latent"):
        model.render(z[:, :10])
    noise = load_gp("gp-wind")
    assert noise.pitch_range is None
    zn = noise.sample_latent(1, seed=1)
    np.testing.assert_array_equal(noise.render(zn, np.array([40])), noise.render(zn))


def pyin_cents(y: np.ndarray, sr: int, target_hz: float) -> float:
    f0, voiced, _ = librosa.pyin(
        y, sr=sr, fmin=librosa.note_to_hz("C2"), fmax=librosa.note_to_hz("C7"), frame_length=4096
    )
    return 1200 * math.log2(np.nanmedian(f0[voiced]) / target_hz)


def test_gp_middle_c_pitch_is_middle_c_and_transposes():
    model = load_gp("gp-middle-c")
    z = model.sample_latent(1, seed=0)
    y = model.render(z)[0][: int(1.5 * model.sample_rate)]
    assert abs(pyin_cents(y, model.sample_rate, 261.6256)) <= 10
    y69 = model.render(z, np.array([69]))[0][: int(1.5 * model.sample_rate)]
    assert abs(pyin_cents(y69, model.sample_rate, 440.0)) <= 10


def test_every_shipped_preset_renders():
    names = list_gp_presets()
    for required in ("gp-middle-c", "gp-organ", "gp-bowed", "gp-breathy-vowel", "gp-wind", "gp-surf", "gp-speech-fit"):
        assert required in names
    for name in names:
        model = load_gp(name)
        y = model.render(model.sample_latent(1, seed=0))
        assert np.all(np.isfinite(y)) and y.std() > 0, name
        assert model.clipped_power_fraction() < 1e-3, name


def test_load_gp_errors():
    with pytest.raises(CheckpointError, match="unknown GP preset"):
        load_gp("no-such-preset")
    with pytest.raises(CheckpointError, match="no such"):
        load_gp("missing/dir/kernel.json")


def test_load_gp_from_a_file_path_and_a_preset_file(tmp_path):
    spec = parse_gp_spec(spec_json())
    (tmp_path / "k.json").write_text(spec.dumps())
    preset = {"format": "latent-audio-explorer/preset@1", "model": "gp", "seed": 3, "gp": spec.to_json()}
    (tmp_path / "p.json").write_text(json.dumps(preset))
    assert load_gp(tmp_path / "k.json").spec == spec
    assert load_gp(str(tmp_path / "p.json")).spec == spec


# -- JSON -----------------------------------------------------------------------------------


def test_json_round_trip_of_every_preset_and_a_full_spec():
    for name in list_gp_presets():
        spec = load_gp(name).spec
        again = parse_gp_spec(json.loads(json.dumps(spec.to_json())))
        assert again == spec
        assert again.to_json() == spec.to_json()
    full = parse_gp_spec(
        spec_json(
            envelope={"attack_s": 0.01, "decay_s": 0.2, "sustain": 0.4, "release_s": 0.1},
            pitch_midi=62.5,
            blocks={"hop_s": 0.05, "crossfade_s": 0.02, "kernels": [spec_json()["kernel"]] * 3},
            amplitude={"hop_s": 0.01, "values": [0.0, 1.0, 0.5]},
            description="test",
        )
    )
    assert parse_gp_spec(full.dumps()) == full


def test_contract_example_parses():
    contract = {
        "sample_rate": 44100,
        "duration_s": 2.0,
        "kernel": {
            "components": [
                {"weight": 1.0, "mean_hz": 261.63, "lengthscale_s": 0.25},
                {"weight": 0.4, "mean_hz": 523.25, "lengthscale_s": 0.18},
            ],
            "noise": 0.0,
        },
        "envelope": {"attack_s": 0.01, "decay_s": 0.4, "sustain": 0.5, "release_s": 0.5},
    }
    spec = parse_gp_spec(contract)
    assert spec.to_json() == contract
    model = GPModel(spec)
    assert model.render(model.sample_latent(1, seed=0)).shape == (1, 88200)


BAD_KERNELS = [
    (with_component(lengthscale_s=-0.1), "lengthscale_s"),
    (with_component(lengthscale_s=0.0), "lengthscale_s"),
    (with_component(lengthscale_s=float("nan")), "lengthscale_s"),
    ('{"sample_rate": 16000, "kernel": {"components": [{"weight": 1, "mean_hz": 440, "lengthscale_s": NaN}]}}', "lengthscale_s"),
    (with_component(lengthscale_s=1e9), "lengthscale_s"),
    (with_component(mean_hz=9000.0), "Nyquist"),
    (with_component(mean_hz=-5.0), "mean_hz"),
    (with_component(weight=-1.0), "weight"),
    (with_component(weight="1"), "weight"),
    (with_component(weight=True), "weight"),
    (with_component(decay_s=0), "decay_s"),
    (spec_json(kernel={"components": [], "noise": 0.0}), "empty"),
    (spec_json(kernel={"components": [{"weight": 1, "mean_hz": 440, "lengthscale_s": 0.1}] * 10000}), "limit is 512"),
    (spec_json(kernel={"components": {"weight": 1}}), "list"),
    (spec_json(kernel={"components": [{"weight": 1, "mean_hz": 440}]}), "lengthscale_s"),
    (spec_json(kernel={"components": [[1, 440, 0.1]]}), "JSON object"),
    (spec_json(kernel={"components": [{"weight": 1, "mean_hz": 440, "lengthscale_s": 0.1}], "noise": -1}), "noise"),
    (spec_json(duration_s=31.0), "duration_s"),
    (spec_json(duration_s=0.0), "duration_s"),
    (spec_json(duration_s=-2.0), "duration_s"),
    (spec_json(duration_s=float("inf")), "duration_s"),
    (spec_json(duration_s="2"), "duration_s"),
    (spec_json(sample_rate=12345), "sample_rate"),
    (spec_json(sample_rate="44100"), "sample_rate"),
    (spec_json(envelope={"attack_s": 0.01, "decay_s": 0.1, "sustain": 2.0, "release_s": 0.1}), "sustain"),
    (spec_json(envelope=[1, 2]), "envelope"),
    (spec_json(pitch_midi=200), "pitch_midi"),
    (spec_json(blocks={"hop_s": 0.05, "kernels": []}), "kernels"),
    (spec_json(blocks={"hop_s": 0.0, "kernels": [spec_json()["kernel"]]}), "hop_s"),
    (spec_json(amplitude={"hop_s": 0.01, "values": [1, -1]}), "amplitude"),
    (spec_json(amplitude={"hop_s": 0.01, "values": "loud"}), "amplitude"),
    ({"sample_rate": 16000}, "kernel"),
    ([1, 2, 3], "JSON object"),
    ("{not json", "not valid JSON"),
    (b"\xff\xfe", "UTF-8"),
]


@pytest.mark.parametrize("bad, words", BAD_KERNELS)
def test_bad_kernels_give_clear_errors(bad, words):
    with pytest.raises(PresetError, match=words):
        parse_gp_spec(bad)


def test_component_limit_and_direct_construction_errors():
    comp = Component(1.0, 440.0, 0.1)
    SMKernel((comp,) * MAX_COMPONENTS)
    with pytest.raises(ParameterError, match="at most 512"):
        SMKernel((comp,) * 10000)
    with pytest.raises(ParameterError, match="at least one"):
        SMKernel(())
    with pytest.raises(ParameterError, match="Nyquist"):
        GPSpec(16000, 1.0, SMKernel((Component(1.0, 8500.0, 0.1),)))
    with pytest.raises(ParameterError, match="sample_rate"):
        GPSpec(11025, 1.0, SMKernel((comp,)))


def test_smoothed_psd_shows_narrow_lines_at_the_right_height():
    line = SMKernel((Component(1.0, 1003.0, 2.0),), 0.0)  # a 0.08 Hz wide line between 10 Hz bins
    f = np.arange(0, 8000, 10.0)
    smooth = line.psd(f, sr=SR, smoothing_hz=6.0)
    assert line.psd(f, sr=SR).max() < 1e-6 * smooth.max()  # sampled raw, the line is invisible
    assert f[np.argmax(smooth)] == 1000.0
    assert np.sum(smooth) * 10.0 == pytest.approx(1.0, rel=1e-3)  # smoothed, its power is all there


def test_kernel_figure():
    from explorer.figures.gp import kernel_figure

    fig = kernel_figure(three_peaks(noise=0.1), max_lag_s=0.02)
    assert len(fig.data) == 2 and fig.data[0].x[-1] == pytest.approx(20.0)
