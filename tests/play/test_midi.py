"""Reading MIDI files written by mido: known notes, onsets, tempo, velocity; every bad file."""

import io

import mido
import pytest

from explorer.errors import ParameterError
from explorer.play.midi import MAX_SONG_S, Note, fit_range, read_midi
from tests.play.conftest import midi_bytes


def test_c_major_triad_arpeggio_gives_three_notes_at_their_pitches_and_onsets():
    # 120 bpm (500000 us per beat): one beat = 0.5 s
    song = read_midi(midi_bytes([(60, 0, 1, 100), (64, 1, 1, 90), (67, 2, 2, 80)]))
    assert [(n.pitch, n.start, n.duration, n.velocity) for n in song.notes] == [
        (60, 0.0, 0.5, 100), (64, 0.5, 0.5, 90), (67, 1.0, 1.0, 80)]
    assert song.duration == pytest.approx(2.0)


def test_tempo_is_followed_and_chords_are_kept():
    song = read_midi(midi_bytes([(60, 0, 1, 100), (64, 0, 1, 100), (67, 0, 1, 100)], tempo=1_000_000))
    assert sorted(n.pitch for n in song.notes) == [60, 64, 67]
    assert all(n.start == 0 and n.duration == pytest.approx(1.0) for n in song.notes)


def test_note_on_with_velocity_zero_ends_a_note_and_held_notes_end_with_the_file():
    track = mido.MidiTrack([
        mido.Message("note_on", note=60, velocity=100, time=0),
        mido.Message("note_on", note=60, velocity=0, time=480),
        mido.Message("note_on", note=62, velocity=100, time=0),
        mido.MetaMessage("end_of_track", time=960),
    ])
    mid = mido.MidiFile(ticks_per_beat=480)
    mid.tracks.append(track)
    buf = io.BytesIO()
    mid.save(file=buf)
    notes = read_midi(buf.getvalue()).notes
    assert notes == [Note(60, 0.0, 0.5, 100), Note(62, 0.5, 1.0, 100)]


def test_drums_are_left_out_and_said():
    data = midi_bytes([(36, 0, 1, 100)], channel=9)
    with pytest.raises(ParameterError, match="no notes.*drum"):
        read_midi(data)


@pytest.mark.parametrize("data,message", [
    (b"", "empty"),
    (b"RIFF....WAVEfmt not midi at all", "not a MIDI file"),
    (b"MThd\x00\x00\x00\x06\x00\x00\x00\x01\x01\xe0MTrk\x00\x00\x01\x00\x90", "damaged"),
])
def test_bad_files_get_a_clear_message(data, message):
    with pytest.raises(ParameterError, match=message):
        read_midi(data, name="bad.mid")


def test_a_file_without_notes_is_refused():
    with pytest.raises(ParameterError, match="no notes"):
        read_midi(midi_bytes([]))


def test_a_two_hour_file_is_refused():
    data = midi_bytes([(60, 0, 2 * 3600 * 2, 100)])  # one note held 2 h at 2 beats per second
    assert len(data) < 100  # tiny file, long song: refused by its length, not its size
    with pytest.raises(ParameterError, match=r"2 h 00 min.*shorter"):
        read_midi(data)
    assert MAX_SONG_S < 7200


def test_out_of_range_notes_are_folded_by_octaves_or_skipped_and_reported():
    notes = [Note(12, 0, 1), Note(60, 0, 1), Note(100, 1, 1)]
    folded, report = fit_range(notes, (24, 84), policy="fold")
    assert [n.pitch for n in folded] == [24, 60, 76]
    assert "2 notes" in report.message() and "moved by whole octaves" in report.message()
    skipped, report = fit_range(notes, (24, 84), policy="skip")
    assert [n.pitch for n in skipped] == [60]
    assert "were skipped" in report.message()
    with pytest.raises(ParameterError, match="none of the notes"):
        fit_range([Note(100, 0, 1)], (24, 84), policy="skip")
