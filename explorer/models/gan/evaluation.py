"""``python -m explorer eval --model gan``: pitch accuracy, NDB/K, Frechet distance, timbre consistency.

Every figure compares the model with real dataset notes measured in the same run, the same way:
both real and generated notes go through the safety step (steady loudness), and generated
notes are conditioned on the pitches of the real notes they are compared with.

Fields
------
pitch_accuracy, real_pitch_accuracy : float
    fraction of notes whose pyin median f0 (voiced frames; search range 13 semitones either side,
    so octave errors count as misses; 0.2-semitone grid) is within +-50 cents of the labelled /
    conditioned pitch (>= 200 notes each; ``_low/_mid/_high``: MIDI 24-47, 48-65, 66-84).
ndb_k : float
    NDB/K (Richardson & Weiss 2018, as in GANSynth): k-means with K = 50 on log-mel features of
    >= 1000 real notes; generated notes are assigned to the nearest centre; a bin counts when a
    two-proportion z-test rejects equal proportions at alpha = 0.05. ``ndb_k_real_holdout`` is
    the same figure for 1000 other real notes (how low it can be).
frechet : float
    Frechet distance between Gaussians fitted to per-note MFCC statistics (20 MFCCs, n_fft 1024,
    hop 256; the mean and standard deviation of each over time: 40 numbers per note).
    ``frechet_real_holdout``: the same between two sets of real notes.
timbre_same_z, timbre_random_pairs : float
    spectral-envelope distance (Euclidean distance of time-averaged MFCCs 1-12 of the sounding
    frames: the smooth envelope; c0, the level, left out) between renders of the same z at two
    pitches 3-24 semitones apart, against renders of different z's at the same two pitches.
    ``timbre_ratio`` is their quotient; ``timbre_ratio_mfcc19`` the same with MFCCs 1-19 (which
    also follow the comb of the harmonics); ``timbre_same_real`` / ``timbre_random_real`` /
    ``timbre_ratio_real`` the same figures for the dataset's synthesizer playing one timbre at
    the two pitches, against different timbres: what real instruments score.
"""

from __future__ import annotations

from pathlib import Path

import librosa
import numpy as np
from scipy import linalg
from scipy.stats import norm

from explorer.audio.constants import PITCH_MAX, PITCH_MIN, SR
from explorer.audio.features import log_mel_db
from explorer.audio.pitch import pitch_hits
from explorer.audio.safety import make_safe
from explorer.errors import ExplorerError
from explorer.models.base import AudioModel

#: Shared measures of ``eval`` (explorer.evaluation.run.SHARED) that apply to this family.
SHARED_MEASURES = ("path_smoothness", "independent", "timbre_across_pitch")
EVAL_SEED = 20240601
FULL = {"n_pitch": 200, "n_ndb": 1000, "k": 50, "n_timbre": 100}
QUICK = {"n_pitch": 16, "n_ndb": 60, "k": 8, "n_timbre": 12}
CENTS = 50.0  # a note is in tune within +-50 cents (see explorer.audio.pitch.pitch_hits)
ALPHA = 0.05


# ---- features -----------------------------------------------------------------------------


def logmel_features(audio: np.ndarray, *, sr: int = SR) -> np.ndarray:
    """Log-mel images flattened, [n x 64 * 33]: 64 mels, n_fft 2048, hop 1024, in dB (floor -80)."""
    db = log_mel_db(audio, sr=sr, n_fft=2048, hop_length=1024, n_mels=64, amin=1e-8)
    return db.clip(-80, None).reshape(len(audio), -1)


def mfcc_stats(audio: np.ndarray, *, sr: int = SR) -> np.ndarray:
    """Per-note mean and standard deviation over time of 20 MFCCs, [n x 40]."""
    m = librosa.feature.mfcc(y=audio, sr=sr, n_mfcc=20, n_fft=1024, hop_length=256)  # [n x 20 x T]
    return np.concatenate([m.mean(-1), m.std(-1)], axis=1)


def spectral_envelope(audio: np.ndarray, *, sr: int = SR, n_coeffs: int = 12) -> np.ndarray:
    """Time-averaged MFCCs 1..n_coeffs over the frames within 40 dB of each note's loudest,
    [n x n_coeffs]: the low-quefrency cepstrum, i.e. the smooth spectral envelope (c0, the level,
    left out; higher coefficients follow the comb of the harmonics, so they change with pitch)."""
    m = librosa.feature.mfcc(y=audio, sr=sr, n_mfcc=20, n_fft=1024, hop_length=256)
    rms = librosa.feature.rms(y=audio, frame_length=1024, hop_length=256)[:, 0]  # [n x T]
    sounding = rms >= rms.max(axis=1, keepdims=True) * 10 ** (-40 / 20)
    w = sounding / sounding.sum(axis=1, keepdims=True)
    return np.einsum("nct,nt->nc", m[:, 1 : n_coeffs + 1], w)


# ---- statistics ---------------------------------------------------------------------------


def ndb(real: np.ndarray, fake: np.ndarray, *, k: int, alpha: float = ALPHA, seed: int = 0,
        holdout: np.ndarray | None = None) -> tuple[float, float | None]:
    """NDB/K of ``fake`` (and of ``holdout``) against bins fitted by k-means on ``real``."""
    from sklearn.cluster import KMeans

    km = KMeans(n_clusters=k, n_init=4, random_state=seed).fit(real)
    p_real = np.bincount(km.labels_, minlength=k) / len(real)

    def score(other: np.ndarray) -> float:
        p_other = np.bincount(km.predict(other), minlength=k) / len(other)
        pooled = (p_real * len(real) + p_other * len(other)) / (len(real) + len(other))
        se = np.sqrt(pooled * (1 - pooled) * (1 / len(real) + 1 / len(other)))
        z = np.abs(p_real - p_other) / np.maximum(se, 1e-12)
        return float(np.mean(2 * norm.sf(z) < alpha))

    return score(fake), (score(holdout) if holdout is not None else None)


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Frechet distance between Gaussians fitted to the rows of ``a`` and of ``b``."""
    mu_a, mu_b = a.mean(0), b.mean(0)
    ca, cb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = linalg.sqrtm(ca @ cb)
    covmean = (covmean[0] if isinstance(covmean, tuple) else covmean).real
    return float(np.sum((mu_a - mu_b) ** 2) + np.trace(ca + cb - 2 * covmean))


# ---- the evaluation -----------------------------------------------------------------------


def _real_notes(data: Path, n: int) -> tuple[np.ndarray, np.ndarray]:
    from explorer.data import load_arrays

    if not Path(data).is_dir():
        raise ExplorerError(f"dataset folder {data} not found (make one with: python -m explorer dataset --out {data})")
    arrays = load_arrays(data, max_items=n, estimate_pitch=False)
    keep = (arrays["pitch"] >= PITCH_MIN) & (arrays["pitch"] <= PITCH_MAX)
    if keep.sum() < 8:
        raise ExplorerError(f"{data} has too few labelled notes in MIDI {PITCH_MIN}..{PITCH_MAX} to evaluate")
    return make_safe(arrays["audio"][keep], sr=SR), arrays["pitch"][keep]


def _render(model: AudioModel, z: np.ndarray, pitch: np.ndarray, batch: int = 50) -> np.ndarray:
    out = [model.render(z[i : i + batch], pitch[i : i + batch]) for i in range(0, len(z), batch)]
    return make_safe(np.concatenate(out), sr=SR)


def evaluate(model: AudioModel, *, data: Path, quick: bool = False) -> dict:
    """All figures of the GAN issue; see the module docstring for their definitions."""
    cfg = QUICK if quick else FULL
    n_real = cfg["n_ndb"] * (1 if quick else 2)
    real, real_pitch = _real_notes(data, n_real)
    n = min(cfg["n_ndb"], len(real))
    holdout = real[n : 2 * n] if len(real) >= 2 * n else None
    real, real_pitch = real[:n], real_pitch[:n]
    z = model.sample_latent(n, EVAL_SEED)
    fake = _render(model, z, real_pitch)

    m = min(cfg["n_pitch"], n)
    hits_fake = pitch_hits(fake[:m], real_pitch[:m], sr=SR, cents=CENTS)
    hits_real = pitch_hits(real[:m], real_pitch[:m], sr=SR, cents=CENTS)
    bands = {"low": (PITCH_MIN, 47), "mid": (48, 65), "high": (66, PITCH_MAX)}
    out: dict = {
        "pitch_accuracy": round(float(hits_fake.mean()), 4),
        "real_pitch_accuracy": round(float(hits_real.mean()), 4),
        "pitch_notes": int(m),
    }
    for name, (lo, hi) in bands.items():
        sel = (real_pitch[:m] >= lo) & (real_pitch[:m] <= hi)
        out[f"pitch_accuracy_{name}"] = round(float(hits_fake[sel].mean()), 4) if sel.any() else None

    k = min(cfg["k"], n // 4)
    f_real, f_fake = logmel_features(real), logmel_features(fake)
    ndb_fake, ndb_hold = ndb(f_real, f_fake, k=k, holdout=logmel_features(holdout) if holdout is not None else None)
    out.update({"ndb_k": round(ndb_fake, 4), "ndb_bins": int(k), "ndb_notes": int(n)})
    if ndb_hold is not None:
        out["ndb_k_real_holdout"] = round(ndb_hold, 4)

    s_real, s_fake = mfcc_stats(real), mfcc_stats(fake)
    out["frechet"] = round(frechet_distance(s_real, s_fake), 3)
    if holdout is not None:
        out["frechet_real_holdout"] = round(frechet_distance(s_real, mfcc_stats(holdout)), 3)
    out["frechet_features"] = "mean and std over time of 20 MFCCs (n_fft 1024, hop 256)"

    out.update(timbre_consistency(model, n=cfg["n_timbre"]))
    return out


def _pitch_pairs(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = rng.integers(36, 70, n)
    return a, np.clip(a + rng.integers(3, 25, n), None, 84)


def _envelope_distances(ya: np.ndarray, yb: np.ndarray, n_coeffs: int) -> tuple[float, float]:
    """Mean envelope distance of matched pairs (row i of ya vs row i of yb) and of mismatched
    pairs (row i of ya vs row i - 1 of yb)."""
    ea, eb = spectral_envelope(ya, n_coeffs=n_coeffs), spectral_envelope(yb, n_coeffs=n_coeffs)
    same = np.linalg.norm(ea - eb, axis=1).mean()
    other = np.linalg.norm(ea - np.roll(eb, 1, axis=0), axis=1).mean()
    return float(same), float(other)


def timbre_consistency(model: AudioModel, *, n: int, seed: int = EVAL_SEED + 1) -> dict:
    """Spectral-envelope distance across pitches for the same z, and for random pairs of z's; the
    same figures for real instruments (one synthesizer timbre at two pitches vs different ones)."""
    a, b = _pitch_pairs(n, seed)
    z = model.sample_latent(n, seed)
    ya, yb = _render(model, z, a), _render(model, z, b)
    same, other = _envelope_distances(ya, yb, 12)
    same19, other19 = _envelope_distances(ya, yb, 19)
    ra, rb = _real_pairs(a, b, seed)
    real_same, real_other = _envelope_distances(ra, rb, 12)
    return {
        "timbre_same_z": round(same, 3),
        "timbre_random_pairs": round(other, 3),
        "timbre_ratio": round(same / max(other, 1e-9), 3),
        "timbre_ratio_mfcc19": round(same19 / max(other19, 1e-9), 3),
        "timbre_same_real": round(real_same, 3),
        "timbre_random_real": round(real_other, 3),
        "timbre_ratio_real": round(real_same / max(real_other, 1e-9), 3),
        "timbre_pairs": int(n),
    }


def _real_pairs(a: np.ndarray, b: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The dataset's synthesizer playing one random timbre (family and parameters) at pitches
    a[i] and b[i] (moved into the family's range), velocity 90."""
    from explorer.data import FAMILIES, family_spec, sample_params, synthesize_note

    rng = np.random.default_rng(seed)
    ya, yb = [], []
    for i, (pa, pb) in enumerate(zip(a, b)):
        family = FAMILIES[i % len(FAMILIES)]
        lo, hi = family_spec(family).pitch_range
        pa, pb = int(np.clip(pa, lo, hi)), int(np.clip(pb, lo, hi))
        params = sample_params(family, int(rng.integers(2**31)))
        ya.append(synthesize_note(family, pa, 90, seed=seed + i, params=params)[0])
        yb.append(synthesize_note(family, pb, 90, seed=seed + i, params=params)[0])
    return make_safe(np.stack(ya), sr=SR), make_safe(np.stack(yb), sr=SR)
