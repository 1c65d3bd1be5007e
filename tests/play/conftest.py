"""What the play tests share: a steady toy instrument with a known pitch, and MIDI files written by mido."""

from __future__ import annotations

import io

import mido
import numpy as np
import pytest

from explorer.models.base import LatentAudioModel


class SteadyToy(LatentAudioModel):
    """A 1 s harmonic note: 20 ms attack, steady, 0.2 s release; ``detune`` cents sharp."""

    name = "toy"
    sample_rate = 8000
    latent_dim = 4
    pitch_range = (36, 84)

    def __init__(self, detune: float = 0.0):
        self.detune = detune

    def render(self, z, pitch=None):
        z = np.asarray(z, dtype=np.float64)
        pitch = np.full(len(z), 60.0) if pitch is None else np.asarray(pitch, dtype=np.float64)
        t = np.arange(self.sample_rate) / self.sample_rate
        f0 = 440.0 * 2 ** ((pitch[:, None] + self.detune / 100 - 69) / 12)
        env = np.clip(t / 0.02, 0, 1) * np.clip((1.0 - t) / 0.2, 0, 1)
        y = sum(0.5**k * np.sin(2 * np.pi * k * f0 * t) for k in range(1, 4))
        return (y * env * (1 + 0.05 * np.tanh(z[:, :1]))).astype(np.float32)


class Unpitched(SteadyToy):
    pitch_range = None

    def render(self, z, pitch=None):
        rng = np.random.default_rng(0)
        return rng.standard_normal((len(z), self.sample_rate)).astype(np.float32) * 0.1


@pytest.fixture
def toy():
    return SteadyToy()


def midi_bytes(notes, *, tempo: int = 500_000, ticks: int = 480, channel: int = 0) -> bytes:
    """A type-0 MIDI file of ``notes``: (pitch, start_beats, length_beats, velocity) at ``tempo`` us/beat."""
    events = []
    for pitch, start, length, velocity in notes:
        events.append((round(start * ticks), 1, mido.Message("note_on", note=pitch, velocity=velocity, channel=channel)))
        events.append((round((start + length) * ticks), 0, mido.Message("note_off", note=pitch, channel=channel)))
    track = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=tempo, time=0)])
    now = 0
    for tick, _, msg in sorted(events, key=lambda e: (e[0], e[1])):
        track.append(msg.copy(time=tick - now))
        now = tick
    mid = mido.MidiFile(type=0, ticks_per_beat=ticks)
    mid.tracks.append(track)
    buf = io.BytesIO()
    mid.save(file=buf)
    return buf.getvalue()
