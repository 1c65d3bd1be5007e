"""Training the family classifier on a dataset folder's train split; judged on its test split.

``python -m explorer.evaluation.classifier_training --data DIR --out checkpoints/classifier-gm-v1``

On the soundfont corpus the splits are by instrument, so the card's ``test_accuracy`` is the
accuracy on instruments the classifier never heard. A few minutes on two CPU cores: features are
computed once; each step sees a batch balanced over families, shifted in time by up to 8 frames
and in frequency by up to 2 mel bands, with one band of up to 8 mels masked (SpecAugment-style),
so that it learns the family, not the particular instruments or pitches it was trained on.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch
from torch import nn

from explorer.evaluation import classifier as C
from explorer.evaluation.reference import has_instruments, read_labels, read_note, splits
from explorer.models.checkpoint import MAX_BYTES, save_checkpoint

TRAIN = {"epochs": 10, "batch": 64, "lr": 2e-3, "weight_decay": 1e-4, "seed": 0, "threads": 1,
         "max_time_shift": 8, "max_freq_shift": 2, "max_mask": 8}
SMOKE = {"epochs": 1, "batch": 16}
#: Notes decoded at a time while computing features (bounds memory for big corpora).
CHUNK = 512


def _cache_path(data: Path, split: tuple[str, ...], max_items: int | None) -> Path:
    """Feature cache of a split, in runs/ (never inside the dataset), keyed by its labels file."""
    import hashlib

    from explorer.paths import RUNS_DIR

    labels = Path(data) / "labels.jsonl"
    key = f"{Path(data).resolve()}|{labels.stat().st_mtime_ns}|{split}|{max_items}|{C.N_MELS}|{C.HOP_LENGTH}"
    return RUNS_DIR / "classifier-features" / f"{hashlib.sha1(key.encode()).hexdigest()[:16]}.npz"


def _split_features(data: Path, split: tuple[str, ...], *, max_items: int | None,
                    log) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(features float16 [n x 64 x 129], family str [n], instrument str [n]) of a split (cached)."""
    cache = _cache_path(data, split, max_items)
    if cache.is_file():
        with np.load(cache) as z:
            return z["x"], z["family"], z["instrument"]
    items = read_labels(data)
    idx = np.flatnonzero(np.isin(splits(items), split))
    if max_items is not None and max_items < len(idx):
        idx = idx[np.linspace(0, len(idx) - 1, max_items).astype(int)]
    feats, fams, insts = [], [], []
    for i in range(0, len(idx), CHUNK):
        part = idx[i : i + CHUNK]
        notes = _load_indices(data, items, part)
        feats.append(C.features(notes["audio"]).astype(np.float16))
        fams += notes["family"]
        insts += notes["instrument"]
        log(f"features {'/'.join(split)}: {min(i + CHUNK, len(idx))}/{len(idx)}")
    if not feats:
        return np.zeros((0, C.N_MELS, 129), np.float16), np.array([], str), np.array([], str)
    out = np.concatenate(feats), np.array(fams), np.array(insts)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, x=out[0], family=out[1], instrument=out[2])
    log(f"features cached in {cache}")
    return out


def _load_indices(data: Path, items: list[dict], idx: np.ndarray) -> dict:
    return {"audio": np.stack([read_note(Path(data) / items[i]["file"]) for i in idx]),
            "family": [str(items[i]["family"]) for i in idx],
            "instrument": [str(items[i].get("instrument", "")) for i in idx]}


def _augment(x: torch.Tensor, rng: np.random.Generator, hp: dict) -> torch.Tensor:
    """Random shifts in time (right, padded with the floor) and frequency, and one masked band."""
    out = torch.full_like(x, -1.0)
    B, F, T = x.shape
    for b in range(B):
        dt = int(rng.integers(0, hp["max_time_shift"] + 1))
        df = int(rng.integers(-hp["max_freq_shift"], hp["max_freq_shift"] + 1))
        src = x[b, max(0, -df) : F - max(0, df), : T - dt]
        out[b, max(0, df) : max(0, df) + src.shape[0], dt:] = src
        w = int(rng.integers(0, hp["max_mask"] + 1))
        f0 = int(rng.integers(0, F - w + 1))
        out[b, f0 : f0 + w] = -1.0
    return out


def _predict(net: nn.Module, x: np.ndarray, batch: int = 256) -> np.ndarray:
    net.eval()
    with torch.no_grad():
        return np.concatenate([net(torch.from_numpy(x[i : i + batch].astype(np.float32))).argmax(1).numpy()
                               for i in range(0, len(x), batch)]) if len(x) else np.zeros(0, int)


def train_classifier(data: Path, *, out: Path, smoke_test: bool = False, log=print, **overrides) -> dict:
    """Train on ``data``'s train split, measure on its test split, write ``out``.pt and ``out``.md.

    Returns the card (dict): accuracies on held-out (test) notes, per family, and how it was made.
    """
    hp = {**TRAIN, **(SMOKE if smoke_test else {}), **overrides}
    torch.manual_seed(hp["seed"])
    torch.set_num_threads(hp["threads"])
    rng = np.random.default_rng(hp["seed"])
    start = time.perf_counter()
    data, out = Path(data), Path(out)
    items = read_labels(data)
    split_names = set(splits(items))
    # held out: every instrument never trained on (valid and test programs), or the synthetic test fifth
    test_split = tuple(sorted(str(s) for s in split_names - {"train"})) or ("test",)
    train_split = ("train",)
    max_items = 64 if smoke_test else None
    x_tr, y_tr_names, inst_tr = _split_features(data, train_split, max_items=hp.get("max_train") or max_items,
                                                log=log)
    x_te, y_te_names, inst_te = _split_features(data, test_split, max_items=hp.get("max_test") or max_items,
                                                log=log)
    families = tuple(sorted({str(f) for f in y_tr_names}))  # plain str: the safe loader refuses numpy objects
    index = {f: i for i, f in enumerate(families)}
    y_tr = np.array([index[f] for f in y_tr_names])
    te_known = np.isin(y_te_names, families)
    y_te = np.array([index.get(f, -1) for f in y_te_names])

    config = {"families": list(families), "n_mels": C.N_MELS, "n_fft": C.N_FFT, "hop_length": C.HOP_LENGTH,
              "sr": 16000, "floor_db": C.FLOOR_DB, "channels": list(C.CHANNELS), "pool": list(C.POOL),
              "embed_dim": C.EMBED_DIM,
              "train": hp}
    net = C.build_model(config)
    opt = torch.optim.AdamW(net.parameters(), lr=hp["lr"], weight_decay=hp["weight_decay"])
    steps_per_epoch = max(1, len(x_tr) // hp["batch"])
    total = hp["epochs"] * steps_per_epoch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=hp["lr"], total_steps=total, pct_start=0.15)
    counts = np.bincount(y_tr, minlength=len(families))
    weight = 1.0 / counts[y_tr]
    weight /= weight.sum()
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.05)
    for epoch in range(hp["epochs"]):
        net.train()
        losses = []
        for _ in range(steps_per_epoch):
            b = rng.choice(len(x_tr), hp["batch"], p=weight)
            xb = _augment(torch.from_numpy(x_tr[b].astype(np.float32)), rng, hp)
            loss = loss_fn(net(xb), torch.from_numpy(y_tr[b]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            losses.append(loss.item())
        acc = float(np.mean(_predict(net, x_te[te_known]) == y_te[te_known])) if te_known.any() else float("nan")
        log(f"epoch {epoch + 1}/{hp['epochs']}: loss {np.mean(losses):.3f}, held-out accuracy {acc:.3f} "
            f"({time.perf_counter() - start:.0f} s)")

    pred_te = _predict(net, x_te[te_known])
    pred_tr = _predict(net, x_tr[: 2000])
    per_family = {f: round(float(np.mean(pred_te[y_te[te_known] == i] == i)), 3)
                  for i, f in enumerate(families) if np.any(y_te[te_known] == i)}
    confusion = np.zeros((len(families), len(families)), int)
    for t, p in zip(y_te[te_known], pred_te):
        confusion[t, p] += 1
    by_instrument = has_instruments(items)
    card = {
        "name": out.name,
        "data": str(data),
        "split_by": "instrument" if by_instrument else "note (synthetic data: no instruments)",
        "splits_in_data": sorted(str(s) for s in split_names),
        "held_out_splits": list(test_split),
        "n_train": int(len(x_tr)),
        "n_test": int(te_known.sum()),
        "train_instruments": int(len(set(inst_tr))) if by_instrument else None,
        "test_instruments": int(len(set(inst_te))) if by_instrument else None,
        "test_accuracy": round(float(np.mean(pred_te == y_te[te_known])), 4) if te_known.any() else None,
        "train_accuracy": round(float(np.mean(pred_tr == y_tr[: 2000])), 4),
        "chance": round(1.0 / len(families), 4),
        "per_family_test_accuracy": per_family,
        "confusion": confusion.tolist(),
        "epochs": hp["epochs"],
        "train_minutes": round((time.perf_counter() - start) / 60, 2),
        "machine": f"{platform.machine()} CPU, torch {torch.__version__}",
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "smoke_test": smoke_test,
    }
    path = save_checkpoint(out.with_suffix(".pt"), family="classifier", config=config, state=net.state_dict(),
                           card=card)
    if path.stat().st_size > MAX_BYTES:
        raise RuntimeError(f"{path} is {path.stat().st_size} bytes, over the {MAX_BYTES} limit")
    card["checkpoint_bytes"] = path.stat().st_size
    out.with_suffix(".md").write_text(card_markdown(card, config), encoding="utf-8")
    return card


def card_markdown(card: dict, config: dict) -> str:
    """The classifier's Markdown card."""
    fams = config["families"]
    lines = [
        f"# Model card: {card['name']}",
        "",
        "Family classifier of the evaluation (`python -m explorer eval`): a small CNN on log-mel "
        "spectrograms (64 mels, n_fft 1024, hop 256, dB relative to each note's loudest cell, "
        "floor -80 dB) predicting the instrument family; its 64-number penultimate layer is the "
        "embedding Frechet distance, precision/recall/density/coverage and the family histogram "
        "are measured in.",
        "",
        f"- data: `{card['data']}`, split by {card['split_by']}",
        f"- train: {card['n_train']} notes"
        + (f" of {card['train_instruments']} instruments" if card.get("train_instruments") else ""),
        f"- held out: {card['n_test']} notes"
        + (f" of {card['test_instruments']} other instruments" if card.get("test_instruments") else ""),
        f"- training: {card['epochs']} epochs, {card['train_minutes']} min on {card['machine']}",
        f"- date: {card['date']}; checkpoint {card.get('checkpoint_bytes', 0) / 1e6:.2f} MB",
        "",
        "## Accuracy",
        "",
        f"- **held-out {'instruments' if card.get('test_instruments') else 'notes'} ({'+'.join(card['held_out_splits'])}): "
        f"{card['test_accuracy']}** (chance {card['chance']}); train notes: {card['train_accuracy']}",
        "",
        "| family | held-out accuracy |",
        "|---|---|",
        *[f"| {f} | {a} |" for f, a in card["per_family_test_accuracy"].items()],
        "",
        "Confusion on held-out notes (rows: true family, columns: predicted, in the order "
        + ", ".join(fams) + "):",
        "",
        "```",
        *[f"{f[:14]:>14} " + " ".join(f"{v:4d}" for v in row) for f, row in zip(fams, card["confusion"])],
        "```",
        "",
        "Retrain: `python -m explorer.evaluation.classifier_training --data "
        f"{card['data']} --out checkpoints/{card['name']}`",
        "",
        "## Config",
        "",
        "```json",
        json.dumps(config, indent=1),
        "```",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m explorer.evaluation.classifier_training",
                                 description="Train the evaluation's family classifier.")
    ap.add_argument("--data", required=True, type=Path, help="dataset folder (labels.jsonl with train/test splits)")
    ap.add_argument("--out", required=True, type=Path, help="checkpoints/NAME (writes NAME.pt and NAME.md)")
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--smoke-test", action="store_true", help="64 notes, one epoch (tests)")
    ap.add_argument("--max-train", type=int, default=None, help="use at most this many train notes (spread evenly)")
    ap.add_argument("--max-test", type=int, default=None, help="judge on at most this many held-out notes")
    args = ap.parse_args(argv)
    over = {"epochs": args.epochs} if args.epochs else {}
    if args.max_train:
        over["max_train"] = args.max_train
    if args.max_test:
        over["max_test"] = args.max_test
    card = train_classifier(args.data, out=args.out, smoke_test=args.smoke_test,
                            log=lambda m: print(m, file=sys.stderr, flush=True), **over)
    print(json.dumps({k: card[k] for k in ("test_accuracy", "train_accuracy", "n_train", "n_test", "train_minutes")}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
