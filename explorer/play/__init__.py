"""Playing a timbre as an instrument: note batches for the keyboard, MIDI songs, sampler export.

- :mod:`~explorer.play.notes`   one batch of safe notes for a pitch range, and their loop points
- :mod:`~explorer.play.midi`    reading a MIDI file into notes (mido), with clear messages
- :mod:`~explorer.play.song`    rendering a song: pitch, velocity, duration, polyphony
- :mod:`~explorer.play.sfz`     exporting the timbre as an SFZ sampler instrument (zipped)
"""
