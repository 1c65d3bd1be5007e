"""Rendering songs: pitch, onset, duration (held by the loop, or cut and released), velocity, polyphony."""

import numpy as np
import pytest

from explorer.audio.pitch import median_f0, midi_to_hz, cents_between
from explorer.play.midi import Note, Song, read_midi
from explorer.play.notes import render_notes
from explorer.play.song import RELEASE_S, hold_note, render_song
from tests.play.conftest import Unpitched, midi_bytes

SR = 8000


def frame_db(y, frame=400):
    n = len(y) // frame
    return 20 * np.log10(np.sqrt(np.mean(y[: n * frame].reshape(n, frame) ** 2, axis=1)) + 1e-12)


def test_triad_plays_each_note_at_its_pitch_and_onset(toy):
    song = read_midi(midi_bytes([(60, 0, 1, 100), (64, 1, 1, 100), (67, 2, 1, 100)], tempo=1_000_000))
    out = render_song(toy, np.zeros(4), song)
    assert out.notes == 3 and out.sr == SR
    assert len(out.y) == pytest.approx((3.0 + RELEASE_S) * SR, abs=2)
    for k, pitch in enumerate((60, 64, 67)):
        part = out.y[int((k + 0.1) * SR): int((k + 0.9) * SR)]
        f0 = median_f0(part, sr=SR, fmin=midi_to_hz(pitch - 24), fmax=midi_to_hz(pitch + 24), resolution=0.1)
        assert abs(cents_between(f0, midi_to_hz(pitch))) < 10, (pitch, f0)


def test_a_long_note_is_held_by_the_loop_without_gaps_then_released(toy):
    # the toy's note lasts 1 s (0.2 s release): a 4 s note needs the loop
    out = render_song(toy, np.zeros(4), Song([Note(60, 0.0, 4.0)]))
    assert len(out.y) == pytest.approx((4.0 + RELEASE_S) * SR, abs=2)
    held = frame_db(out.y[int(0.1 * SR): int(3.95 * SR)])
    assert held.max() - held.min() < 1.5, "level jumps or a gap while the note is held"
    seam = np.abs(np.diff(out.y[int(0.1 * SR): int(3.95 * SR)]))
    assert seam.max() < 2.0 * np.abs(np.diff(out.y[int(0.1 * SR): int(0.6 * SR)])).max(), "a click at a loop seam"
    assert np.ptp(out.y[-int(0.01 * SR):]) < 0.01  # released to silence


def test_a_short_note_is_released_early_with_a_fade(toy):
    out = render_song(toy, np.zeros(4), Song([Note(60, 0.0, 0.2), Note(60, 1.0, 0.2)]))
    gap = out.y[int((0.2 + RELEASE_S) * SR): int(1.0 * SR)]
    assert np.ptp(gap) < 1e-6, "the first note rings on past its release"  # (constant: the DC step)
    assert np.ptp(out.y[int(0.99 * SR): int(1.0 * SR)]) < 1e-6 < np.ptp(out.y[int(1.0 * SR): int(1.01 * SR)])
    release = out.y[int(0.2 * SR): int((0.2 + RELEASE_S) * SR)]
    edges = frame_db(release, frame=200)
    assert edges[0] > edges[-1] + 20  # a fade, not a cut


def test_velocity_sets_the_level_like_a_sampler(toy):
    out = render_song(toy, np.zeros(4), Song([Note(60, 0.0, 0.5, 127), Note(60, 1.0, 0.5, 64)]))
    loud, soft = (frame_db(out.y[int(s * SR): int((s + 0.4) * SR)], frame=3200)[0] for s in (0.05, 1.05))
    assert loud - soft == pytest.approx(-40 * np.log10(64 / 127), abs=0.5)  # (v/127)^2: 11.9 dB


def test_polyphony_is_mixed_with_headroom_and_made_safe(toy):
    chord = Song([Note(p, 0.0, 1.0) for p in (48, 52, 55, 60, 64, 67, 72, 76)])
    out = render_song(toy, np.zeros(4), chord)
    assert out.polyphony == 8
    assert np.all(np.isfinite(out.y)) and np.max(np.abs(out.y)) <= 0.8913 + 1e-6


def test_out_of_range_notes_are_folded_and_reported(toy):
    out = render_song(toy, np.zeros(4), Song([Note(12, 0.0, 0.5), Note(60, 0.5, 0.5)]))
    assert out.notes == 2 and any("moved by whole octaves" in m for m in out.messages)
    out = render_song(toy, np.zeros(4), Song([Note(12, 0.0, 0.5), Note(60, 0.5, 0.5)]), policy="skip")
    assert out.notes == 1 and any("skipped" in m for m in out.messages)


def test_an_unpitched_sound_plays_every_note_and_says_so():
    out = render_song(Unpitched(), np.zeros(4), Song([Note(40, 0.0, 0.5), Note(90, 0.5, 0.5)]))
    assert out.notes == 2 and any("no pitch" in m for m in out.messages)


def test_hold_note_repeats_the_loop(toy):
    batch = render_notes(toy, np.zeros(4), [60])
    start, end = batch.loops[0]
    y = hold_note(batch.y[0], (start, end), end + 2 * (end - start))
    np.testing.assert_array_equal(y[end: 2 * end - start], batch.y[0][start:end])
