"""The real-instrument corpus: NSynth-style notes rendered from General MIDI soundfonts.

- :mod:`~explorer.data.soundfont.families`: GM program groups -> the corpus families.
- :mod:`~explorer.data.soundfont.synth`: finding soundfonts, rendering a note with FluidSynth.
- :mod:`~explorer.data.soundfont.quality`: silence and pitch checks (a numpy YIN tracker).
- :mod:`~explorer.data.soundfont.corpus`: ``write_corpus`` (plan, splits, audio, labels, card).

FluidSynth is imported on first use, so the family map and QC work without it.
"""

from explorer.data.soundfont.families import FAMILIES, FAMILY_SPECS, exclusion_reason, family_of

__all__ = ["FAMILIES", "FAMILY_SPECS", "exclusion_reason", "family_of", "write_corpus"]


def __getattr__(name: str):
    if name == "write_corpus":
        from explorer.data.soundfont.corpus import write_corpus

        return write_corpus
    raise AttributeError(f"module 'explorer.data.soundfont' has no attribute {name!r}")
