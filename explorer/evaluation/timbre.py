"""Does a latent keep its instrument across the keyboard? The same z played at MIDI 36-84.

A sound designer who finds a timbre plays it at other pitches: a code that sounds like a flute
at middle C and like an organ two octaves down is not one instrument. Measured with the
evaluation classifier (:mod:`explorer.evaluation.classifier`): the share of prior samples whose
predicted family is the same at every tested pitch as at MIDI 60. Beside it, what real
instruments score by the same rule (:func:`real_timbre_across_pitch`): the classifier itself hears
a real instrument change family across four octaves for about half of them.
"""

from __future__ import annotations

import numpy as np

from collections import defaultdict
from pathlib import Path

from explorer.audio.constants import SR
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


def real_timbre_across_pitch(root: Path, *, classifier: Classifier, max_groups: int | None = None) -> dict:
    """The same rule for real instruments: of each (instrument, velocity) of the corpus ``root``
    with a note at every pitch of :data:`PITCHES`, the share whose predicted families all equal
    the one at MIDI 60. ``real_timbre_kept_across_pitch`` is over held-out instruments (valid and
    test, as the other ``real_*`` figures), ``real_timbre_kept_train`` over training instruments
    (the ones a model and the classifier learned from); ``real_timbre_groups`` counts each.
    An unsplit dataset, or one without instruments, gives {}."""
    from explorer.evaluation.reference import read_labels, read_note

    groups: dict[tuple, dict[int, dict]] = defaultdict(dict)
    for item in read_labels(root):
        if item.get("instrument") and item.get("split") and item.get("pitch") in PITCHES:
            # by instrument_id where there is one: soundfonts share names ("Polysynth" in two fonts)
            instrument = item.get("instrument_id") or item["instrument"]
            key = ("train" if item["split"] == "train" else "held_out", instrument, item.get("velocity"))
            groups[key].setdefault(int(item["pitch"]), item)
    complete = sorted(k for k, notes in groups.items() if len(notes) == len(PITCHES))
    kept: dict[str, list[bool]] = {"train": [], "held_out": []}
    for split in kept:
        keys = [k for k in complete if k[0] == split]
        if max_groups is not None:
            keys = keys[:: max(1, len(keys) // max_groups)][:max_groups]
        for key in keys:
            audio = np.stack([read_note(Path(root) / groups[key][p]["path"]) for p in PITCHES])
            _, probs = classifier.embed(make_safe(audio, sr=SR), sr=SR)
            fam = np.argmax(probs, axis=1)
            kept[split].append(bool(np.all(fam == fam[PITCHES.index(60)])))
    if not kept["held_out"]:
        return {}
    out = {"real_timbre_kept_across_pitch": round(float(np.mean(kept["held_out"])), 4)}
    if kept["train"]:
        out["real_timbre_kept_train"] = round(float(np.mean(kept["train"])), 4)
    out["real_timbre_groups"] = {k: len(v) for k, v in kept.items()}
    return out
