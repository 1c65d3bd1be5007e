"""The family classifier whose embedding the evaluation compares in (GANSynth / WaveGAN practice).

A small CNN on log-mel spectrograms predicts a note's instrument family. It is trained on the
real corpus's train instruments (:mod:`explorer.evaluation.classifier_training`) and judged on
held-out instruments (its card says how well). Its penultimate layer, ``EMBED_DIM`` numbers per
note, is the space Frechet distance, precision/recall/density/coverage and the family histogram
are measured in (:mod:`explorer.evaluation.embedding`).

Input (:func:`features`): 16 kHz audio cut or padded to 2.048 s; log-mel power (64 slaney mel
bands, n_fft 1024, hop 256, centred frames zero-padded: [64 x 129]) in dB relative to the note's loudest cell, floor -80 dB,
scaled to [-1, 1]. The level of a note is divided out, so no figure is a loudness difference.

Checkpoint: ``checkpoints/classifier-*.pt``, ``{format_version, family: "classifier", config,
state, card}`` (:mod:`explorer.models.checkpoint`), rebuilt only by :func:`build_model`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from explorer.audio.constants import N_SAMPLES, SR
from explorer.audio.mel import mel_basis
from explorer.models.checkpoint import load_checkpoint
from explorer.paths import CHECKPOINT_DIR

N_MELS = 64
N_FFT = 1024
HOP_LENGTH = 256
FLOOR_DB = 80.0
EMBED_DIM = 64
CHANNELS = (16, 32, 64)
#: Input averaged over this many (mel bands, frames) before the first convolution.
POOL = (2, 4)
#: The shipped classifier (trained on the real corpus when it is there, else on synthetic notes).
DEFAULT = "classifier-gm-v1"


def features(audio: np.ndarray, *, sr: int = SR) -> np.ndarray:
    """Classifier input of each note.

    Parameters
    ----------
    audio : np.ndarray [shape=(n, samples)], any level
    sr : sample rate, Hz (resampled to 16 kHz when different)

    Returns
    -------
    x : np.ndarray [shape=(n, 64, 129), dtype=float32], in [-1, 1]
    """
    audio = np.atleast_2d(np.asarray(audio, dtype=np.float32))
    if sr != SR:
        from scipy import signal

        g = math.gcd(int(sr), SR)
        audio = signal.resample_poly(audio, SR // g, int(sr) // g, axis=-1).astype(np.float32)
    fixed = np.zeros((len(audio), N_SAMPLES), np.float32)
    fixed[:, : min(N_SAMPLES, audio.shape[1])] = audio[:, :N_SAMPLES]
    out = np.empty((len(audio), N_MELS, 1 + N_SAMPLES // HOP_LENGTH), np.float32)
    W = torch.from_numpy(np.array(mel_basis(sr=SR, n_fft=N_FFT, n_mels=N_MELS)))
    window = torch.hann_window(N_FFT)
    with torch.no_grad():
        for i in range(0, len(fixed), 64):
            S = torch.stft(torch.from_numpy(fixed[i : i + 64]), N_FFT, HOP_LENGTH, window=window, center=True,
                           pad_mode="constant", return_complex=True)
            M = torch.matmul(W, S.real**2 + S.imag**2)  # power, slaney mel [n x 64 x T]
            db = 10 * torch.log10(M.clamp_min(1e-20))
            db = db - db.amax(dim=(1, 2), keepdim=True)
            out[i : i + 64] = (db.clamp_min(-FLOOR_DB) / (FLOOR_DB / 2) + 1.0).numpy()
    return out


class FamilyCNN(nn.Module):
    """Over Tensor[B x 1 x 64 x 129]: averaged over 2 mel bands x 4 frames (64 ms) to [32 x 32],
    conv blocks (3x3 conv, batch norm, ReLU, 2x2 max pool), the time axis averaged, then an
    ``EMBED_DIM`` embedding (ReLU) and a linear family head."""

    def __init__(self, *, n_classes: int, channels: tuple[int, ...] = CHANNELS, embed_dim: int = EMBED_DIM,
                 n_mels: int = N_MELS, pool: tuple[int, int] = POOL):
        super().__init__()
        layers, c_in = [nn.AvgPool2d(tuple(pool))], 1
        for c in channels:
            layers += [nn.Conv2d(c_in, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU(), nn.MaxPool2d(2)]
            c_in = c
        self.conv = nn.Sequential(*layers)
        self.embed = nn.Sequential(nn.Linear(c_in * ((n_mels // pool[0]) >> len(channels)), embed_dim), nn.ReLU())
        self.head = nn.Linear(embed_dim, n_classes)

    def embedding(self, x: torch.Tensor) -> torch.Tensor:
        """Tensor[B x 64 x T] -> Tensor[B x embed_dim]."""
        h = self.conv(x[:, None])  # [B x C x F' x T']
        return self.embed(h.mean(dim=3).flatten(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Tensor[B x 64 x T] -> family logits Tensor[B x n_classes]."""
        return self.head(self.embedding(x))


def build_model(config: dict) -> FamilyCNN:
    """The network of a classifier config (the only way a checkpoint is rebuilt)."""
    return FamilyCNN(n_classes=len(config["families"]), channels=tuple(config["channels"]),
                     embed_dim=int(config["embed_dim"]), n_mels=int(config["n_mels"]),
                     pool=tuple(config.get("pool", POOL)))


@dataclass
class Classifier:
    """A loaded classifier: ``families`` (class names, in head order), its network, its card."""

    name: str
    families: tuple[str, ...]
    net: FamilyCNN
    card: dict

    def embed(self, audio: np.ndarray, *, sr: int = SR, batch: int = 128) -> tuple[np.ndarray, np.ndarray]:
        """(embedding float64 [n x EMBED_DIM], family probabilities float64 [n x n_families])."""
        x = features(audio, sr=sr)
        emb, probs = [], []
        self.net.eval()
        with torch.no_grad():
            for i in range(0, len(x), batch):
                e = self.net.embedding(torch.from_numpy(x[i : i + batch]))
                emb.append(e.double().numpy())
                probs.append(torch.softmax(self.net.head(e), dim=1).double().numpy())
        return np.concatenate(emb), np.concatenate(probs)


def checkpoint_file(name: str | Path | None = None) -> Path:
    name = name or DEFAULT
    p = Path(name)
    return p if p.suffix == ".pt" or len(p.parts) > 1 else CHECKPOINT_DIR / f"{name}.pt"


def load_classifier(name: str | Path | None = None) -> Classifier:
    """Load a classifier checkpoint (a name in checkpoints/ or a path) through the safe loader."""
    path = checkpoint_file(name)
    ckpt = load_checkpoint(path, family="classifier")
    net = build_model(ckpt["config"])
    net.load_state_dict(ckpt["state"])
    net.eval()
    return Classifier(name=path.stem, families=tuple(ckpt["config"]["families"]), net=net, card=ckpt.get("card") or {})
