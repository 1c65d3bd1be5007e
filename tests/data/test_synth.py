"""The note synthesizer: every family renders finite, correctly sized, in-tune notes.

Harmonic families are checked with pYIN (median f0 within +/-35 cents of the label). Two
families are inharmonic by design and checked on their spectrum instead:

- ``mallet``: modal partials at about 1 : 2.76-4 : 5.5-10 of the fundamental; the labelled
  pitch is the fundamental mode, which must be the strongest spectral peak.
- ``fm_keys``: with a non-integer modulator ratio (bells) the partials are f0 |1 + n ratio|;
  the labelled pitch is the carrier, which must stand out as a spectral peak. With a
  whole-number ratio (keys) the note is harmonic and pYIN must find the labelled pitch.
"""

import numpy as np
import pytest

import librosa

from explorer.audio.constants import N_SAMPLES, SR
from explorer.data.synth import FAMILIES, FAMILY_SPECS, VELOCITIES, sample_params, synthesize_note
from explorer.errors import ParameterError

HARMONIC = [f for f in FAMILIES if FAMILY_SPECS[f].harmonic]
CEILING = 10 ** (-1 / 20)


def pitches_of(family: str) -> list[int]:
    lo, hi = FAMILY_SPECS[family].pitch_range
    return [lo, (lo + hi) // 2, hi]


def pyin_cents(y: np.ndarray, pitch: int) -> float:
    """Median pYIN f0 of the sustained part, in cents from the labelled pitch (search an octave and more either side)."""
    f_ref = librosa.midi_to_hz(pitch)
    seg = y[int(0.15 * SR) : int(1.15 * SR)]
    f0, voiced, _ = librosa.pyin(seg, sr=SR, fmin=f_ref / 2.05, fmax=min(f_ref * 2.25, 7000.0),
                                 frame_length=2048 if pitch < 48 else 1024, resolution=0.05)
    assert voiced.mean() > 0.5, "most frames should be voiced"
    return float(1200 * np.log2(np.nanmedian(f0[voiced]) / f_ref))


def spectrum(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mag = np.abs(np.fft.rfft(y * np.hanning(y.size)))
    return np.fft.rfftfreq(y.size, 1 / SR), mag


def test_families_listed():
    assert len(FAMILIES) >= 10 and len(set(FAMILIES)) == len(FAMILIES)
    assert {"plucked_string", "bowed_string", "brass", "reed", "flute", "fm_keys", "mallet", "organ",
            "analog_synth", "voice"} <= set(FAMILIES)
    assert len(VELOCITIES) == 3
    for spec in FAMILY_SPECS.values():
        assert 24 <= spec.pitch_range[0] < spec.pitch_range[1] <= 84
        assert spec.description and spec.method


@pytest.mark.parametrize("family", FAMILIES)
def test_renders_finite_notes_of_the_right_length(family):
    for i, pitch in enumerate(pitches_of(family)):
        for velocity in (VELOCITIES[0], VELOCITIES[-1]):
            y, params = synthesize_note(family, pitch, velocity, seed=i)
            assert y.dtype == np.float32 and y.shape == (N_SAMPLES,)
            assert np.all(np.isfinite(y))
            assert 0.05 < np.max(np.abs(y)) <= CEILING
            assert abs(float(y.mean())) < 1e-3
            # released at 75 %: the last 50 ms are far quieter than the held part
            held = np.sqrt(np.mean(y[int(0.25 * N_SAMPLES) : int(0.7 * N_SAMPLES)] ** 2))
            tail = np.sqrt(np.mean(y[-800:] ** 2))
            assert tail < 0.3 * held, (family, pitch, velocity)
            assert set(params) == set(sample_params(family, 0))


@pytest.mark.parametrize("family", HARMONIC)
def test_harmonic_families_are_in_tune(family):
    for i, pitch in enumerate(pitches_of(family)):
        y, params = synthesize_note(family, pitch, VELOCITIES[i % 3], seed=100 + i)
        cents = pyin_cents(y, pitch)
        assert abs(cents) <= 35, f"{family} {pitch}: {cents:+.0f} cents ({params})"


def test_mallet_fundamental_is_the_strongest_partial():
    for i, pitch in enumerate(pitches_of("mallet")):
        y, params = synthesize_note("mallet", pitch, 90, seed=200 + i)
        freqs, mag = spectrum(y)
        peak_hz = freqs[np.argmax(mag)]
        cents = 1200 * np.log2(peak_hz / librosa.midi_to_hz(pitch))
        assert abs(cents) <= 35, f"mallet {pitch}: strongest peak {peak_hz:.1f} Hz ({params})"
        # and the second mode really is inharmonic where the parameters say
        f2 = librosa.midi_to_hz(pitch) * params["second_mode"]
        if f2 < 6000:
            band = (freqs > f2 * 0.98) & (freqs < f2 * 1.02)
            assert mag[band].max() > 1e-3 * mag.max()


def test_fm_bell_carrier_is_a_spectral_peak_and_keys_are_in_tune():
    for i, pitch in enumerate(pitches_of("fm_keys")):
        f_ref = librosa.midi_to_hz(pitch)
        y, _ = synthesize_note("fm_keys", pitch, 90, seed=300 + i, params={"ratio": 1.41 + 0.9 * i})
        freqs, mag = spectrum(y)
        near = (freqs > f_ref * 2 ** (-0.35 / 12)) & (freqs < f_ref * 2 ** (0.35 / 12))
        around = (freqs > f_ref * 0.8) & (freqs < f_ref * 1.2)
        assert mag[near].max() == mag[around].max(), "the carrier is the local peak"
        assert mag[near].max() > 0.1 * mag.max(), "and a strong one"
        y, _ = synthesize_note("fm_keys", pitch, 90, seed=300 + i, params={"ratio": float(1 + i)})
        assert abs(pyin_cents(y, pitch)) <= 35


def test_same_seed_same_samples_and_params_reproduce():
    y1, p1 = synthesize_note("voice", 60, 90, seed=7)
    y2, p2 = synthesize_note("voice", 60, 90, seed=7)
    assert np.array_equal(y1, y2) and p1 == p2
    y3, _ = synthesize_note("voice", 60, 90, seed=8)
    assert not np.array_equal(y1, y3)
    # the labelled parameters plus the seed give the note back
    y4, _ = synthesize_note("voice", 60, 90, seed=7, params=p1)
    assert np.array_equal(y1, y4)


def test_overriding_one_parameter_keeps_the_rest():
    _, p1 = synthesize_note("analog_synth", 48, 127, seed=3)
    y2, p2 = synthesize_note("analog_synth", 48, 127, seed=3, params={"resonance": 0.0})
    assert p2["resonance"] == 0.0 and {k: v for k, v in p2.items() if k != "resonance"} == {
        k: v for k, v in p1.items() if k != "resonance"}


def test_velocity_sets_loudness():
    soft, _ = synthesize_note("organ", 60, VELOCITIES[0], seed=1)
    loud, _ = synthesize_note("organ", 60, VELOCITIES[-1], seed=1)
    assert np.max(np.abs(soft)) < 0.5 * np.max(np.abs(loud))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"family": "kazoo"}, "unknown family"),
        ({"pitch": 23}, "pitch"),
        ({"pitch": 60.5}, "pitch"),
        ({"velocity": 0}, "velocity"),
        ({"seed": -1}, "seed"),
        ({"params": {"wobble": 1.0}}, "no parameter wobble"),
        ({"params": {"tilt": float("nan")}}, "finite"),
        ({"params": {"vowel": "y"}}, "vowels"),
    ],
)
def test_bad_arguments_are_parameter_errors(kwargs, match):
    args = {"family": "voice", "pitch": 60, "velocity": 90, **kwargs}
    with pytest.raises(ParameterError, match=match):
        synthesize_note(args.pop("family"), args.pop("pitch"), args.pop("velocity"), **args)
