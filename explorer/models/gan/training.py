"""Training the GAN: ``python -m explorer train gan --data DIR --out checkpoints/NAME``.

Hinge loss with spectral norm in D, a pitch projection term plus an auxiliary pitch classifier
(AC-GAN, as GANSynth; its generator-side weight kept small), a mode-seeking term (MSGAN: two z's
at one pitch should give different log-magnitudes) against mode collapse, Adam with beta1 = 0, an
exponential moving average (EMA) of the generator weights, which is what is shipped. Dataset
features are computed once, kept in RAM and in the shared feature cache (:mod:`explorer.training`).

Files written (OUT is ``--out`` without extension):

- ``OUT.pt``: the shipped checkpoint (EMA generator + principal directions + card), rewritten at
  every save, so the newest usable model is always there;
- ``OUT.config.json``: the config and training arguments, beside the weights;
- ``OUT.train.pt``: the full training state (G, D, EMA, optimisers, step) for ``--resume``
  (in ``runs/`` instead when OUT is in the shipped ``checkpoints/`` folder);
- ``runs/NAME_samples/step_NNNNNN/``: a dozen WAVs across pitches and a rainbowgram sheet (PNG).

Distributed: ``torchrun --nproc_per_node=2 -m explorer train gan ...`` (gloo on CPU); every rank
draws its own batches, gradients are averaged, rank 0 logs and writes files.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel as DDP

from explorer import training as scaffold
from explorer.audio.constants import PITCH_MIN, SR
from explorer.errors import CheckpointError, ParameterError
from explorer.models.checkpoint import save_checkpoint
from explorer.outputs import write_text
from explorer.models.conditioning import velocity_input
from explorer.models.gan.codec import LOG_FLOOR, SpectralCodec
from explorer.models.gan.directions import direction_report
from explorer.models.gan.model import FAMILY, Directions, GANModel, directions_state
from explorer.models.gan.networks import (DEFAULT_CONFIG, N_PITCH, TINY_CONFIG, Generator, build_discriminator,
                                          build_model)
from explorer.paths import CHECKPOINT_DIR, RUNS_DIR

RUNS = RUNS_DIR

TRAIN_DEFAULTS: dict[str, Any] = {
    "steps": 5500,
    "batch_size": 16,
    "lr_g": 2e-4,
    "lr_d": 2e-4,
    "betas": [0.0, 0.99],
    "ac_weight_d": 1.0,  # auxiliary pitch classifier on real notes (shapes D's features)
    "ac_weight_g": 0.2,  # ... and on generated ones: kept small, AC-GAN alone trades diversity for pitch
    "ac_weight_g_late": 1.0,  # ... then raised, once diversity is there, to sharpen pitch
    "ac_late_frac": 0.73,  # ... from this fraction of the run on (step 4000 of the synthetic model's 5500)
    "ms_weight": 1.0,  # mode seeking (MSGAN): different z at one pitch must give different notes
    "ema_decay": 0.999,
    "seed": 0,
    "log_every": 50,
    "save_every": 500,
    "n_directions": 10,
    "vel_weight_d": 1.0,  # velocity regression on real notes (velocity models only)
    "vel_weight_g": 1.0,  # ... and on generated ones: a louder velocity must sound louder and brighter
    # energy after note-off: a generated note whose last RELEASE_FRAMES are within release_margin_db
    # of its loudest frame is pushed down (the listener test's "never releases" is 20 dB)
    "release_weight": 1.0,
    "release_margin_db": 25.0,
}
#: The listener test's release tail (0.2 s) in feature frames (32 ms apart).
RELEASE_FRAMES = 7
SMOKE = {"steps": 3, "batch_size": 4, "log_every": 1, "save_every": 2, "max_items": 24, "n_directions": 4}
SAMPLE_PITCHES = [28, 40, 52, 60, 72, 84]  # for each of two timbres: a dozen notes


# ---------------------------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------------------------


def load_features(data: Path, codec: SpectralCodec, *, max_items: int | None = None,
                  cache: bool = True, log=print) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, dict[str, Any]]:
    """Every usable note of ``data`` (its train split) as features, once (in the shared feature
    cache, see :mod:`explorer.training`): (float16 [N x 2 x M x T], pitch index [N], MIDI
    velocity [N] (-1: unknown), info)."""

    def compute() -> dict[str, np.ndarray]:
        notes = scaffold.load_notes(data, max_items=max_items)
        audio = torch.from_numpy(notes["audio"])
        feats = torch.cat([codec.encode(audio[i : i + 256]).half() for i in range(0, len(audio), 256)])
        return {"feats": feats.numpy(), "pitch": notes["pitch"], "velocity": notes["velocity"],
                "skipped": np.array(notes["skipped"])}

    arrays = scaffold.cached_arrays("gan", data, (max_items, f"{codec.n_mels}x{codec.n_frames}", "velocity"), compute,
                                    use_cache=cache, collective=True, log=log)
    info: dict[str, Any] = {"data": str(data), "notes": int(len(arrays["pitch"])), "skipped": int(arrays["skipped"])}
    card = scaffold.read_dataset_card(data)
    if card:
        info["dataset_seed"] = card.get("seed", (card.get("config") or {}).get("seed"))
        info["dataset_format"] = card.get("format")
    return (torch.from_numpy(arrays["feats"]), torch.from_numpy(arrays["pitch"] - PITCH_MIN).long(),
            torch.from_numpy(arrays["velocity"]).long(), info)


def frame_level_db(feats: torch.Tensor) -> torch.Tensor:
    """Level of each frame of (log-magnitude, IF) features [B x 2 x M x T]: dB of the summed band
    power, [B x T] (differentiable; the codec's 80 dB log-magnitude scale)."""
    ln_amp = (feats[:, 0] - 1.0) * math.log(1.0 / LOG_FLOOR) / 2.0  # ln a, [B x M x T]
    return (10.0 / math.log(10.0)) * torch.logsumexp(2.0 * ln_amp, dim=1)


def release_penalty(feats: torch.Tensor, *, margin_db: float, frames: int = RELEASE_FRAMES) -> torch.Tensor:
    """Mean hinge, in units of ``margin_db``, on notes whose last ``frames`` come within
    ``margin_db`` of their loudest frame: 0 for a note that has released, [] scalar."""
    level = frame_level_db(feats)
    tail = level[:, -frames:].max(dim=1).values
    return F.relu(tail - level.max(dim=1).values + margin_db).mean() / margin_db


# ---------------------------------------------------------------------------------------------
# principal directions (GANSpace)
# ---------------------------------------------------------------------------------------------


@torch.no_grad()
def principal_directions(generator: Generator, *, n: int = 2000, k: int = 10, layer: int = 1,
                         seed: int = 0) -> Directions:
    """GANSpace: PCA of the activations after generator block ``layer`` for ``n`` random (z, pitch),
    carried back to z by least-squares regression of z on the PCA coordinates.

    Returns unit directions in z [k x latent_dim], each with the z-space standard deviation of its
    component (so a slider of 1 moves one typical step) and its share of activation variance.
    """
    from sklearn.decomposition import PCA

    g = torch.Generator().manual_seed(seed)
    z = torch.randn(n, generator.latent_dim, generator=g)
    pitch = torch.randint(0, N_PITCH, (n,), generator=g)
    acts = torch.cat([generator.features(z[i : i + 250], pitch[i : i + 250], layer).flatten(1)
                      for i in range(0, n, 250)]).numpy()
    # remove what pitch alone explains, so the directions are about timbre
    means = np.zeros((N_PITCH, acts.shape[1]), np.float32)
    for p in range(N_PITCH):
        sel = pitch.numpy() == p
        if sel.any():
            means[p] = acts[sel].mean(0)
    acts = acts - means[pitch.numpy()]
    k = min(k, n - 1, acts.shape[1])
    pca = PCA(n_components=k, svd_solver="randomized", random_state=seed).fit(acts)
    coords = pca.transform(acts)  # [n x k]
    coords = coords / coords.std(axis=0, keepdims=True)
    u, *_ = np.linalg.lstsq(coords, z.numpy(), rcond=None)  # [k x latent_dim]: z-shift per std of component
    stdev = np.linalg.norm(u, axis=1)
    return Directions(vectors=(u / stdev[:, None]).astype(np.float32), stdev=stdev.astype(np.float32),
                          explained=pca.explained_variance_ratio_.astype(np.float32))


# ---------------------------------------------------------------------------------------------
# samples to look at and listen to
# ---------------------------------------------------------------------------------------------


@torch.no_grad()
def dump_samples(generator: Generator, codec: SpectralCodec, out_dir: Path, *, seed: int = 7) -> Path:
    """A dozen notes across pitches (two timbres) as WAVs plus one rainbowgram sheet PNG."""
    from PIL import Image

    from explorer.audio import make_safe, rainbowgram, write_audio

    out_dir.mkdir(parents=True, exist_ok=True)
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(2, generator.latent_dim, generator=g).repeat_interleave(len(SAMPLE_PITCHES), 0)
    pitch = torch.tensor(SAMPLE_PITCHES * 2) - PITCH_MIN
    was_training = generator.training
    generator.eval()
    y = codec.decode(generator(z, pitch)).numpy()
    generator.train(was_training)
    tiles = []
    for i, p in enumerate(SAMPLE_PITCHES * 2):
        safe = make_safe(y[i], sr=SR)
        write_audio(out_dir / f"{i:02d}_z{i // len(SAMPLE_PITCHES)}_p{p}.wav", safe, sr=SR)
        img = rainbowgram(safe, sr=SR).image[::-1]  # low frequencies at the bottom
        tiles.append(img[::2])  # 257 x 129
    rows = [np.concatenate(tiles[r * len(SAMPLE_PITCHES) : (r + 1) * len(SAMPLE_PITCHES)], axis=1) for r in range(2)]
    sheet = np.concatenate(rows, axis=0)
    Image.fromarray(sheet).save(out_dir / "rainbowgrams.png")
    return out_dir


# ---------------------------------------------------------------------------------------------
# training
# ---------------------------------------------------------------------------------------------


def _paths(out: Path) -> dict[str, Path]:
    out = scaffold.out_stem(out)
    # the shipped checkpoints folder stays free of the (large) training state: that goes to runs/
    state_dir = RUNS if out.parent.resolve() == CHECKPOINT_DIR.resolve() else out.parent
    return {"model": out.with_suffix(".pt"), "config": Path(f"{out}.config.json"),
            "state": state_dir / f"{out.name}.train.pt", "name": out}


def export(path: Path, ema: Generator, config: dict[str, Any], card: dict[str, Any], *,
           n_directions: int) -> Directions:
    """Write the shipped checkpoint: EMA generator weights, principal directions (with their share
    of variance and audible effect in the card), card."""
    directions = principal_directions(ema, k=n_directions, n=2000 if n_directions >= 8 else 200)
    codec = SpectralCodec(config["n_mels"], config["n_frames"])
    report = direction_report(GANModel(ema, codec, config, directions), n=24 if n_directions >= 8 else 2)
    card = {**card, "directions_explained": [round(float(v), 4) for v in directions.explained],
            "directions_effect_db": [r["effect_db"] for r in report],
            "directions_label": [r["label"] for r in report], "directions_moves": [r["moves"] for r in report]}
    state = {f"generator.{k}": v for k, v in ema.state_dict().items()}
    state.update(directions_state(directions))
    save_checkpoint(path, family=FAMILY, config=config, state=state, card=card)
    return directions


def train(data: Path, out: Path, *, steps: int | None = None, smoke_test: bool = False, resume: bool = False,
          overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Train (or resume) a GAN; returns the card of the written checkpoint."""
    rank, world = scaffold.setup_distributed()
    scaffold.set_threads("GAN_TRAIN_THREADS", 1)
    paths = _paths(out)
    hp = {**TRAIN_DEFAULTS, **(SMOKE if smoke_test else {}), **(overrides or {})}
    if steps is not None:
        hp["steps"] = int(steps)
    # new runs are velocity-conditioned (notes of unknown velocity get the default one)
    config = {**(TINY_CONFIG if smoke_test else DEFAULT_CONFIG), "velocity": True}
    start_step, state = 0, None
    if resume:
        if not paths["state"].exists():
            raise CheckpointError(f"nothing to resume: {paths['state']} not found")
        state = scaffold.load_state(paths["state"])
        config = json.loads(state["config"])
        hp.update(json.loads(state["hp"]))
        if steps is not None:
            hp["steps"] = int(steps)
        start_step = int(state["step"])

    torch.manual_seed(hp["seed"])
    generator, codec = build_model(config)
    disc = build_discriminator(config)
    ema = copy.deepcopy(generator).eval()
    for p in ema.parameters():
        p.requires_grad_(False)
    opt_g = torch.optim.Adam(generator.parameters(), lr=hp["lr_g"], betas=tuple(hp["betas"]))
    opt_d = torch.optim.Adam(disc.parameters(), lr=hp["lr_d"], betas=tuple(hp["betas"]))
    if state is not None:
        generator.load_state_dict(state["generator"])
        disc.load_state_dict(state["discriminator"])
        ema.load_state_dict(state["ema"])
        opt_g.load_state_dict(state["opt_g"])
        opt_d.load_state_dict(state["opt_d"])
    spent_s = float(state["train_seconds"]) if state is not None else 0.0

    t_load = time.perf_counter()
    feats, pitch, velocity, info = load_features(Path(data), codec, max_items=hp.get("max_items"), cache=not smoke_test,
                                       log=print if rank == 0 else (lambda msg: None))
    if rank == 0:
        print(f"data: {info['notes']} notes -> features {tuple(feats.shape)} in {time.perf_counter() - t_load:.0f} s; "
              f"G {sum(p.numel() for p in generator.parameters()) / 1e6:.2f} M params, "
              f"D {sum(p.numel() for p in disc.parameters()) / 1e6:.2f} M; world {world}", flush=True)
        paths["config"].parent.mkdir(parents=True, exist_ok=True)
        write_text(paths["config"], json.dumps({"family": "gan", "config": config, "train": hp, "data": info}, indent=2))

    g_model: torch.nn.Module = DDP(generator) if world > 1 else generator
    d_model: torch.nn.Module = DDP(disc) if world > 1 else disc
    batch = int(hp["batch_size"])
    n = len(feats)
    sample_dir = (paths["model"].parent if smoke_test else RUNS) / f"{paths['name'].name}_samples"
    t0 = time.perf_counter()
    stats: dict[str, float] = {}
    step = start_step
    progress = scaffold.Progress(hp["steps"], start=step)

    def save(final: bool = False) -> dict[str, Any]:
        train_seconds = spent_s + time.perf_counter() - t0
        scaffold.save_state(paths["state"], {
            "step": step, "config": json.dumps(config), "hp": json.dumps(hp), "train_seconds": train_seconds,
            "generator": generator.state_dict(), "discriminator": disc.state_dict(), "ema": ema.state_dict(),
            "opt_g": opt_g.state_dict(), "opt_d": opt_d.state_dict(),
        })
        card = {
            "family": "gan", "name": paths["name"].name, "steps": step, "batch_size": batch * world,
            "train_seconds": round(train_seconds, 1), "threads_per_rank": torch.get_num_threads(), "world_size": world,
            "data": info, "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "machine": platform.machine(), "torch": str(torch.__version__), "final": final,
            "losses": {k: round(v, 4) for k, v in stats.items()},
        }
        export(paths["model"], ema, config, card, n_directions=int(hp["n_directions"]))
        return card

    card: dict[str, Any] = {}
    zero = torch.zeros(())
    gen_rng = torch.Generator().manual_seed(hp["seed"] * 1000 + rank)
    while step < hp["steps"]:
        gen_rng.manual_seed(hp["seed"] * 1_000_003 + step * 7919 + rank)  # resumable: batches depend on the step
        idx = torch.randint(0, n, (batch,), generator=gen_rng)
        real = feats[idx].float()
        p_idx = pitch[idx]
        vel = velocity_input(velocity[idx].numpy(), batch) if generator.velocity else None
        z = torch.randn(batch, generator.latent_dim, generator=gen_rng)

        # ---- discriminator: hinge + projection, auxiliary pitch classifier on real notes
        with torch.no_grad():
            fake = g_model(z, p_idx, vel)
        vel2 = None if vel is None else torch.cat([vel, vel])
        scores, logits, vel_hat = d_model(torch.cat([real, fake]), torch.cat([p_idx, p_idx]), vel2)
        s_real, s_fake = scores[:batch], scores[batch:]
        d_loss = F.relu(1 - s_real).mean() + F.relu(1 + s_fake).mean()
        ac_real = F.cross_entropy(logits[:batch], p_idx)
        vel_real = zero if vel is None else F.mse_loss(vel_hat[:batch], vel[:, 0])
        opt_d.zero_grad(set_to_none=True)
        (d_loss + hp["ac_weight_d"] * ac_real + hp["vel_weight_d"] * vel_real).backward()
        opt_d.step()

        # ---- generator: fool D, keep the pitch recognisable, and keep z meaningful: pairs of
        # z at one pitch (the batch's first half of pitches, twice) should differ (MSGAN)
        half = batch // 2
        p_g = torch.cat([p_idx[:half], p_idx[:half]])
        vel_g = None if vel is None else torch.cat([vel[:half], vel[:half]])
        fake = g_model(z, p_g, vel_g)
        s_fake_g, logits_g, vel_hat_g = disc(fake, p_g, vel_g)  # plain module: no gradient all-reduce for D here
        g_adv = -s_fake_g.mean()
        ac_fake = F.cross_entropy(logits_g, p_g)
        vel_fake = zero if vel_g is None else F.mse_loss(vel_hat_g, vel_g[:, 0])
        release = release_penalty(fake, margin_db=hp["release_margin_db"])
        spread = (fake[:half, 0] - fake[half:, 0]).abs().mean() / (z[:half] - z[half:]).abs().mean()
        ms = 1.0 / (spread + 1e-5)
        opt_g.zero_grad(set_to_none=True)
        late = step >= hp.get("ac_late_step", hp.get("ac_late_frac", 1.0) * hp["steps"])
        ac_g = hp.get("ac_weight_g_late", hp["ac_weight_g"]) if late else hp["ac_weight_g"]
        (g_adv + ac_g * ac_fake + hp["ms_weight"] * ms + hp["vel_weight_g"] * vel_fake
         + hp["release_weight"] * release).backward()
        opt_g.step()
        disc.zero_grad(set_to_none=True)

        with torch.no_grad():
            decay = min(hp["ema_decay"], (1 + step) / (10 + step))
            for pe, pg in zip(ema.parameters(), generator.parameters()):
                pe.lerp_(pg, 1 - decay)
            for be, bg in zip(ema.buffers(), generator.buffers()):
                be.copy_(bg)
        step += 1

        for k, v in (("d", d_loss), ("g", g_adv), ("ac_real", ac_real), ("ac_fake", ac_fake),
                     ("d_real", s_real.mean()), ("d_fake", s_fake.mean()), ("spread", spread),
                     ("vel_real", vel_real), ("vel_fake", vel_fake), ("release", release),
                     ("acc_fake", (logits_g.argmax(1) == p_g).float().mean())):
            v = float(v.detach())
            stats[k] = 0.9 * stats.get(k, v) + 0.1 * v
        if rank == 0 and (step % hp["log_every"] == 0 or step == hp["steps"]):
            print(progress.line(step, " ".join(f"{k} {v:.3f}" for k, v in stats.items())), flush=True)
        if not all(math.isfinite(v) for v in stats.values()):
            raise RuntimeError(f"training diverged at step {step}: {stats}")
        if rank == 0 and (step % hp["save_every"] == 0 or step == hp["steps"]):
            card = save(final=step == hp["steps"])
            where = dump_samples(ema, codec, sample_dir / f"step_{step:06d}")
            print(f"saved {paths['model']} (step {step}); samples in {where}", flush=True)
    if rank == 0 and not card:
        card = save(final=True)
    scaffold.finish_distributed()
    return card


def main(args) -> None:
    """Entry point of ``python -m explorer train gan`` (args: data, out, steps, smoke_test, resume)."""
    data = Path(args.data)
    if not data.is_dir():
        raise ParameterError(f"--data {data}: no such folder")
    card = train(data, Path(args.out), steps=args.steps, smoke_test=args.smoke_test, resume=args.resume)
    if card:
        print(f"done: {card['steps']} steps in {card['train_seconds'] / 60:.1f} min -> {_paths(Path(args.out))['model']}")
    sys.stdout.flush()
