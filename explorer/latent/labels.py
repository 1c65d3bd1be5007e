"""Honest slider labels: a slider is named after what moving it does to most sounds.

Shared by the VAE's latent sliders and the GAN's principal directions: the change of each timbre
descriptor (:data:`explorer.audio.features.DESCRIPTORS`) over a -2 -> +2 move, per sampled
sound, in standard deviations of that descriptor, decides the words.
"""

from __future__ import annotations

import numpy as np

from explorer.audio.features import DESCRIPTORS

#: A slider is named after a descriptor only when moving it from -2 to +2 changes that descriptor
#: by at least LABEL_SD standard deviations, in the named direction, for at least LABEL_SHARE of
#: the prior's samples (so the label is true of most sounds, not of their average).
LABEL_SD = 1.0
LABEL_SHARE = 0.8


def honest_label(changes: dict[str, np.ndarray]) -> str:
    """The label of a slider from the change of each descriptor over its -2 -> +2 move.

    changes : {descriptor: float [n]} per prior sample, in standard deviations of the descriptor.
    A descriptor names the slider (in the words of :data:`DESCRIPTORS`) when at least
    :data:`LABEL_SHARE` of the samples change by at least :data:`LABEL_SD` in one direction; up to
    two such descriptors, the most consistent first. "" when none does: then no word would be
    true of most sounds.
    """
    named = []
    for k, d in changes.items():
        d = np.asarray(d, dtype=np.float64)
        if d.size == 0:
            continue
        up, down = float(np.mean(d >= LABEL_SD)), float(np.mean(d <= -LABEL_SD))
        share, sign = max((up, 1), (down, 0))
        if share >= LABEL_SHARE:
            named.append((share, float(np.abs(d).mean()), DESCRIPTORS[k][sign]))
    named.sort(reverse=True)
    return ", ".join(word for *_, word in named[:2])
