"""A small family classifier trained beside the VAE, to teach its decoder to keep an instrument
across the keyboard.

The decoder only ever sees a code at the pitch its note was played at, so nothing tells it what
that code should sound like two octaves away: a flute's code played at C2 came out as whatever
the training notes at C2 mostly were. During training this judge learns the instrument family
of real notes (standardised log|S|, any pitch), and the decoder is asked that a code decoded at a
random other pitch still reads as its note's family. The judge is training-only: it is not in
the checkpoint, and ``eval`` measures the result with its own, separately trained classifier
(:mod:`explorer.evaluation.classifier`), so the model is not graded by the network that taught it.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from explorer.models.vae.networks import N_BINS

#: Label of notes whose family is not known (a folder of sounds): they teach the judge nothing.
UNKNOWN = -100


class TimbreJudge(nn.Module):
    """Standardised log|S| [B x 513 x T] -> family logits [B x n_families]."""

    def __init__(self, n_families: int, *, width: int = 96):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv1d(N_BINS, width, 5, stride=2, padding=2), nn.GELU(),
            nn.Conv1d(width, width, 5, stride=2, padding=2), nn.GELU(),
            nn.Conv1d(width, width, 5, stride=2, padding=2), nn.GELU(),
        )
        self.head = nn.Linear(2 * width, n_families)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.net(x)
        return self.head(torch.cat([h.mean(-1), h.amax(-1)], dim=1))


def family_labels(family: np.ndarray) -> tuple[torch.Tensor, list[str]]:
    """(LongTensor [N] of indices into the sorted known families, UNKNOWN where unknown; those names)."""
    family = np.asarray(family).astype(str)
    names = sorted(set(family) - {"unknown", ""})
    index = {name: i for i, name in enumerate(names)}
    return torch.tensor([index.get(f, UNKNOWN) for f in family], dtype=torch.long), names


def judged_loss(judge: TimbreJudge, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of the judge on x [B x 513 x T] with its weights detached: gradients reach
    x (the decoder) only. 0 when no label is known."""
    if not bool((labels != UNKNOWN).any()):
        return x.sum() * 0.0
    weights = {name: p.detach() for name, p in judge.named_parameters()}
    logits = torch.func.functional_call(judge, weights, (x,))
    return nn.functional.cross_entropy(logits, labels, ignore_index=UNKNOWN)


def judge_step(judge: TimbreJudge, opt: torch.optim.Optimizer, x: torch.Tensor, labels: torch.Tensor, *,
               world: int = 1) -> float:
    """One step of the judge on real notes x [B x 513 x T] (gradients averaged over the
    processes under torchrun); returns its loss (nan when no label is known)."""
    logits = judge(x.detach())
    known = bool((labels != UNKNOWN).any())
    # every process steps, labels or not, so that the gradient sums under torchrun always meet
    loss = nn.functional.cross_entropy(logits, labels, ignore_index=UNKNOWN) if known else logits.sum() * 0.0
    opt.zero_grad(set_to_none=True)
    loss.backward()
    if world > 1:
        import torch.distributed as dist

        for p in judge.parameters():
            if p.grad is not None:
                dist.all_reduce(p.grad)
                p.grad /= world
    opt.step()
    return float(loss.detach()) if known else float("nan")
