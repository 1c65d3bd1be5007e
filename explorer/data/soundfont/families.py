"""The corpus's instrument families, from the General MIDI program groups.

General MIDI numbers its 128 melodic programs in sixteen groups of eight (piano 0-7, chromatic
percussion 8-15, ..., sound effects 120-127; zero-based here, as in SoundFont files). A preset's
family follows its program number whatever its bank (bank 8 "Detuned EP 1" is still a piano),
except for the drum kits (bank 128), which are left out with the groups that hold no single
pitched note: synth effects, ethnic instruments, percussion and sound effects.

>>> family_of(0, 56, "Trumpet")
'brass'
>>> exclusion_reason(128, 0, "Standard")
'drum kit (bank 128)'
"""

from __future__ import annotations

from dataclasses import dataclass

#: The SoundFont bank that holds drum kits.
DRUM_BANK = 128


@dataclass(frozen=True)
class GMFamily:
    """One corpus family: its label, a title for people, its GM programs (zero-based), whether its
    notes have a clear periodic pitch at the labelled MIDI note (then pitch QC applies), and
    whether a pitch a whole number of octaves from the label still counts as on pitch."""

    name: str
    title: str
    programs: tuple[int, ...]
    harmonic: bool
    description: str
    octaves: bool = False


FAMILY_SPECS: dict[str, GMFamily] = {
    f.name: f
    for f in (
        GMFamily("piano", "Piano and keys", tuple(range(0, 8)), True,
                 "Acoustic and electric pianos, harpsichord, clavinet."),
        GMFamily("mallet", "Mallets and bells", tuple(range(8, 16)), False,
                 "Celesta, glockenspiel, music box, vibraphone, marimba, xylophone, tubular bells, dulcimer. "
                 "Struck bars and bells have partials that are not whole multiples of the fundamental, "
                 "so their heard pitch is not a clean period: pitch is measured but never used to drop them."),
        GMFamily("organ", "Organ", tuple(range(16, 24)), True,
                 "Drawbar, percussive, rock, church and reed organs, accordions, harmonica. Organ stops sound "
                 "at octaves of the key by design (a 16-foot stop an octave below it), so a note a whole number "
                 "of octaves from its label counts as on pitch.", octaves=True),
        GMFamily("guitar", "Guitar", tuple(range(24, 32)), True,
                 "Nylon and steel acoustic, jazz, clean, muted, overdriven and distorted electric guitars."),
        GMFamily("bass", "Bass", tuple(range(32, 40)), True,
                 "Acoustic, finger, pick, fretless, slap and synth basses."),
        GMFamily("strings", "Strings", (*range(40, 47), *range(48, 52)), True,
                 "Violin, viola, cello, contrabass, tremolo and pizzicato strings, harp, string ensembles "
                 "and synth strings."),
        GMFamily("voice", "Voice", (52, 53, 54), True, "Choir aahs, voice oohs, synth voice."),
        GMFamily("brass", "Brass", tuple(range(56, 64)), True,
                 "Trumpet, trombone, tuba, muted trumpet, French horn, brass section, synth brass."),
        GMFamily("reed", "Reed", tuple(range(64, 72)), True,
                 "Soprano, alto, tenor and baritone saxophones, oboe, English horn, bassoon, clarinet."),
        GMFamily("flute", "Flute and pipe", tuple(range(72, 80)), True,
                 "Piccolo, flute, recorder, pan flute, blown bottle, shakuhachi, whistle, ocarina."),
        GMFamily("synth_lead", "Synth lead", tuple(range(80, 88)), True,
                 "Square, sawtooth, calliope, chiff, charang, voice, fifths and bass+lead synth leads."),
        GMFamily("synth_pad", "Synth pad", tuple(range(88, 96)), True,
                 "New age, warm, polysynth, choir, bowed, metallic, halo and sweep pads."),
    )
}
#: Family names, in corpus order.
FAMILIES: tuple[str, ...] = tuple(FAMILY_SPECS)

_PROGRAM_FAMILY = {p: f.name for f in FAMILY_SPECS.values() for p in f.programs}
#: Programs (zero-based) left out, and why.
EXCLUDED_PROGRAMS: dict[int, str] = {
    47: "timpani (a drum)",
    55: "orchestra hit (a chord stab, not one note)",
    **{p: "synth effects (no single pitched note)" for p in range(96, 104)},
    **{p: "ethnic group (no family of its own)" for p in range(104, 112)},
    **{p: "percussive group (drums and hits)" for p in range(112, 120)},
    **{p: "sound effects" for p in range(120, 128)},
}
#: MuseScore General's expression presets: the same samples as bank 0, loudness from a MIDI
#: controller instead of velocity, so velocity would not mean what it means elsewhere.
EXPRESSION_SUFFIX = "Expr."


def exclusion_reason(bank: int, program: int, name: str = "") -> str | None:
    """Why the preset (bank, program, name) is not in the corpus, or None when it is."""
    if bank == DRUM_BANK:
        return f"drum kit (bank {DRUM_BANK})"
    if not 0 <= program <= 127 or not 0 <= bank <= 127:
        return f"not a General MIDI preset (bank {bank}, program {program})"
    if program in EXCLUDED_PROGRAMS:
        return EXCLUDED_PROGRAMS[program]
    if name.strip().endswith(EXPRESSION_SUFFIX):
        return "expression variant (loudness follows a MIDI controller, not velocity)"
    return None


def family_of(bank: int, program: int, name: str = "") -> str | None:
    """The corpus family of a preset, or None when it is left out (see :func:`exclusion_reason`)."""
    if exclusion_reason(bank, program, name) is not None:
        return None
    return _PROGRAM_FAMILY[program]
