"""Measuring a GP fit of a recording (``python -m explorer eval --model gp --audio FILE``).

The recording (first ``MAX_S`` seconds, 16 kHz mono) is fitted with a voiced track
(:func:`~explorer.models.gp.fit_track.fit_track`, the app's and ``fit`` command's fit), one draw of the fitted GP is rendered, and both are measured by the same code.
Beside every figure stands a baseline that knows nothing but the loudness: white noise times the
recording's own amplitude envelope (``noise_*``), so an envelope figure copied from the
recording shows up as the baseline's.

Fields (``orig_*``: the recording; ``fit_*``: the resynthesis; ``noise_*``: the baseline):

- ``*_voiced_fraction``: CREPE-voiced frames / sounding frames (:mod:`explorer.evaluation.crepe_pitch`,
  frames 10 ms apart as CREPE's own: speech changes pitch and voicing within the 64 ms hop the
  note figures use).
- ``fit_f0_agreement`` / ``noise_f0_agreement``: fraction of the recording's voiced frames where
  the resynthesis is voiced too and within +-50 cents of the recording's f0.
- ``*_hnr_db``: harmonics-to-noise ratio, dB (:mod:`explorer.evaluation.listener`).
- ``fit_mel_lsd_db`` / ``noise_mel_lsd_db``: log-spectral distance to the recording, dB: RMS over
  64 mel bands of the difference of log-mel power (floor 80 dB below the recording's peak),
  averaged over the recording's sounding frames (within 40 dB of its loudest).
- ``fit_envelope_corr`` / ``noise_envelope_corr``: Pearson correlation of the RMS envelopes
  (20 ms frames, dB) with the recording's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from explorer.errors import ExplorerError

SR = 16000
MAX_S = 4.0
QUICK_S = 1.5
SEED = 0
CREPE_HOP = 160  # samples at 16 kHz: 10 ms


def evaluate(model, *, data: Path, quick: bool) -> dict[str, Any]:
    raise ExplorerError("eval --model gp measures a fit of a recording: give it with --audio FILE")


def _mel_db(y: np.ndarray, *, ref: float | None = None) -> tuple[np.ndarray, float]:
    from explorer.audio.mel import mel_spectrogram

    M = mel_spectrogram(np.asarray(y, np.float32), sr=SR, n_fft=1024, hop_length=256, n_mels=64)
    db = 10 * np.log10(np.maximum(M, 1e-20))
    top = float(db.max()) if ref is None else ref
    return np.maximum(db, top - 80.0), top


def _envelope_db(y: np.ndarray) -> np.ndarray:
    n = int(0.02 * SR)
    frames = y[: len(y) // n * n].reshape(-1, n)
    return 10 * np.log10(np.maximum(np.mean(frames.astype(np.float64) ** 2, axis=1), 1e-12))


def compare_to_recording(y: np.ndarray, others: dict[str, np.ndarray]) -> dict[str, Any]:
    """The fields of the module docstring for recording ``y`` [n] and each of ``others`` {prefix: [n]}."""
    from explorer.evaluation import crepe_pitch, listener

    names = ["orig", *others]
    audio = np.stack([y, *others.values()]).astype(np.float32)
    f0, voiced, sounding = crepe_pitch.frame_track(audio, sr=SR, hop_length=CREPE_HOP)
    hnr = listener.hnr_db(audio, sr=SR)
    ref_db, top = _mel_db(y)
    loud = ref_db.max(axis=0) >= top - 40.0
    env = _envelope_db(y)
    out: dict[str, Any] = {}
    for i, name in enumerate(names):
        out[f"{name}_voiced_fraction"] = round(float(voiced[i].sum() / max(sounding[i].sum(), 1)), 4)
        out[f"{name}_hnr_db"] = round(float(hnr[i]), 2)
        if i == 0:
            continue
        both = voiced[0] & voiced[i]
        with np.errstate(invalid="ignore", divide="ignore"):
            close = np.abs(1200 * np.log2(f0[i] / f0[0])) <= crepe_pitch.CENTS
        out[f"{name}_f0_agreement"] = round(float((both & close).sum() / max(voiced[0].sum(), 1)), 4)
        db, _ = _mel_db(audio[i], ref=top)
        out[f"{name}_mel_lsd_db"] = round(float(np.sqrt(((db - ref_db) ** 2).mean(axis=0))[loud].mean()), 3)
        out[f"{name}_envelope_corr"] = round(float(np.corrcoef(env, _envelope_db(audio[i]))[0, 1]), 4)
    return out


def evaluate_fit(path: Path, *, quick: bool = False) -> dict[str, Any]:
    """Fit the recording at ``path`` and measure the fit against it and against the noise baseline."""
    from explorer.audio.io import load_audio
    from explorer.models.gp.fit import amplitude_envelope
    from explorer.models.gp.fit_track import fit_track
    from explorer.models.gp.model import from_spec

    seconds = QUICK_S if quick else MAX_S
    y = load_audio(path, sr=SR)[: int(seconds * SR)].astype(np.float64)
    if not np.any(y):
        raise ExplorerError(f"{Path(path).name} is silent: there is nothing to fit")
    spec = fit_track(y, sr=SR)
    model = from_spec(spec)
    fit = model.render(model.sample_latent(1, SEED))[0][: len(y)]
    env, _ = amplitude_envelope(y, sr=SR)
    noise = np.random.default_rng(SEED).standard_normal(len(y)) * env[: len(y)]
    out = compare_to_recording(y, {"fit": fit, "noise": noise})
    return {"audio_seconds": round(len(y) / SR, 3), **out}
