"""Does a latent keep its instrument across the keyboard? The same z played at MIDI 36-84.

A sound designer who finds a timbre plays it at other pitches: a code that sounds like a flute
at middle C and like an organ two octaves down is not one instrument. Measured with the
evaluation classifier (:mod:`explorer.evaluation.classifier`): the share of prior samples whose
predicted family is the same at every tested pitch as at MIDI 60.
"""

from __future__ import annotations

import numpy as np

from explorer.audio.safety import make_safe
from explorer.evaluation.classifier import Classifier

#: The pitches each code is played at (C2 .. C6, those inside the model's range).
PITCHES = (36, 48, 60, 72, 84)


def timbre_across_pitch(model, *, classifier: Classifier, n: int = 40, seed: int = 20241202) -> dict:
    """{"timbre_kept_across_pitch": share of n codes with one predicted family at every pitch,
    "timbre_pitches": the pitches used, "timbre_codes": n}."""
    from explorer.evaluation.protocol import render_notes

    lo, hi = model.pitch_range
    pitches = [p for p in PITCHES if lo <= p <= hi]
    z = model.sample_latent(n, seed)
    families = []
    for p in pitches:
        audio = make_safe(render_notes(model, z, np.full(n, float(p))), sr=int(model.sample_rate))
        _, probs = classifier.embed(audio, sr=int(model.sample_rate))
        families.append(np.argmax(probs, axis=1))
    fam = np.stack(families)  # [pitches x n]
    ref = fam[pitches.index(60)] if 60 in pitches else fam[len(pitches) // 2]
    return {"timbre_kept_across_pitch": round(float(np.mean(np.all(fam == ref, axis=0))), 4),
            "timbre_pitches": pitches, "timbre_codes": int(n)}
