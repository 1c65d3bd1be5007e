"""timbre_across_pitch with toy models and a toy classifier whose answers are known."""

import numpy as np

from explorer.evaluation.timbre import timbre_across_pitch
from explorer.models.base import LatentAudioModel


class _Toy(LatentAudioModel):
    """Renders a 1 kHz tone where z0 > 0, else a 200 Hz one; swapped at high pitches when ``flips``."""

    latent_dim, sample_rate, pitch_range = 2, 16000, (24, 84)

    def __init__(self, flips: bool):
        self.flips = flips

    def render(self, z, pitch=None):
        sign = np.sign(z[:, 0])
        if self.flips:
            sign = np.where(np.asarray(pitch) >= 72, -sign, sign)
        hz = np.where(sign > 0, 1000.0, 200.0)[:, None]
        return (0.1 * np.sin(2 * np.pi * hz * np.arange(8000) / self.sample_rate)).astype(np.float32)


class _Classifier:
    """Family 1 for high tones (many zero crossings), else 0."""

    def embed(self, audio, *, sr):
        pos = np.mean(np.abs(np.diff(np.sign(audio[:, 2000:6000]), axis=1)) > 0, axis=1) > 0.05
        return np.zeros((len(audio), 2)), np.stack([~pos, pos], axis=1).astype(float)


def test_a_model_whose_timbre_holds_scores_one_and_one_that_flips_scores_zero():
    steady = timbre_across_pitch(_Toy(flips=False), classifier=_Classifier(), n=16)
    flipping = timbre_across_pitch(_Toy(flips=True), classifier=_Classifier(), n=16)
    assert steady["timbre_kept_across_pitch"] == 1.0 and steady["timbre_pitches"] == [36, 48, 60, 72, 84]
    assert flipping["timbre_kept_across_pitch"] == 0.0


def _corpus(root, groups):
    """A tiny corpus: each (instrument, split, {pitch: hz}) as 16 kHz note files and labels."""
    import json

    import soundfile as sf

    root.mkdir()
    (root / "audio").mkdir()
    rows = []
    for name, split, tones in groups:
        for pitch, hz in tones.items():
            path = f"audio/{name}_{pitch}.wav"
            sf.write(root / path, 0.1 * np.sin(2 * np.pi * hz * np.arange(32768) / 16000), 16000)
            # two soundfonts may name an instrument alike; instrument_id tells them apart
            rows.append({"path": path, "instrument": name.split(":")[-1], "instrument_id": name, "split": split,
                         "pitch": pitch, "velocity": 100, "family": "x"})
    (root / "labels.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return root


def test_real_reference_counts_instruments_whose_family_holds_across_the_keyboard(tmp_path):
    from explorer.evaluation.timbre import real_timbre_across_pitch

    high = {p: 1000.0 for p in (36, 48, 60, 72, 84)}
    turns = {**high, 36: 200.0}
    root = _corpus(tmp_path / "gm", [("steady", "test", high), ("turns", "valid", turns),
                                     ("also-steady", "test", high), ("trained", "train", turns),
                                     ("missing-a-pitch", "test", {60: 200.0, 72: 1000.0}),
                                     ("font-b:steady", "test", high)])
    out = real_timbre_across_pitch(root, classifier=_Classifier())
    assert out["real_timbre_kept_across_pitch"] == 0.75
    assert out["real_timbre_kept_train"] == 0.0
    assert out["real_timbre_groups"] == {"train": 1, "held_out": 4}


def test_real_reference_is_empty_for_a_corpus_without_held_out_instruments(tmp_path):
    from explorer.evaluation.timbre import real_timbre_across_pitch

    root = _corpus(tmp_path / "gm", [("a", "train", {p: 1000.0 for p in (36, 48, 60, 72, 84)})])
    assert real_timbre_across_pitch(root, classifier=_Classifier()) == {}
