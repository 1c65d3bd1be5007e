"""Training the pitch-conditioned VAE: ``python -m explorer train vae --data DIR --out checkpoints/NAME``.

- Features of the whole dataset are computed once (log|STFT|, float16 in RAM, in the shared
  feature cache, see :mod:`explorer.training`), so a step is only the network: large batches
  on a few CPU threads.
- Loss: lambda * MSE(standardised log|S|) + mu * mean |log-mel error| (dB, what eval scores)
  + beta * sum_d max(KL_d, free_bits), with beta warmed up from 0 (against posterior collapse:
  every latent dimension keeps >= free_bits nats); and, so that a code keeps its instrument
  across the keyboard, each code decoded at a random other pitch must read back as itself
  (``recode_weight``) and keep its note's family for a small judge trained beside it
  (``family_weight``, :mod:`explorer.models.vae.timbre_judge`).
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
import json
import math
import platform
import sys
import time
from pathlib import Path
from typing import Any

import torch

from explorer import training as scaffold
from explorer.audio import features
from explorer.errors import CheckpointError
from explorer.models.checkpoint import load_checkpoint, save_checkpoint
from explorer.outputs import write_text
from explorer.models.vae import evaluation as vae_eval
from explorer.models.vae.data import VAL_MOD, dataset_features, pitch_tracks, split
from explorer.models.vae.model import VAEModel
from explorer.models.vae.networks import DEFAULT_CONFIG, FAMILY, TINY_CONFIG, build_model, pitch_index, velocity_input
from explorer.models.conditioning import velocity_of_input
from explorer.models.vae.prior import KEYS as PRIOR_KEYS, LatentPrior, fit_prior
from explorer.models.vae.timbre_judge import TimbreJudge, family_labels, judge_step, judged_loss
from explorer.models.vae.vibrato import pitch_track

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
    "recode_weight": 30.0,  # a code decoded at another pitch reads back as itself (squared error, summed over dims)
    "family_weight": 100.0,  # ... and keeps its note's family for the timbre judge (cross-entropy)
    "judge_warmup": 300,  # steps the judge learns before the decoder is judged (then ramped in over as many)
    "judge_lr": 1e-3,
    "log_every": 20,
    "val_every": 500,
    "val_mod": VAL_MOD,  # held-out notes: a fixed random 1/20 (see data.split)
    "seed": 0,
    "threads": 1,  # on a few shared cores, 2 intra-op threads were 2-10x slower per step
}
#: With --init: a gentler learning rate, no KL warm-up (the code is already organised) and a
#: lighter KL weight (more detail in the code, so closer reconstructions).
FINETUNE: dict[str, Any] = {"steps": 3000, "lr": 4e-4, "lr_final": 4e-5, "beta": 0.1, "warmup_steps": 0}
SMOKE: dict[str, Any] = {**TRAIN, "steps": 6, "batch_size": 8, "log_every": 2, "val_every": 3, "warmup_steps": 3,
                         "judge_warmup": 2}


# --------------------------------------------------------------------------------------------
# loss


def mel_db(x: torch.Tensor, *, config: dict[str, Any], top: torch.Tensor | None = None):
    """Standardised log|S| [B x 513 x T] -> (log-mel power dB [B x 128 x T] floored at 80 dB below
    each note's loudest band, that top [B]): the representation ``eval``'s recon_db is measured in."""
    power = torch.exp(2.0 * (x * config["feat_std"] + config["feat_mean"]))  # |S|^2
    return features.mel_db(power, sr=config["sr"], n_fft=config["n_fft"], n_mels=vae_eval.N_MELS,
                           top_db=vae_eval.FLOOR_DB, top=top)


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
# training


@torch.no_grad()
def validate(net, feats: torch.Tensor, pidx: torch.Tensor, *, config: dict[str, Any], hp: dict[str, Any],
             tracks: dict[str, torch.Tensor] | None = None, vel: torch.Tensor | None = None,
             batch: int = 128) -> dict[str, float]:
    """Held-out figures with the posterior mean: mse, dB error of log|S| (mean abs), KL, active
    units, and with ``tracks`` the vibrato head's confidence-weighted RMS error against the
    measured tracks, cents."""
    net.eval()
    mses, errs, mels, kls, mus, vib = [], [], [], [], [], []
    for i in range(0, len(feats), batch):
        x = (feats[i : i + batch].float() - config["feat_mean"]) / config["feat_std"]
        x_hat, mu, logvar, params = net(x, pidx[i : i + batch], sample=False, with_vibrato=True,
                                        vib_in=None if tracks is None else tracks["params"][i : i + batch],
                                        vel=None if vel is None else vel[i : i + batch])
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
              "velocity", "feat_mean", "feat_std", "gl_iters", "log_eps")


def _init_from(name, config: dict[str, Any], *, log=print):
    """Fine-tuning: the network of checkpoint ``name`` (a name in checkpoints/ or a path), with
    this version's newer options (absent from its config) added in their neutral start state.

    Returns (net, config). A checkpoint that is not a VAE or whose weights do not fit is a
    :class:`explorer.errors.CheckpointError`.
    """
    from explorer.models.registry import checkpoint_path  # here: the registry imports every family

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
    # a learned prior belongs to the old code space: it is fitted again at the end of training
    weights = {k: v for k, v in ckpt["state"].items() if k not in PRIOR_KEYS}
    try:
        missing, unexpected = net.load_state_dict(weights, strict=False)
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
    rank, world = scaffold.setup_distributed()
    log = (lambda msg: print(f"[vae] {msg}", flush=True)) if rank == 0 else (lambda msg: None)
    smoke = bool(getattr(args, "smoke_test", False))
    hp = dict(SMOKE if smoke else TRAIN)
    if getattr(args, "init", None) and not smoke:
        hp.update(FINETUNE)
    if getattr(args, "steps", None) is not None:  # 0 (with --init): only the prior is fitted again
        hp["steps"] = int(args.steps)
    threads = scaffold.set_threads("VAE_THREADS", hp["threads"] if world == 1 else 1)
    config = dict(TINY_CONFIG if smoke else DEFAULT_CONFIG)
    out = scaffold.out_stem(args.out)
    started = time.time()

    max_items = 32 if smoke else getattr(args, "max_notes", None)
    data = dataset_features(Path(args.data), config=config, max_items=max_items, collective=True, log=log)
    train_idx, val_idx = split(len(data["pitch"]), hp["val_mod"])
    feats = torch.from_numpy(data["feats"])  # float16 [N x 513 x T]
    pidx = pitch_index(data["pitch"], config=config)
    # notes of unknown velocity (a folder of sounds) get the default one
    vel = velocity_input(data["velocity"], len(pidx)) if config.get("velocity") and "velocity" in data else None
    labels, family_names = family_labels(data["family"]) if "family" in data else (None, [])
    elsewhere = bool(hp.get("recode_weight") or hp.get("family_weight"))
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
        measured = pitch_tracks(Path(args.data), data["feats"], config=config, max_items=max_items,
                                collective=True, log=log)
        tracks = {k: torch.from_numpy(v) for k, v in measured.items()}
    # the vibrato numbers start from zero and must grow to tens of cents; at the shared learning
    # rate Adam's bounded steps would take thousands of steps to get there
    vib_names = ("decoder.vib.", "encoder.vib_in.")
    groups = [{"params": [p for n, p in net.named_parameters() if not n.startswith(vib_names)], "scale": 1.0},
              {"params": [p for n, p in net.named_parameters() if n.startswith(vib_names)],
               "scale": hp.get("vibrato_lr_scale", 1.0)}]
    opt = torch.optim.Adam([g for g in groups if g["params"]], lr=hp["lr"])
    judge = TimbreJudge(len(family_names)) if hp.get("family_weight") and len(family_names) > 1 else None
    judge_opt = torch.optim.Adam(judge.parameters(), lr=hp["judge_lr"]) if judge is not None else None
    step = 0
    state_file = _state_path(out)
    if getattr(args, "resume", False) and state_file.exists():
        state = scaffold.load_state(state_file)
        net.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        if judge is not None and "judge" in state:
            judge.load_state_dict(state["judge"])
            judge_opt.load_state_dict(state["judge_opt"])
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
    progress = scaffold.Progress(hp["steps"], start=step)
    metrics: dict[str, float] = {}
    net.train()
    while step < hp["steps"]:
        for g in opt.param_groups:
            g["lr"] = g["scale"] * hp["lr"] * math.exp(lr_decay * step / max(hp["steps"], 1))
        b = train_t[torch.randint(len(train_t), (per_rank,), generator=gen)]
        x = (feats[b].float() - config["feat_mean"]) / config["feat_std"]
        beta = min(1.0, step / max(hp["warmup_steps"], 1))
        other = pitch_index(torch.randint(config["pitch_min"], config["pitch_max"] + 1, (per_rank,), generator=gen),
                            config=config) if elsewhere else None
        out_ = model(x, pidx[b], with_vibrato=True, vib_in=None if tracks is None else tracks["params"][b],
                     vel=None if vel is None else vel[b], other_pidx=other)
        x_hat, mu, logvar, params = out_[:4]
        loss, mse, kl = vae_loss(x, x_hat, mu, logvar, beta=beta, hp=hp, config=config)
        vib = None
        if params is not None and tracks is not None and hp.get("vibrato_weight"):
            vib = vibrato_loss(params, tracks["params"][b])
            loss = loss + hp["vibrato_weight"] * vib
        figures = ""
        if elsewhere:
            x_other, mu_other = out_[4]
            recode = (mu_other - mu.detach()).pow(2).sum(1).mean()
            loss = loss + hp.get("recode_weight", 0.0) * recode
            figures += f" recode {recode.item():.2f}"
            if judge is not None:
                figures += f" judge {judge_step(judge, judge_opt, x, labels[b], world=world):.2f}"
                ramp = min(1.0, max(0.0, (step - hp["judge_warmup"]) / max(hp["judge_warmup"], 1)))
                kept = judged_loss(judge, x_other, labels[b])
                loss = loss + ramp * hp["family_weight"] * kept
                figures += f" family {kept.item():.2f}"
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        opt.step()
        step += 1
        if step % hp["log_every"] == 0 or step == hp["steps"]:
            log(progress.line(step, f"loss {loss.item():.1f} mse {mse.item():.4f} kl {kl.item():.1f}"
                              + (f" vib {vib.item():.3f}" if vib is not None else "") + figures
                              + f" beta {beta:.2f}"))
        if step % hp["val_every"] == 0 or step == hp["steps"]:
            if rank == 0:
                val_tracks = None if tracks is None else {k: v[val_idx] for k, v in tracks.items()}
                metrics = validate(net, feats[val_idx], pidx[val_idx], config=config, hp=hp, tracks=val_tracks,
                                   vel=None if vel is None else vel[val_idx])
                log("validation " + " ".join(f"{k} {v:.4g}" for k, v in metrics.items()))
                elapsed = time.time() - started
                _save(out, net, config, hp, step, elapsed, metrics, args, final=False)
                scaffold.save_state(state_file, {"model": net.state_dict(), "opt": opt.state_dict(), "step": step,
                                                 "elapsed": elapsed,
                                                 **({"judge": judge.state_dict(), "judge_opt": judge_opt.state_dict()}
                                                    if judge is not None else {})})
            scaffold.barrier()
    if rank == 0:
        elapsed = time.time() - started
        if not metrics:  # no step was trained (--steps 0): the card still gives the held-out error
            metrics = validate(net, feats[val_idx], pidx[val_idx], config=config, hp=hp,
                               tracks=None if tracks is None else {k: v[val_idx] for k, v in tracks.items()},
                               vel=None if vel is None else vel[val_idx])
        prior = learned_prior(net, feats, pidx, vel, train_idx, config=config, smoke=smoke, log=log)
        card = _save(out, net, config, hp, step, elapsed, metrics, args, final=True, smoke=smoke, prior=prior)
        log(f"done: {step} steps in {elapsed / 60:.1f} min -> {out}.pt, {out}.config.json, {out}.md")
        if card.get("eval"):
            log("eval " + json.dumps(card["eval"]))
    scaffold.finish_distributed()


def learned_prior(net, feats: torch.Tensor, pidx: torch.Tensor, vel: torch.Tensor | None, idx, *,
                  config: dict[str, Any], smoke: bool = False, max_notes: int = 8000, batch: int = 128,
                  log=print) -> LatentPrior:
    """The mixture prior fitted to the posterior of (up to ``max_notes``, spread evenly) training notes,
    jointly with each note's pitch (and velocity, for a model conditioned on it)."""
    idx = torch.as_tensor(idx)[torch.linspace(0, len(idx) - 1, min(len(idx), max_notes)).long()]
    mus, logvars = [], []
    net.eval()
    with torch.no_grad():
        for i in range(0, len(idx), batch):
            b = idx[i : i + batch]
            x = (feats[b].float() - config["feat_mean"]) / config["feat_std"]
            mu, logvar = net.encode(x, pidx[b], vel=None if vel is None else vel[b])
            mus.append(mu)
            logvars.append(logvar)
    net.train()
    t0 = time.perf_counter()
    # a condition that never varies (one pitch, a folder of sounds without velocities) says nothing
    playing = [(pidx[idx] + config["pitch_min"]).double()]
    if vel is not None:
        playing.append(velocity_of_input(vel[idx]))
    playing = playing[:1] if len(playing) > 1 and playing[1].std() == 0 else playing
    playing = [] if playing[0].std() == 0 else playing
    prior = fit_prior(torch.cat(mus).numpy(), torch.cat(logvars).numpy(),
                      condition=torch.stack(playing, 1).numpy() if playing else None, n_components=2 if smoke else 12)
    log(f"prior: {len(prior.weights)}-component mixture fitted to {len(idx)} training codes"
        + ("" if not playing else " and their pitch" + (" and velocity" if len(playing) > 1 else ""))
        + f" in {time.perf_counter() - t0:.1f} s")
    return prior


def _save(out: Path, net, config, hp, step, elapsed, metrics, args, *, final: bool, smoke: bool = False,
          prior: LatentPrior | None = None) -> dict:
    """Write the weights + card (and, at the end, the slider analysis, eval and the Markdown card)."""
    card: dict[str, Any] = {
        "family": FAMILY,
        "name": out.name,
        "data": str(args.data),
        "dataset_seed": scaffold.dataset_seed(Path(args.data)),
        "steps": step,
        "train_minutes": round(elapsed / 60, 1),
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()} CPU, torch {torch.__version__}",
        "validation": metrics,
        "final": final,
    }
    state = {**net.state_dict(), **(prior.state() if prior is not None else {})}
    save_checkpoint(f"{out}.pt", family=FAMILY, config=config, state=state, card=card)
    if not final:
        return card
    model = VAEModel(build_model(config), card=card, prior=prior)
    model.net.load_state_dict(net.state_dict())
    data_dir = Path(args.data)
    card["sliders"] = vae_eval.slider_analysis(model, data=data_dir, quick=smoke)
    if not smoke:
        card["eval"] = vae_eval.evaluate(model, data=data_dir, quick=False)
    save_checkpoint(f"{out}.pt", family=FAMILY, config=config, state=state, card=card)
    write_text(f"{out}.config.json", json.dumps(config, indent=1) + "\n")
    write_text(f"{out}.md", vae_eval.card_markdown(card, config))
    return card


if __name__ == "__main__":  # pragma: no cover - use python -m explorer train vae
    sys.exit("use: python -m explorer train vae --data DIR --out checkpoints/NAME")
