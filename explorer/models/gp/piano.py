"""A GP grand-piano note (the user's "GP middle C") and the measurements that compare it with a sampled piano.

The note is a :class:`~explorer.models.gp.track.Track` held at one pitch: partial k (stretched by
the stiff-string inharmonicity B) has power ``L_k (a e^(-2t/tau1_k) + (1 - a) e^(-2t/tau2_k))``:
a fast **prompt sound** and a slow **aftersound** (the two-stage decay of coupled piano
strings), higher partials decaying faster; the hammer's knock is a bright Bark-band noise
burst dying in ``HAMMER_S``. Every partial is a narrow stochastic resonator (its line a few Hz
wide, like a slightly mistuned unison), so each seed is the same instrument played again.

:func:`partial_levels` / :func:`piano_report` measure any C4 recording the same way:
per-partial levels over time, early and late decay rates (dB/s), the spectral envelope, and
how much a partial swells above its onset level.
"""

from __future__ import annotations

import numpy as np

from explorer.audio.pitch import midi_to_hz
from explorer.models.gp.kernel import kernel_from_arrays
from explorer.models.gp.spec import Envelope, GPSpec
from explorer.models.gp.track import Track, noise_bands

HAMMER_S = 0.012


def piano_spec(pitch_midi: float = 60.0, *, sr: int = 44100, duration_s: float = 3.0, n_partials: int = 24,
               inharmonicity: float = 3.5e-4, tilt_db: float = -4.5, prompt_s: float = 0.7,
               after_s: float = 3.0, prompt_share: float = 0.75, decay_exponent: float = 0.7,
               bandwidth_hz: float = 6.0, hammer_db: float = -14.0, hop_s: float = 0.004,
               description: str | None = None) -> GPSpec:
    """The GP piano note (see the module docstring); levels are powers, tilt in dB per octave of k."""
    f0 = midi_to_hz(pitch_midi)
    k = np.arange(1, n_partials + 1, dtype=np.float64)
    stretch = np.sqrt((1 + inharmonicity * k**2) / (1 + inharmonicity))
    level = 10 ** (tilt_db * np.log2(k) / 10) * (k * f0 * stretch < 0.9 * sr / 2)
    level[2:] *= 10 ** (-1.5 * np.sin(np.pi * k[2:] / 7.0) ** 2 / 10)  # a hammer-position dip near k = 7
    level /= level.sum()
    t = np.arange(int(np.ceil(duration_s / hop_s)) + 1) * hop_s
    tau1 = prompt_s / k**decay_exponent
    tau2 = after_s / k**decay_exponent
    power = level[None, :] * (prompt_share * np.exp(-2 * t[:, None] / tau1) +
                              (1 - prompt_share) * np.exp(-2 * t[:, None] / tau2))
    bands = noise_bands(sr)
    centre = bands.mean(axis=1)
    bright = (centre / 1000.0) ** 0.3 * np.exp(-centre / 9000.0)
    burst = np.exp(-2 * t / HAMMER_S)
    noise = 10 ** (hammer_db / 10) * burst[:, None] * (bright / bright.sum())[None, :]
    track = Track(hop_s, np.full(len(t), f0), np.ones(len(t)), power, noise, bandwidth_hz,
                  inharmonicity=inharmonicity)
    # stationary summary (what a kernel morph mixes): the partials with their aftersound decays
    keep = level > 0
    summary = kernel_from_arrays(level[keep], (k * f0 * stretch)[keep], np.full(keep.sum(), 1.0 / (np.pi * bandwidth_hz)),
                                 decays_s=list(tau2[keep]))
    return GPSpec(sr, duration_s, summary, envelope=Envelope(0.001, 0.0, 1.0, 0.3), pitch_midi=float(pitch_midi),
                  track=track, description=description)


def partial_levels(y: np.ndarray, *, sr: int, f0: float, inharmonicity: float, n_partials: int = 12,
                   n_fft: int | None = None, hop_s: float = 0.02):
    """Level of each partial over time, dB [K x frames], and the frame times, s.

    The Hann STFT (~128 ms frames) power within +-2 bins of each stretched partial.
    """
    n_fft = n_fft or 1 << int(round(np.log2(0.128 * sr)))
    hop = int(hop_s * sr)
    y = np.asarray(y, np.float64)
    frames = np.lib.stride_tricks.sliding_window_view(np.pad(y, (n_fft // 2, n_fft // 2)), n_fft)[::hop]
    w = np.hanning(n_fft)
    p = np.abs(np.fft.rfft(frames * w, axis=-1)) ** 2
    k = np.arange(1, n_partials + 1)
    fk = k * f0 * np.sqrt((1 + inharmonicity * k**2) / (1 + inharmonicity))
    b = np.rint(fk * n_fft / sr).astype(int)
    lv = np.stack([p[:, max(1, c - 2) : c + 3].sum(axis=1) for c in b])
    return 10 * np.log10(lv + 1e-20), np.arange(len(frames)) * hop / sr


def _slope(t, db, lo, hi):
    sel = (t >= lo) & (t <= hi)
    return float(np.polyfit(t[sel], db[sel], 1)[0]) if sel.sum() >= 3 else float("nan")


def piano_report(y: np.ndarray, *, sr: int, f0: float, inharmonicity: float, n_partials: int = 12,
                 end_s: float = 1.4) -> dict:
    """Per-partial figures of one note: early (0.05-0.3 s) and late (0.5-end_s) decay, dB/s;
    level at 0.1 s relative to partial 1, dB; swell: the most a partial rises after 0.15 s
    above its loudest level before, dB (0 or less: no swelling)."""
    db, t = partial_levels(y, sr=sr, f0=f0, inharmonicity=inharmonicity, n_partials=n_partials)
    i01 = int(np.argmin(np.abs(t - 0.1)))
    early = t < 0.15
    late = (t >= 0.15) & (t <= end_s)
    return {
        "decay_early_db_per_s": [round(_slope(t, d, 0.05, 0.3), 1) for d in db],
        "decay_late_db_per_s": [round(_slope(t, d, 0.5, end_s), 1) for d in db],
        "level_db_re_partial1": [round(float(d[i01] - db[0, i01]), 1) for d in db],
        "swell_db": [round(float(d[late].max() - d[early].max()), 1) for d in db],
    }


def compare_with_sampled(seeds: int = 5) -> dict:
    """:func:`piano_report` of the sampled grand piano C4 (FluidR3_GM program 0, velocity 100, via
    FluidSynth at 16 kHz) and of ``gp-middle-c`` (mean of ``seeds`` seeds, resampled to 16 kHz),
    with the GP's per-partial level spread between seeds (mean level over the first second)."""
    import librosa

    from explorer.data.soundfont.synth import Instrument, SoundfontSynth
    from explorer.evaluation import listener
    from explorer.models.gp.presets import load_gp

    sr, f0, b = 16000, midi_to_hz(60), 3.5e-4
    from pathlib import Path

    with SoundfontSynth([Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")]) as synth:
        real = synth.render(Instrument("FluidR3_GM.sf2", 0, 0, "piano", "piano"), 60, 100).astype(np.float64)
    out = {"sampled": piano_report(real, sr=sr, f0=f0, inharmonicity=b)}
    out["sampled"]["hnr_db"] = round(float(listener.hnr_db(real[None], sr=sr)[0]), 1)
    m = load_gp("gp-middle-c")
    ys = [librosa.resample(m.render(m.sample_latent(1, s))[0].astype(np.float64), orig_sr=m.sample_rate,
                           target_sr=sr)[: len(real)] for s in range(seeds)]
    reps = [piano_report(y, sr=sr, f0=f0, inharmonicity=b) for y in ys]
    gp = {k: [round(float(np.mean([r[k][i] for r in reps])), 1) for i in range(len(reps[0][k]))] for k in reps[0]}
    gp["swell_db_worst_seed"] = [round(float(np.max([r["swell_db"][i] for r in reps])), 1) for i in range(12)]
    gp["hnr_db"] = round(float(np.median(listener.hnr_db(np.stack(ys), sr=sr))), 1)
    lv = np.array([partial_levels(y, sr=sr, f0=f0, inharmonicity=b)[0][:, :50].mean(axis=1) for y in ys])
    gp["level_std_between_seeds_db"] = [round(float(v), 2) for v in lv.std(axis=0)]
    gp["level_range_between_seeds_db"] = [round(float(v), 1) for v in lv.max(axis=0) - lv.min(axis=0)]
    out["gp"] = gp
    return out


def figures_markdown(rep: dict) -> str:
    """The comparison of :func:`compare_with_sampled` as a Markdown table."""
    def row(name, xs):
        return f"| {name} | " + " | ".join(f"{x:g}" for x in xs) + " |"

    lines = ["| partial k | " + " | ".join(str(k) for k in range(1, 13)) + " |", "|---" * 13 + "|"]
    for key, label in (("decay_early_db_per_s", "early decay 0.05-0.3 s, dB/s"),
                       ("decay_late_db_per_s", "late decay 0.5-1.4 s, dB/s"),
                       ("level_db_re_partial1", "level at 0.1 s re partial 1, dB"), ("swell_db", "swell after 0.15 s, dB")):
        lines.append(row(f"sampled: {label}", rep["sampled"][key]))
        lines.append(row(f"GP, mean of seeds: {label}", rep["gp"][key]))
    lines.append(row("GP: worst seed's swell, dB", rep["gp"]["swell_db_worst_seed"]))
    lines.append(row("GP: level std between seeds, dB", rep["gp"]["level_std_between_seeds_db"]))
    lines.append(row("GP: level range between seeds, dB", rep["gp"]["level_range_between_seeds_db"]))
    return "\n".join(lines) + (f"\n\nHNR (explorer.evaluation.listener.hnr_db): sampled {rep['sampled']['hnr_db']:g} dB, "
                               f"GP {rep['gp']['hnr_db']:g} dB.\n")


if __name__ == "__main__":  # python -m explorer.models.gp.piano > checkpoints/gp/piano_figures.md
    print(figures_markdown(compare_with_sampled()), end="")
