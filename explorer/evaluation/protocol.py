"""The evaluation protocol of DESIGN.md section 8b: generated notes against real held-out notes,
and real against real, measured by the same code in the same run.

:func:`independent_metrics` draws ``2 n`` real held-out notes (:mod:`explorer.evaluation.reference`),
deals them into disjoint halves A and B, renders ``n`` prior samples z = ``model.sample_latent(n,
seed, pitch=, velocity=)`` (the sampler the model ships, drawing for the playing of each note) at
the pitches (and, for models conditioned on it, the velocities) of half B, and measures:

- ``pitch_accuracy_crepe`` / ``real_pitch_accuracy_crepe``: fraction of notes voiced by CREPE and
  within +-50 cents of their pitch (:mod:`explorer.evaluation.crepe_pitch`); generated / half B.
- ``fd_cls``, ``precision``, ``recall``, ``density``, ``coverage``: generated against half A in
  the classifier's embedding (:mod:`explorer.evaluation.embedding`, k = 5); ``real_fd_cls``,
  ``real_precision``, ... : half B against half A (how close to ideal the same code gets).
- ``inception_score``, ``family_histogram``, ``families_covered`` (families with >= 2 % of the
  notes) of the generated notes; ``real_*`` the same for half B.
- ``noise_rate``, ``release_fail_rate``, ``click_rate``, ``loudness_spread_db`` of the generated
  notes (:mod:`explorer.evaluation.listener`); ``real_*`` the same for half B.

Generated and real notes pass the same safety step (DC, fades, level) before any measure but
the loudness spread, which is taken on the audio as produced.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from explorer.audio.safety import make_safe
from explorer.evaluation import crepe_pitch, embedding, listener
from explorer.evaluation.classifier import Classifier, load_classifier
from explorer.evaluation.reference import Notes, halves, load_notes

#: Notes per set (generated, real half A, real half B).
FULL = {"n": 200}
QUICK = {"n": 24}
EVAL_SEED = 20241201
#: The real notes compared against: instruments no model or classifier trained on.
HELD_OUT = ("valid", "test")


def render_notes(model, z: np.ndarray, pitch: np.ndarray, *, batch: int = 25,
                 velocity: np.ndarray | None = None) -> np.ndarray:
    """``model.render`` in batches, float32 [n x samples] (before safety); ``velocity`` [n] MIDI, for
    models conditioned on it (the others ignore it)."""
    if velocity is None or getattr(model, "velocity_range", None) is None:
        return np.concatenate([np.asarray(model.render(z[i : i + batch], pitch[i : i + batch]), np.float32)
                               for i in range(0, len(z), batch)])
    return np.concatenate([np.asarray(model.render(z[i : i + batch], pitch[i : i + batch],
                                                   velocity=velocity[i : i + batch]), np.float32)
                           for i in range(0, len(z), batch)])


def measure_set(audio: np.ndarray, pitch: np.ndarray, *, sr: int, classifier: Classifier) -> dict[str, Any]:
    """Everything measured on one set of notes (audio before safety [n x samples], pitch [n])."""
    safe = make_safe(audio, sr=sr)
    report = crepe_pitch.pitch_report(safe, pitch, sr=sr)
    emb, probs = classifier.embed(safe, sr=sr)
    rates = listener.failure_rates(safe, sr=sr, voiced=report.voiced)
    rates["loudness_spread_db"] = float(np.std(listener.rms_db(audio)))
    return {"pitch": report, "emb": emb, "probs": probs, "rates": rates}


def _set_fields(m: dict, classifier: Classifier, prefix: str) -> dict[str, Any]:
    hist = embedding.family_histogram(m["probs"], classifier.families)
    out = {
        f"{prefix}pitch_accuracy_crepe": round(float(m["pitch"].in_tune.mean()), 4),
        f"{prefix}voiced_rate_crepe": round(float(m["pitch"].voiced.mean()), 4),
        f"{prefix}inception_score": round(embedding.inception_score(m["probs"]), 3),
        f"{prefix}families_covered": embedding.families_covered(hist),
        f"{prefix}family_histogram": hist,
    }
    for k, v in m["rates"].items():
        out[f"{prefix}{k}"] = round(float(v), 4 if k.endswith("rate") else 2)
    return out


def _pair_fields(ref: dict, other: dict, prefix: str) -> dict[str, Any]:
    out = {f"{prefix}fd_cls": round(embedding.frechet_distance(ref["emb"], other["emb"]), 3)}
    out.update({f"{prefix}{k}": round(v, 4) for k, v in embedding.prdc(ref["emb"], other["emb"]).items()})
    return out


def compare(generated: dict, half_a: dict, half_b: dict, classifier: Classifier) -> dict[str, Any]:
    """The protocol's fields from three measured sets (see the module docstring)."""
    out = {}
    out.update(_set_fields(generated, classifier, ""))
    out.update(_pair_fields(half_a, generated, ""))
    out.update(_set_fields(half_b, classifier, "real_"))
    out.update(_pair_fields(half_a, half_b, "real_"))
    return dict(sorted(out.items(), key=lambda kv: kv[0].removeprefix("real_")))


def reference_halves(data: Path, *, n: int, pitch_range: tuple[int, int] | None,
                     seed: int = EVAL_SEED) -> tuple[Notes, Notes]:
    """Halves A and B (n notes each) of the held-out real notes of ``data``."""
    notes = load_notes(data, split=HELD_OUT, n=2 * n, seed=seed, pitch_range=pitch_range)
    return halves(notes, seed=seed)


def independent_metrics(model, *, data: Path, quick: bool = False, classifier: Classifier | None = None,
                        seed: int = EVAL_SEED, n: int | None = None, log=lambda m: None) -> dict[str, Any]:
    """The protocol's fields for ``model`` against the held-out real notes of ``data``."""
    n = n or (QUICK if quick else FULL)["n"]
    start = time.perf_counter()
    classifier = classifier or load_classifier()
    sr = int(model.sample_rate)
    a, b = reference_halves(Path(data), n=n, pitch_range=model.pitch_range, seed=seed)
    m = min(len(a), len(b))
    # drawn for the notes they are played as (a prior that depends on the playing uses it)
    z = model.sample_latent(m, seed, pitch=b.pitch[:m], velocity=None if b.velocity is None else b.velocity[:m])
    log(f"rendering {m} samples")
    # at half B's pitches and velocities: the same playing as the real notes it is compared with
    generated = render_notes(model, z, b.pitch[:m], velocity=None if b.velocity is None else b.velocity[:m])
    log("measuring generated notes")
    g = measure_set(generated, b.pitch[:m], sr=sr, classifier=classifier)
    log("measuring real notes")
    ma = measure_set(a.audio, a.pitch, sr=sr, classifier=classifier)
    mb = measure_set(b.audio, b.pitch, sr=sr, classifier=classifier)
    out = compare(g, ma, mb, classifier)
    out.update({"eval_real_notes": int(len(a) + len(b)), "eval_generated_notes": int(m),
                "eval_data": str(data), "classifier": classifier.name,
                "independent_seconds": round(time.perf_counter() - start, 1)})
    return out
