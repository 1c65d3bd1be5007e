"""Measuring the VAE (``python -m explorer eval --model vae``) and analysing its latent sliders.

Fields (issue 5):

- ``recon_db``: mean absolute log-mel error, dB, of held-out notes (a fixed random 5 % of
  the dataset, never trained on; see data.split) decoded from their posterior mean; 128 slaney mel bands, floor at
  80 dB below each note's loudest band.
- ``baseline_db``: the same error for a predictor that outputs the mean log-mel spectrogram of
  the note's family and pitch over the training notes (nearest trained pitch of the family
  if that pitch is missing): time-varying, so it already knows each family's envelope. This
  is the baseline the bar is judged against. ``baseline_static_db``: the weaker reading, one
  time-averaged mean spectrum per family and pitch (reported for comparison only).
- ``active_units`` / ``latent_dim``: dimensions whose posterior mean varies over the data
  (variance > 0.01).
- ``pitch_accuracy``: fraction of samples z ~ N(0, I) at pitches 36..84 whose librosa.pyin
  median f0 (search range C1..C7, the model's whole range) lies within +/-50 cents of the pitch.
- ``spectral_convergence``: || |STFT(render)| - |S_decoded| ||_F / || |S_decoded| ||_F over the
  same samples (linear magnitude, 513 bins): how consistent the phase reconstruction is.

On the real corpus (:func:`real_data_metrics`, issue 14; notes of held-out instruments, ones no
model trained on), over *sounding* cells only (target within ``SOUNDING_DB`` = 40 dB of the note's
loudest mel cell; the floor cells that both sides share are left out):

- ``recon_db_sounding``: mean absolute log-mel error of the posterior-mean reconstruction, dB.
- ``recon_db_audio``: the same after phase reconstruction: the decoded spectrogram rendered to
  audio (as a listener hears it) and analysed again.
- ``baseline_db_sounding``: the family/pitch mean log-mel spectrogram of the corpus's train
  instruments (nearest pitch of the family) against the same cells.
- ``recon_db_real``: all cells, as ``recon_db`` (for comparison with the synthetic figure).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import torch
from scipy.stats import spearmanr

from explorer.audio.constants import HOP_LENGTH, N_FFT, PITCH_MAX, PITCH_MIN, SR
from explorer.audio.features import DESCRIPTORS, descriptors, mel_db, spectral_convergence
from explorer.latent.labels import LABEL_SD, LABEL_SHARE, honest_label  # noqa: F401 (re-exported)
from explorer.audio.pitch import cents_between, median_f0, midi_to_hz
from explorer.models.vae.data import dataset_features, split
from explorer.models.vae.networks import pitch_index
from explorer.models.vae.spectrogram import PAD_MODE

#: Shared measures of ``eval`` (explorer.evaluation.run.SHARED) that apply to this family.
SHARED_MEASURES = ("path_smoothness", "independent", "timbre_across_pitch")
N_MELS = 128
FLOOR_DB = 80.0
BARS = {"recon_vs_baseline": 0.5, "active_fraction": 0.6, "pitch_accuracy": 0.85, "spectral_convergence": 0.25}


def _mel_db(logmag: np.ndarray, *, ref_db: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """log|S| [n x 513 x T] -> (log-mel power dB [n x 128 x T] floored, per-note max dB [n])."""
    return mel_db(np.exp(2.0 * logmag.astype(np.float32)), sr=SR, n_fft=N_FFT, n_mels=N_MELS, top_db=FLOOR_DB,
                  top=ref_db)


def _descriptors(logmag: np.ndarray, log_eps: float) -> dict[str, np.ndarray]:
    """:func:`explorer.audio.features.descriptors` of decoded or dataset log|S| [n x 513 x T]."""
    return descriptors(np.maximum(np.exp(logmag.astype(np.float32)) - log_eps, 0.0), sr=SR, hop_length=HOP_LENGTH)


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman rank correlation (0 where either side is constant)."""
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return 0.0
    return float(spearmanr(a, b).statistic)


def _load(data: Path, model, *, quick: bool):
    """Features of the dataset with the training split (:func:`explorer.models.vae.data.split`)."""
    d = dataset_features(Path(data), config=model.config, max_items=400 if quick else None, log=lambda m: None)
    train_idx, val_idx = split(len(d["pitch"]))
    return d, train_idx, val_idx


def _posterior_means(model, feats: np.ndarray, pitch: np.ndarray, batch: int = 128,
                     velocity: np.ndarray | None = None) -> np.ndarray:
    c, out = model.config, []
    with torch.no_grad():
        for i in range(0, len(feats), batch):
            x = (torch.from_numpy(feats[i : i + batch]).float() - c["feat_mean"]) / c["feat_std"]
            vel = None if velocity is None else model.velocity_tensor(velocity[i : i + batch], len(x))
            mu, _ = model.net.encode(x, pitch_index(pitch[i : i + batch], config=c), vel=vel)
            out.append(mu.numpy())
    return np.concatenate(out) if out else np.zeros((0, model.latent_dim), np.float32)


def _decode(model, z: np.ndarray, pitch: np.ndarray, batch: int = 128, velocity: np.ndarray | None = None) -> np.ndarray:
    def part(i: int) -> np.ndarray:
        if velocity is None:
            return model.decode_logmag(z[i : i + batch], pitch[i : i + batch])
        return model.decode_logmag(z[i : i + batch], pitch[i : i + batch], velocity[i : i + batch])

    return np.concatenate([part(i) for i in range(0, len(z), batch)])


def reconstruction(model, d: dict, train_idx: np.ndarray, val_idx: np.ndarray) -> dict[str, Any]:
    """recon_db and the family/pitch mean-spectrum baseline_db on held-out notes."""
    feats, pitch, family = d["feats"], d["pitch"], d["family"]
    # baseline: mean log-mel dB per (family, pitch) over training notes
    sums: dict[tuple[str, int], np.ndarray] = {}
    counts: dict[tuple[str, int], int] = {}
    for i in range(0, len(train_idx), 256):
        b = train_idx[i : i + 256]
        db, _ = _mel_db(feats[b])
        for j, k in enumerate(b):
            key = (str(family[k]), int(pitch[k]))
            sums[key] = sums.get(key, 0.0) + db[j]
            counts[key] = counts.get(key, 0) + 1
    means = {k: sums[k] / counts[k] for k in sums}
    rec_err, base_err, static_err, fam_err = [], [], [], {}
    for i in range(0, len(val_idx), 128):
        b = val_idx[i : i + 128]
        target, top = _mel_db(feats[b])
        z = _posterior_means(model, feats[b], pitch[b])
        recon, _ = _mel_db(_decode(model, z, pitch[b]), ref_db=top)
        rec_err.extend(np.abs(recon - target).mean(axis=(1, 2)))
        for j, k in enumerate(b):
            fam, p = str(family[k]), int(pitch[k])
            keys = [key for key in means if key[0] == fam] or list(means)
            key = (fam, p) if (fam, p) in means else min(keys, key=lambda kk: abs(kk[1] - p))
            base = np.maximum(means[key], top[j] - FLOOR_DB)
            base_err.append(np.abs(base - target[j]).mean())
            static = np.maximum(means[key].mean(axis=1, keepdims=True), top[j] - FLOOR_DB)
            static_err.append(np.abs(static - target[j]).mean())
            fam_err.setdefault(fam, []).append(rec_err[-len(b) + j])
    return {
        "recon_db": round(float(np.mean(rec_err)), 3),
        "baseline_db": round(float(np.mean(base_err)), 3),
        "baseline_static_db": round(float(np.mean(static_err)), 3),
        **{f"recon_db_{f}": round(float(np.mean(v)), 2) for f, v in sorted(fam_err.items())},
        "n_heldout": int(len(val_idx)),
    }


def samples_check(model, *, n: int, seed: int = 2024) -> dict[str, Any]:
    """Pitch accuracy and spectral convergence of prior samples spread over MIDI 36..84."""
    pitches = np.resize(np.arange(36, 85), n).astype(np.float64)
    z = model.sample_latent(n, seed, pitch=pitches)
    hits, cents_err, sc = [], [], []
    for i in range(n):
        logmag = model.decode_logmag(z[i : i + 1], pitches[i : i + 1])
        y = model.synthesize(logmag, pitches[i : i + 1], cents=model.pitch_track(z[i : i + 1], pitches[i : i + 1]))
        target = model.magnitude(logmag).numpy()
        sc.append(spectral_convergence(y, target, n_fft=N_FFT, hop_length=HOP_LENGTH, pad_mode=PAD_MODE)[0])
        f0 = median_f0(y[0], sr=SR, fmin=midi_to_hz(PITCH_MIN - 1), fmax=midi_to_hz(PITCH_MAX + 2))
        err = float(cents_between(f0, midi_to_hz(pitches[i]))) if np.isfinite(f0) else float("inf")
        cents_err.append(err)
        hits.append(abs(err) <= 50)
    finite = [abs(c) for c in cents_err if math.isfinite(c)]
    return {
        "pitch_accuracy": round(float(np.mean(hits)), 3),
        "pitch_n": n,
        "pitch_median_abs_cents": round(float(np.median(finite)), 1) if finite else None,
        "spectral_convergence": round(float(np.mean(sc)), 4),
    }


def evaluate(model, *, data: Path, quick: bool) -> dict[str, Any]:
    """All eval fields of issue 5 (see the module docstring); ``quick`` uses fewer notes/samples."""
    d, train_idx, val_idx = _load(data, model, quick=quick)
    out: dict[str, Any] = {}
    out.update(reconstruction(model, d, train_idx, val_idx))
    sub = np.concatenate([val_idx, train_idx[: 2000 - len(val_idx)]]) if len(train_idx) else val_idx
    mu = _posterior_means(model, d["feats"][sub], d["pitch"][sub])
    var = mu.var(axis=0) if len(mu) > 1 else np.zeros(model.latent_dim)
    out["active_units"] = int((var > 0.01).sum())
    out["latent_dim"] = int(model.latent_dim)
    out.update(samples_check(model, n=24 if quick else 147))
    bars = {
        "bar_recon": out["recon_db"] <= BARS["recon_vs_baseline"] * out["baseline_db"],
        "bar_active_units": out["active_units"] >= BARS["active_fraction"] * out["latent_dim"],
        "bar_pitch_accuracy": out["pitch_accuracy"] >= BARS["pitch_accuracy"],
        "bar_spectral_convergence": out["spectral_convergence"] <= BARS["spectral_convergence"],
    }
    return {**out, **bars, "bars_met": all(bars.values())}


SOUNDING_DB = 40.0


def _sounding_error(pred_db: np.ndarray, target_db: np.ndarray, top: np.ndarray) -> np.ndarray:
    """Mean |pred - target| dB of each note over its cells within SOUNDING_DB of its top [n]."""
    mask = target_db >= top[:, None, None] - SOUNDING_DB
    return (np.abs(pred_db - target_db) * mask).sum(axis=(1, 2)) / np.maximum(mask.sum(axis=(1, 2)), 1)


def _family_pitch_means(model, real: Path, *, n: int, pitch_range) -> dict[tuple[str, int], np.ndarray]:
    """Mean log-mel dB [128 x T] per (family, pitch) of ``n`` train-instrument notes of ``real``."""
    from explorer.evaluation.reference import load_notes
    from explorer.models.vae.data import compute_features

    notes = load_notes(real, split="train", n=n, seed=1, pitch_range=pitch_range)
    sums: dict[tuple[str, int], np.ndarray] = {}
    counts: dict[tuple[str, int], int] = {}
    for i in range(0, len(notes), 128):
        db, _ = _mel_db(compute_features(notes.audio[i : i + 128], config=model.config))
        for j, k in enumerate(range(i, min(i + 128, len(notes)))):
            key = (str(notes.family[k]), int(notes.pitch[k]))
            sums[key] = sums.get(key, 0.0) + db[j]
            counts[key] = counts.get(key, 0) + 1
    return {k: sums[k] / counts[k] for k in sums}


def real_data_metrics(model, *, real: Path, quick: bool = False) -> dict[str, Any]:
    """Reconstruction of real held-out instruments (see the module docstring), sounding cells."""
    from explorer.evaluation.protocol import HELD_OUT
    from explorer.evaluation.reference import load_notes
    from explorer.models.vae.data import compute_features

    held = load_notes(real, split=HELD_OUT, n=24 if quick else 200, seed=2, pitch_range=model.pitch_range)
    means = _family_pitch_means(model, real, n=120 if quick else 1500, pitch_range=model.pitch_range)
    rec, rec_all, aud, base = [], [], [], []
    for i in range(0, len(held), 50):
        part = held.take(np.arange(i, min(i + 50, len(held))))
        feats = compute_features(part.audio, config=model.config)
        target, top = _mel_db(feats)
        vel = part.velocity  # the notes' own velocities (models without the condition ignore them)
        mu = _posterior_means(model, feats, part.pitch, velocity=vel)
        logmag = _decode(model, mu, part.pitch, velocity=vel)
        recon, _ = _mel_db(logmag, ref_db=top)
        rec.extend(_sounding_error(recon, target, top))
        rec_all.extend(np.abs(recon - target).mean(axis=(1, 2)))
        y = model.synthesize(logmag, part.pitch, cents=model.pitch_track(mu, part.pitch, vel))
        heard, _ = _mel_db(compute_features(y, config=model.config), ref_db=top)
        aud.extend(_sounding_error(heard, target, top))
        for j in range(len(part)):
            fam, p = str(part.family[j]), int(part.pitch[j])
            keys = [k for k in means if k[0] == fam] or list(means)
            key = (fam, p) if (fam, p) in means else min(keys, key=lambda kk: abs(kk[1] - p))
            pred = np.maximum(means[key], top[j] - FLOOR_DB)
            base.append(_sounding_error(pred[None], target[j : j + 1], top[j : j + 1])[0])
    return {
        "recon_db_sounding": round(float(np.mean(rec)), 3),
        "recon_db_audio": round(float(np.mean(aud)), 3),
        "baseline_db_sounding": round(float(np.mean(base)), 3),
        "recon_db_real": round(float(np.mean(rec_all)), 3),
        "recon_real_notes": int(len(held)),
    }


def slider_analysis(model, *, data: Path, quick: bool = False, n_base: int = 24) -> list[dict[str, Any]]:
    """Latent sliders ordered by how much they change the sound, each with what it does.

    A slider is one coordinate of the model's slider frame (:meth:`to_slider`: the learned
    prior's principal axes where the model has one, else a latent dimension). effect_db: mean
    absolute log-mel change (dB) when the slider goes from -2 to +2, over ``n_base`` prior
    samples at pitches 40..76. moves: the mean change of each descriptor over that same move, in
    standard deviations of the descriptor over all the sounds decoded here. label: see
    :func:`honest_label`. corr: Spearman correlation of the slider value of dataset notes' codes
    with each descriptor over (up to 2000) notes (for the tooltip only).
    """
    L = model.latent_dim
    s = model.to_slider(model.sample_latent(n_base, 7))
    pitch = np.resize(np.arange(40, 77, 3), n_base).astype(np.float64)
    eps = model.config["log_eps"]
    effect = np.zeros(L)
    changes = {k: np.zeros((L, n_base)) for k in DESCRIPTORS}
    seen: dict[str, list[np.ndarray]] = {k: [] for k in DESCRIPTORS}
    for d in range(L):
        lo, hi = s.copy(), s.copy()
        lo[:, d], hi[:, d] = -2.0, 2.0
        lo_mag, hi_mag = _decode(model, model.to_latent(lo), pitch), _decode(model, model.to_latent(hi), pitch)
        a, top = _mel_db(lo_mag)
        b, _ = _mel_db(hi_mag, ref_db=top)
        effect[d] = np.abs(a - b).mean()
        d_lo, d_hi = _descriptors(lo_mag, eps), _descriptors(hi_mag, eps)
        for k in DESCRIPTORS:
            changes[k][d] = d_hi[k] - d_lo[k]
            seen[k] += [d_lo[k], d_hi[k]]
    # in units of each descriptor's spread over every sound decoded here (all the moves pooled):
    # a descriptor that hardly varies anywhere cannot name a slider by a tiny change
    for k in DESCRIPTORS:
        changes[k] /= max(float(np.std(np.concatenate(seen[k]))), 1e-9)
    corr = {k: np.zeros(L) for k in DESCRIPTORS}
    try:
        dd, train_idx, val_idx = _load(data, model, quick=quick)
        sub = np.concatenate([val_idx, train_idx])[:2000]
        mu = model.to_slider(_posterior_means(model, dd["feats"][sub], dd["pitch"][sub]))
        desc = _descriptors(dd["feats"][sub], eps)
        for k in DESCRIPTORS:
            corr[k] = np.array([_spearman(mu[:, d], desc[k]) for d in range(L)])
    except Exception as exc:  # no data: no correlations
        print(f"[vae] slider correlations skipped ({type(exc).__name__}: {exc})")
    out = []
    for d in np.argsort(-effect):
        m = {k: round(float(changes[k][d].mean()), 2) for k in DESCRIPTORS}
        label = honest_label({k: changes[k][d] for k in DESCRIPTORS})
        out.append({"dim": int(d), "effect_db": round(float(effect[d]), 2), "label": label, "moves": m,
                    "corr": {k: round(float(corr[k][d]), 2) for k in DESCRIPTORS}})
    return out


def card_markdown(card: dict[str, Any], config: dict[str, Any]) -> str:
    """The Markdown model card written beside the weights."""
    import json

    ev = card.get("eval") or {}
    lines = [
        f"# Model card: {card.get('name', 'vae')}",
        "",
        "Pitch-conditioned convolutional VAE over log-magnitude spectrograms (16 kHz, 2.048 s notes, "
        "n_fft 1024, hop 256, 513 bins x 128 frames). Pitch (MIDI 24-84) is an input of encoder and "
        "decoder; the latent holds timbre. Audio: fast Griffin-Lim from a pitch-locked starting phase "
        f"({config.get('gl_iters')} iterations).",
        "",
        f"- family: `{card.get('family')}`",
        f"- data: `{card.get('data')}` (dataset seed {card.get('dataset_seed')})"
        + (f"; eval on the held-out notes of `{card['eval_data']}`" if card.get("eval_data") else ""),
        f"- training: {card.get('steps')} steps, {card.get('train_minutes')} min on {card.get('machine')}",
        f"- date: {card.get('date')}",
        f"- latent_dim: {config.get('latent_dim')}, parameters: hidden {config.get('hidden')}, "
        f"pitch embedding {config.get('pitch_emb')}",
        "",
        "## Eval (`python -m explorer eval --model vae --json`)",
        "",
    ]
    if ev:
        lines += ["| field | value | bar |", "|---|---|---|"]
        bar_text = {"recon_db": f"<= baseline/2 = {ev.get('baseline_db', 0) / 2:.2f}",
                    "baseline_db": "family/pitch mean log-mel spectrogram",
                    "baseline_static_db": "family/pitch mean spectrum, constant in time (comparison only)",
                "active_units": f">= {math.ceil(0.6 * ev.get('latent_dim', 0))} of {ev.get('latent_dim')}",
                "pitch_accuracy": ">= 0.85", "spectral_convergence": "<= 0.25"}
        for k, bar in bar_text.items():
            lines.append(f"| {k} | {ev.get(k)} | {bar} |")
        lines += ["", "Bars met: " + ", ".join(f"{k[4:]}: {'yes' if v else '**NO**'}"
                                               for k, v in ev.items() if k.startswith("bar_")), ""]
        fam = {k[9:]: v for k, v in ev.items() if k.startswith("recon_db_") and k != "recon_db_"}
        lines += ["Per-family recon_db (dB): " + ", ".join(f"{k} {v}" for k, v in fam.items()), ""]
    else:
        lines += ["Not evaluated (smoke test).", ""]
    sliders = card.get("sliders") or []
    if sliders:
        field = "moves" if "moves" in sliders[0] else "corr"
        names = list(sliders[0][field])
        lines += ["## Latent sliders (most important first)", "",
                  ("What moving each dimension from -2 to +2 does to prior samples: the change of each "
                   "descriptor in standard deviations (mean over the samples); a label names a descriptor only "
                   f"when the move changes it by >= {LABEL_SD:g} sd in that direction for >= {LABEL_SHARE:.0%} "
                   "of the samples."
                   if field == "moves" else
                   "Spearman correlation of each dimension with each descriptor over the dataset; "
                   "the label names the strongest (|corr| >= 0.3)."), "",
                  "| dim | effect (dB, -2 -> +2) | label | " + " | ".join(names) + " |",
                  "|---|---|---|" + "---|" * len(names)]
        for s in sliders:
            lines.append(f"| z{s['dim']} | {s['effect_db']} | {s['label'] or '-'} | "
                         + " | ".join(str(s[field].get(k, "-")) for k in names) + " |")
        lines.append("")
    if card.get("history"):
        lines += ["## How it was trained", "", card["history"], ""]
    if card.get("listening"):
        lines += ["## Listening notes", "", card["listening"], ""]
    lines += ["## Config", "", "```json", json.dumps(config, indent=1), "```", ""]
    return "\n".join(lines)
