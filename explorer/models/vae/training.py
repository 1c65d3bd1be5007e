"""Training the pitch-conditioned VAE: ``python -m explorer train vae --data DIR --out checkpoints/NAME``.

- Features of the whole dataset are computed once (log|STFT|, float16 in RAM, cached under
  ``runs/cache``), so a step is only the network: large batches on a few CPU threads.
- Loss: lambda * MSE(standardised log|S|) + mu * mean |log-mel error| (dB, what eval scores)
  + beta * sum_d max(KL_d, free_bits), with beta warmed up from 0 (against posterior collapse:
  every latent dimension keeps >= free_bits nats).
- Progress lines every few steps, validation (a fixed random 5 % of the notes held out) and a
  checkpoint at every validation, resumable state (``OUT.resume``), ``--smoke-test``.
- Several processes: ``torchrun --nproc_per_node=2 -m explorer train vae ...`` (gloo on CPU,
  DistributedDataParallel); rank 0 logs and writes.
- ``--init NAME``: fine-tune from a checkpoint (e.g. the shipped VAE on a folder of your sounds).
- At the end: the weights (``OUT.pt``), the config beside them (``OUT.config.json``), the latent
  slider analysis and eval metrics in the model card (``OUT.md``).
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import json
import math
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist

from explorer.errors import ExplorerError, ParameterError
from explorer import paths
from explorer.models.checkpoint import save_checkpoint
from explorer.models.vae.model import (DEFAULT_CONFIG, FAMILY, TINY_CONFIG, VAEModel, build_model, log_magnitude,
                                 pitch_index, pitch_track)

ROOT = paths.ROOT
CACHE = Path(os.environ.get("VAE_FEATURE_CACHE", ROOT / "runs" / "cache"))

#: Training hyper-parameters (saved in the config under "train").
TRAIN: dict[str, Any] = {
    "steps": 10000,
    "batch_size": 64,  # in all: split over the processes under torchrun
    "lr": 1.5e-3,
    "lr_final": 5e-5,
    "recon_weight": 16000.0,  # lambda: weight of the per-element mean squared error of log|S|
    "mel_weight": 300.0,  # weight of the mean absolute log-mel error, dB (eval's recon_db)
    "beta": 0.3,  # KL weight at the end of the warm-up
    "free_bits": 0.25,  # nats per latent dimension
    "warmup_steps": 800,  # beta ramps 0 -> beta
    "vibrato_weight": 50.0,  # weight of vibrato_loss (the head against the numbers fitted to each note's track)
    "vibrato_lr_scale": 20.0,  # learning rate of the vibrato head and input, relative to the rest
    "log_every": 20,
    "val_every": 500,
    "val_mod": 20,  # held-out notes: a fixed random 1/20 (see split)
    "seed": 0,
    "threads": 1,  # on a few shared cores, 2 intra-op threads were 2-10x slower per step
}
#: With --init: a gentler learning rate, no KL warm-up (the code is already organised) and a
#: lighter KL weight (more detail in the code, so closer reconstructions).
FINETUNE: dict[str, Any] = {"steps": 3000, "lr": 4e-4, "lr_final": 4e-5, "beta": 0.1, "warmup_steps": 0}
SMOKE: dict[str, Any] = {**TRAIN, "steps": 6, "batch_size": 8, "log_every": 2, "val_every": 3, "warmup_steps": 3}


# --------------------------------------------------------------------------------------------
# data


def load_notes(root: Path, *, max_items: int | None = None) -> dict[str, np.ndarray]:
    """Notes of a dataset folder: {"audio": float32 [N x 32768], "pitch": [N], "family": str [N]}.

    Uses :func:`explorer.data.load_arrays` (our dataset or a user's folder of sounds).
    """
    root = Path(root)
    if not root.is_dir():
        raise ParameterError(f"dataset folder {root} not found (make one with `python -m explorer dataset`)")
    try:
        from explorer.data import load_arrays
    except ImportError:
        raise ExplorerError("the dataset loader (explorer.data) is not available yet") from None
    arrays = load_arrays(root, max_items=max_items)
    audio = next((arrays[k] for k in ("audio", "y", "x", "waveform") if k in arrays), None)
    if audio is None or "pitch" not in arrays:
        raise ParameterError(f"dataset {root} gave no audio/pitch arrays (keys: {sorted(arrays)})")
    pitch = np.asarray(arrays["pitch"], dtype=np.float64)
    family = np.asarray(arrays.get("family", np.full(len(pitch), "unknown")))
    keep = np.isfinite(pitch) & (pitch >= DEFAULT_CONFIG["pitch_min"]) & (pitch <= DEFAULT_CONFIG["pitch_max"])
    if not np.any(keep):
        raise ParameterError(f"dataset {root} has no notes with a pitch in MIDI 24..84")
    return {"audio": np.asarray(audio, dtype=np.float32)[keep], "pitch": np.round(pitch[keep]).astype(np.int64),
            "family": family[keep].astype(str)}


def compute_features(audio: np.ndarray, *, config: dict[str, Any], chunk: int = 256) -> np.ndarray:
    """log|S| of every note, float16 [N x 513 x 128] (natural log, not standardised)."""
    out = np.empty((len(audio), 513, config["n_frames"]), dtype=np.float16)
    with torch.no_grad():
        for i in range(0, len(audio), chunk):
            out[i : i + chunk] = log_magnitude(torch.from_numpy(audio[i : i + chunk]), config=config).numpy()
    return out


def _cache_file(kind: str, root: Path, *key) -> Path:
    """Where derived arrays of dataset ``root`` live, keyed by its label file's time and ``key``."""
    labels = root / "labels.jsonl"
    stamp = "|".join(map(str, (root, labels.stat().st_mtime if labels.exists() else 0, *key)))
    return CACHE / f"{kind}-{hashlib.sha1(stamp.encode()).hexdigest()[:12]}.npz"


def _read_cache(path: Path) -> dict[str, np.ndarray] | None:
    if not path.exists():
        return None
    with np.load(path, allow_pickle=False) as f:
        return {k: f[k] for k in f.files}


def _write_cache(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Best effort (a read-only disk only costs the recomputation next time)."""
    try:
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, **arrays)
        os.replace(tmp, path)
    except OSError:
        pass


def dataset_features(root: Path, *, config: dict[str, Any], max_items: int | None = None,
                     log=print) -> dict[str, np.ndarray]:
    """Notes' features + labels, cached in runs/cache keyed by the dataset's label file and size."""
    root = Path(root).resolve()
    cache = _cache_file("vae", root, max_items, config["log_eps"])
    out = _read_cache(cache)
    if out is not None:
        log(f"features from cache {cache.relative_to(ROOT) if cache.is_relative_to(ROOT) else cache}")
        return out
    t0 = time.perf_counter()
    notes = load_notes(root, max_items=max_items)
    log(f"loaded {len(notes['pitch'])} notes from {root} in {time.perf_counter() - t0:.0f} s; computing features")
    feats = compute_features(notes["audio"], config=config)
    out = {"feats": feats, "pitch": notes["pitch"], "family": notes["family"]}
    _write_cache(cache, out)
    log(f"features ready: {feats.shape} in {time.perf_counter() - t0:.0f} s")
    return out


def pitch_tracks(root: Path, feats: np.ndarray, *, config: dict[str, Any], max_items: int | None = None,
                 chunk: int = 256, log=print) -> dict[str, np.ndarray]:
    """Each note's measured pitch track and the vibrato head's numbers fitted to it
    (:mod:`explorer.models.vae.vibrato`): {"cents", "confidence"} float16 [N x T] and "params"
    float32 [N x 6], cached beside the features."""
    from explorer.models.vae import vibrato as vae_vibrato

    root = Path(root).resolve()
    cache = _cache_file("vae-tracks", root, max_items, feats.shape)
    out = _read_cache(cache)
    if out is not None:
        return out
    t0 = time.perf_counter()
    cents = np.empty(feats.shape[::2], dtype=np.float16)
    confidence = np.empty_like(cents)
    for i in range(0, len(feats), chunk):
        c, w = vae_vibrato.measure(torch.from_numpy(feats[i : i + chunk]))
        cents[i : i + chunk], confidence[i : i + chunk] = c.numpy(), w.numpy()
    params = vae_vibrato.fit(torch.from_numpy(cents), torch.from_numpy(confidence),
                             frame_s=config["hop_length"] / config["sr"])
    out = {"cents": cents, "confidence": confidence, "params": params.numpy()}
    _write_cache(cache, out)
    log(f"pitch tracks measured and fitted in {time.perf_counter() - t0:.0f} s")
    return out


def dataset_seed(root: Path) -> int | None:
    """The dataset's generation seed, read from its card if there is one."""
    for name in ("dataset_card.json", "card.json", "dataset.json", "README.json"):
        p = Path(root) / name
        if p.is_file():
            try:
                seed = json.loads(p.read_text()).get("seed")
                return int(seed) if seed is not None else None
            except (ValueError, AttributeError, TypeError):
                return None
    for p in sorted(Path(root).glob("*.md")):
        for line in p.read_text(errors="ignore").splitlines():
            if "seed" in line.lower():
                digits = "".join(c if c.isdigit() else " " for c in line.split("seed", 1)[-1]).split()
                if digits:
                    return int(digits[0])
    return None


def split(n: int, val_mod: int) -> tuple[np.ndarray, np.ndarray]:
    """(train, held-out) indices: a fixed pseudo-random 1/``val_mod`` of the notes is held out
    (same rule in eval). Not ``index % val_mod``: our dataset cycles through the families, so a
    stride would hold out a single family."""
    idx = np.arange(n)
    val = np.random.default_rng(20240).random(n) < 1.0 / val_mod
    if n < 2 * val_mod or not val.any() or val.all():  # tiny (smoke) data: hold out one note
        val = idx == 0
    return idx[~val], idx[val]


# --------------------------------------------------------------------------------------------
# loss


@functools.lru_cache(maxsize=2)
def _mel_basis(sr: int, n_fft: int) -> torch.Tensor:
    import librosa

    from explorer.models.vae.evaluation import N_MELS

    return torch.from_numpy(librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=N_MELS)).float()


def mel_db(x: torch.Tensor, *, config: dict[str, Any], top: torch.Tensor | None = None):
    """Standardised log|S| [B x 513 x T] -> (log-mel power dB [B x 128 x T] floored at 80 dB below
    each note's loudest band, that top [B]): the representation ``eval``'s recon_db is measured in."""
    from explorer.models.vae.evaluation import FLOOR_DB

    power = torch.exp(2.0 * (x * config["feat_std"] + config["feat_mean"]))
    db = 10.0 * torch.log10(torch.einsum("mf,bft->bmt", _mel_basis(config["sr"], config["n_fft"]), power)
                            .clamp_min(1e-12))
    if top is None:
        top = db.detach().amax(dim=(1, 2))
    return torch.maximum(db, (top - FLOOR_DB)[:, None, None]), top


def vae_loss(x, x_hat, mu, logvar, *, beta: float, hp: dict[str, Any], config: dict[str, Any] | None = None):
    """(loss, mse, kl) for a batch; x, x_hat: Tensor[B x 513 x T] standardised.

    With ``hp["mel_weight"]`` the reconstruction term also has the mean absolute log-mel error
    in dB (what eval's recon_db measures): the log|S| MSE alone fits each bin's mean log, which
    under-estimates the power a mel band sums (about 1 dB low in eval), and squares errors that
    eval only counts once.
    """
    mse = (x_hat - x).pow(2).mean()
    kl_dim = 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).mean(0)  # nats per dim, batch mean
    kl = kl_dim.sum()
    kl_fb = torch.clamp(kl_dim, min=hp["free_bits"]).sum()
    recon = hp["recon_weight"] * mse
    if hp.get("mel_weight") and config is not None:
        target, top = mel_db(x, config=config)
        recon = recon + hp["mel_weight"] * (mel_db(x_hat, config=config, top=top)[0] - target).abs().mean()
    return recon + beta * hp["beta"] * kl_fb, mse, kl


def vibrato_loss(params: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """How far the vibrato head's numbers [B x 6] are from those fitted to the notes' measured
    tracks [B x 6] (:func:`explorer.models.vae.vibrato.fit`): squared error of a, b, g (units of
    10 cents), plus that of rate and delay weighted by the note's vibrato depth (up to 10 cents)
    and of the glide time by its glide (a rate means nothing without a vibrato)."""
    a, b, rate, delay, g, glide_time = (params - target).pow(2).unbind(1)
    depth = target[:, :2].norm(dim=1).clamp(max=1.0)
    glide = target[:, 4].abs().clamp(max=1.0)
    return (a + b + g + depth * (rate + delay) + glide * glide_time).mean()


# --------------------------------------------------------------------------------------------
# distributed helpers


def _dist_setup() -> tuple[int, int]:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("gloo")
    return (dist.get_rank(), dist.get_world_size()) if dist.is_initialized() else (0, 1)


def _barrier() -> None:
    if dist.is_initialized():
        dist.barrier()


# --------------------------------------------------------------------------------------------
# training


def _progress(step: int, total: int, width: int = 24) -> str:
    done = int(width * step / max(total, 1))
    return "[" + "#" * done + "." * (width - done) + "]"


@torch.no_grad()
def validate(net, feats: torch.Tensor, pidx: torch.Tensor, *, config: dict[str, Any], hp: dict[str, Any],
             tracks: dict[str, torch.Tensor] | None = None, batch: int = 128) -> dict[str, float]:
    """Held-out figures with the posterior mean: mse, dB error of log|S| (mean abs), KL, active
    units, and with ``tracks`` the vibrato head's confidence-weighted RMS error against the
    measured tracks, cents."""
    net.eval()
    mses, errs, mels, kls, mus, vib = [], [], [], [], [], []
    for i in range(0, len(feats), batch):
        x = (feats[i : i + batch].float() - config["feat_mean"]) / config["feat_std"]
        x_hat, mu, logvar, params = net(x, pidx[i : i + batch], sample=False, with_vibrato=True,
                                        vib_in=None if tracks is None else tracks["params"][i : i + batch])
        if tracks is not None and params is not None:
            cents = pitch_track(params, n_frames=x.shape[-1], frame_s=config["hop_length"] / config["sr"])
            w = tracks["confidence"][i : i + batch].float()
            vib.append(torch.stack([(w * (cents - tracks["cents"][i : i + batch].float()).pow(2)).sum(), w.sum()]))
        mses.append((x_hat - x).pow(2).mean((1, 2)))
        errs.append(((x_hat - x).abs() * config["feat_std"] * 20 / math.log(10)).mean((1, 2)))  # dB
        target, top = mel_db(x, config=config)
        mels.append((mel_db(x_hat, config=config, top=top)[0] - target).abs().mean((1, 2)))
        kls.append(0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(1))
        mus.append(mu)
    net.train()
    mu = torch.cat(mus)
    active = int((mu.var(0) > 0.01).sum()) if len(mu) > 1 else 0
    out = {"val_mse": float(torch.cat(mses).mean()), "val_logmag_db": float(torch.cat(errs).mean()),
           "val_mel_db": float(torch.cat(mels).mean()),
           "val_kl": float(torch.cat(kls).mean()), "active_units": active}
    if vib:
        total = torch.stack(vib).sum(0)
        out["val_vibrato_cents"] = float(torch.sqrt(total[0] / total[1].clamp_min(1e-6)))
    return out


#: Config keys taken from an --init checkpoint (its architecture and feature scaling).
_INIT_KEYS = ("latent_dim", "hidden", "pitch_emb", "n_down", "comb_bases", "time_emb", "vibrato", "vibrato_input",
              "feat_mean", "feat_std", "gl_iters", "log_eps")


def _init_from(name, config: dict[str, Any], *, log=print):
    """Fine-tuning: the network of checkpoint ``name`` (a name in checkpoints/ or a path), with
    this version's newer options (absent from its config) added in their neutral start state.

    Returns (net, config). A checkpoint that is not a VAE or whose weights do not fit is a
    :class:`explorer.errors.CheckpointError`.
    """
    from explorer.errors import CheckpointError
    from explorer.models.checkpoint import load_checkpoint
    from explorer.models.registry import checkpoint_path

    path = checkpoint_path(FAMILY, str(name))
    ckpt = load_checkpoint(path, family=FAMILY)
    old = ckpt["config"]
    asked = config
    config = {**config, **{k: old[k] for k in _INIT_KEYS if k in old}}
    # structural options the checkpoint predates stay off (as when it loads); a vibrato head or
    # vibrato input it lacks is added when this config asks for one (zero at its start, so
    # nothing changes), and one it has is kept
    config.update({k: off for k, off in (("comb_bases", 0), ("time_emb", False)) if k not in old})
    config.update({k: bool(old.get(k)) or bool(asked.get(k)) for k in ("vibrato", "vibrato_input")})
    net = build_model(config)
    try:
        missing, unexpected = net.load_state_dict(ckpt["state"], strict=False)
    except (RuntimeError, KeyError, TypeError) as exc:
        raise CheckpointError(f"{path.name} does not fit this VAE ({str(exc).splitlines()[0][:100]})") from None
    if unexpected or any(not k.startswith(("decoder.vib.", "encoder.vib_in.")) for k in missing):
        raise CheckpointError(f"{path.name} does not fit this VAE (missing {missing[:3]}, unexpected {unexpected[:3]})")
    log(f"initialised from {path} ({ckpt.get('card', {}).get('steps', '?')} steps)"
        + (f"; new and starting neutral: {', '.join(sorted({k.rsplit('.', 1)[0] for k in missing}))}" if missing else ""))
    return net, config


def _state_path(out: Path) -> Path:
    return out.parent / f"{out.name}.resume"


def main(args) -> None:
    """Entry point of ``python -m explorer train vae`` (and of torchrun)."""
    rank, world = _dist_setup()
    log = (lambda msg: print(f"[vae] {msg}", flush=True)) if rank == 0 else (lambda msg: None)
    smoke = bool(getattr(args, "smoke_test", False))
    hp = dict(SMOKE if smoke else TRAIN)
    if getattr(args, "init", None) and not smoke:
        hp.update(FINETUNE)
    if getattr(args, "steps", None):
        hp["steps"] = int(args.steps)
    threads = int(os.environ.get("VAE_THREADS", hp["threads"] if world == 1 else 1))
    torch.set_num_threads(max(1, threads))
    config = dict(TINY_CONFIG if smoke else DEFAULT_CONFIG)
    out = Path(args.out)
    if out.suffix == ".pt":
        out = out.with_suffix("")
    started = time.time()

    data = dataset_features(Path(args.data), config=config, max_items=32 if smoke else None, log=log)
    train_idx, val_idx = split(len(data["pitch"]), hp["val_mod"])
    feats = torch.from_numpy(data["feats"])  # float16 [N x 513 x T]
    pidx = pitch_index(data["pitch"], config=config)
    sample = feats[train_idx[: 2000]].float()
    config["feat_mean"] = round(float(sample.mean()), 5)
    config["feat_std"] = round(float(sample.std()), 5)
    config["train"] = hp
    log(f"{len(train_idx)} training notes, {len(val_idx)} held out; world size {world}, {threads} thread(s)/process")

    torch.manual_seed(hp["seed"])
    init = getattr(args, "init", None)
    if init:
        net, config = _init_from(init, config, log=log)
        config["train"] = {**hp, "init": str(init)}
    else:
        net = build_model(config)
    tracks = None
    if (config.get("vibrato") and hp.get("vibrato_weight")) or config.get("vibrato_input"):
        measured = pitch_tracks(Path(args.data), data["feats"], config=config, max_items=32 if smoke else None,
                                log=log)
        tracks = {k: torch.from_numpy(v) for k, v in measured.items()}
    # the vibrato numbers start from zero and must grow to tens of cents; at the shared learning
    # rate Adam's bounded steps would take thousands of steps to get there
    vib_names = ("decoder.vib.", "encoder.vib_in.")
    groups = [{"params": [p for n, p in net.named_parameters() if not n.startswith(vib_names)], "scale": 1.0},
              {"params": [p for n, p in net.named_parameters() if n.startswith(vib_names)],
               "scale": hp.get("vibrato_lr_scale", 1.0)}]
    opt = torch.optim.Adam([g for g in groups if g["params"]], lr=hp["lr"])
    step = 0
    state_file = _state_path(out)
    if getattr(args, "resume", False) and state_file.exists():
        state = torch.load(state_file, map_location="cpu", weights_only=True)
        net.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        step = int(state["step"])
        started -= float(state.get("elapsed", 0.0))
        log(f"resumed from {state_file.name} at step {step}")
    elif getattr(args, "resume", False):
        log(f"nothing to resume at {state_file}; starting from scratch")
    model = torch.nn.parallel.DistributedDataParallel(net) if world > 1 else net
    per_rank = max(1, hp["batch_size"] // world)
    gen = torch.Generator().manual_seed(hp["seed"] * 1000 + rank + 7919 * step)
    train_t = torch.from_numpy(train_idx)
    lr_decay = math.log(hp["lr_final"] / hp["lr"])
    t_last, step_last = time.perf_counter(), step
    metrics: dict[str, float] = {}
    net.train()
    while step < hp["steps"]:
        for g in opt.param_groups:
            g["lr"] = g["scale"] * hp["lr"] * math.exp(lr_decay * step / max(hp["steps"], 1))
        b = train_t[torch.randint(len(train_t), (per_rank,), generator=gen)]
        x = (feats[b].float() - config["feat_mean"]) / config["feat_std"]
        beta = min(1.0, step / max(hp["warmup_steps"], 1))
        x_hat, mu, logvar, params = model(x, pidx[b], with_vibrato=True,
                                          vib_in=None if tracks is None else tracks["params"][b])
        loss, mse, kl = vae_loss(x, x_hat, mu, logvar, beta=beta, hp=hp, config=config)
        vib = None
        if params is not None and tracks is not None and hp.get("vibrato_weight"):
            vib = vibrato_loss(params, tracks["params"][b])
            loss = loss + hp["vibrato_weight"] * vib
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        opt.step()
        step += 1
        if step % hp["log_every"] == 0 or step == hp["steps"]:
            now = time.perf_counter()
            rate = (step - step_last) / max(now - t_last, 1e-9)
            t_last, step_last = now, step
            eta = (hp["steps"] - step) / max(rate, 1e-9)
            log(f"{_progress(step, hp['steps'])} step {step}/{hp['steps']} loss {loss.item():.1f} "
                f"mse {mse.item():.4f} kl {kl.item():.1f}"
                + (f" vib {vib.item():.3f}" if vib is not None else "")
                + f" beta {beta:.2f} {rate:.2f} step/s eta {eta / 60:.1f} min")
        if step % hp["val_every"] == 0 or step == hp["steps"]:
            if rank == 0:
                val_tracks = None if tracks is None else {k: v[val_idx] for k, v in tracks.items()}
                metrics = validate(net, feats[val_idx], pidx[val_idx], config=config, hp=hp, tracks=val_tracks)
                log("validation " + " ".join(f"{k} {v:.4g}" for k, v in metrics.items()))
                elapsed = time.time() - started
                _save(out, net, config, hp, step, elapsed, metrics, args, final=False)
                tmp = state_file.with_suffix(".tmp")
                torch.save({"model": net.state_dict(), "opt": opt.state_dict(), "step": step, "elapsed": elapsed},
                           tmp)
                os.replace(tmp, state_file)
            _barrier()
    if rank == 0:
        elapsed = time.time() - started
        card = _save(out, net, config, hp, step, elapsed, metrics, args, final=True, smoke=smoke)
        log(f"done: {step} steps in {elapsed / 60:.1f} min -> {out}.pt, {out}.config.json, {out}.md")
        if card.get("eval"):
            log("eval " + json.dumps(card["eval"]))
    _barrier()
    if dist.is_initialized():
        dist.destroy_process_group()


def _save(out: Path, net, config, hp, step, elapsed, metrics, args, *, final: bool, smoke: bool = False) -> dict:
    """Write the weights + card (and, at the end, the slider analysis, eval and the Markdown card)."""
    card: dict[str, Any] = {
        "family": FAMILY,
        "name": out.name,
        "data": str(args.data),
        "dataset_seed": dataset_seed(Path(args.data)),
        "steps": step,
        "train_minutes": round(elapsed / 60, 1),
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()} CPU, torch {torch.__version__}",
        "validation": metrics,
        "final": final,
    }
    save_checkpoint(f"{out}.pt", family=FAMILY, config=config, state=net.state_dict(), card=card)
    if not final:
        return card
    from explorer.models.vae import evaluation as vae_eval

    model = VAEModel(build_model(config), card=card)
    model.net.load_state_dict(net.state_dict())
    data_dir = Path(args.data)
    card["sliders"] = vae_eval.slider_analysis(model, data=data_dir, quick=smoke)
    if not smoke:
        card["eval"] = vae_eval.evaluate(model, data=data_dir, quick=False)
    save_checkpoint(f"{out}.pt", family=FAMILY, config=config, state=net.state_dict(), card=card)
    Path(f"{out}.config.json").write_text(json.dumps(config, indent=1) + "\n")
    Path(f"{out}.md").write_text(vae_eval.card_markdown(card, config))
    return card


if __name__ == "__main__":  # pragma: no cover - use python -m explorer train vae
    sys.exit("use: python -m explorer train vae --data DIR --out checkpoints/NAME")
