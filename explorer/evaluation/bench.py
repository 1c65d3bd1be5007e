"""Speed benchmark: ``python -m explorer bench [--json]`` prints :func:`run`'s dict.

Every number is measured in the same run as its baseline, on the same input, so ratios are
honest on whatever machine runs them. Timings are medians over ``repeats`` calls after one
warm-up call.

The benchmark is a list of sections, :data:`SECTIONS`: functions ``section(*, repeats) -> dict``
of flat ``name: number`` fields, named ``bench_<topic>``. Add one with the :func:`section`
decorator (or append to the list); a section that raises is reported as
``{"<topic>_error": "..."}`` and the others still run.
"""

from __future__ import annotations

import statistics
import time
from typing import Any, Callable

import librosa
import numpy as np
import torch

from explorer.audio.constants import HOP_LENGTH, N_FFT, N_SAMPLES, SR
from explorer.audio.mel import mel_spectrogram, mel_to_audio
from explorer.audio.features import spectral_convergence
from explorer.audio.phase import griffin_lim
from explorer.audio.rainbowgram import rainbowgram
from explorer.audio.stft import istft, stft

Section = Callable[..., dict]
SECTIONS: list[Section] = []

#: The audio-core input: 4 s at 16 kHz (the seed notebook's mel_to_audio case), 128 mels.
BENCH_SECONDS = 4.0
N_MELS = 128
N_ITER = 32


def section(fn: Section) -> Section:
    """Register ``fn(*, repeats) -> dict`` as a benchmark section (in definition order)."""
    SECTIONS.append(fn)
    return fn


def median_ms(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Median wall time of ``fn()`` in ms over ``repeats`` calls after one warm-up; and its last result."""
    out = fn()
    times = []
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times), out


def _against_baseline(name: str, S_true: np.ndarray, repeats: int, *, ours, theirs) -> dict:
    """Time ``ours()`` and ``theirs()`` (both returning audio) and score each by spectral convergence
    against ``S_true``. librosa's Griffin-Lim starts from a fresh random phase each call, so its
    convergence is the median over the repeats."""
    ms, y_ours = median_ms(ours, repeats)
    base_sc = []
    base_ms, _ = median_ms(lambda: base_sc.append(spectral_convergence(theirs(), S_true)), repeats)
    return {
        f"{name}_ms": ms,
        f"{name}_baseline_ms": base_ms,
        f"{name}_speedup": base_ms / ms,
        f"{name}_sc": spectral_convergence(y_ours, S_true),
        f"{name}_baseline_sc": statistics.median(base_sc),
    }


def synth_note(seconds: float | None = None, *, sr: int = SR, seed: int = 0) -> np.ndarray:
    """A deterministic note to measure on: 220 Hz with 8 harmonics, 5 Hz vibrato, an exponential
    decay and a little noise, peak 0.8. float32 ``[round(seconds * sr)]``, default
    :data:`BENCH_SECONDS`."""
    n = int(round((BENCH_SECONDS if seconds is None else seconds) * sr))
    t = np.arange(n) / sr  # s
    f0 = 220.0 * (1.0 + 0.01 * np.sin(2 * np.pi * 5.0 * t))  # Hz
    phase = 2 * np.pi * np.cumsum(f0) / sr  # rad
    y = sum(0.6**k * np.sin((k + 1) * phase) for k in range(8)) * np.exp(-t / 2.0)
    y = y + 0.01 * np.random.default_rng(seed).standard_normal(n)
    return (0.8 * y / np.max(np.abs(y))).astype(np.float32)


@section
def bench_stft(*, repeats: int) -> dict:
    """STFT -> ISTFT round trip of the 4 s signal; librosa's pair as baseline."""
    y = synth_note()
    ms, y_back = median_ms(lambda: istft(stft(y), length=y.size), repeats)
    def baseline():
        S = librosa.stft(y, n_fft=N_FFT, hop_length=HOP_LENGTH)
        return librosa.istft(S, hop_length=HOP_LENGTH, length=y.size)

    base_ms, _ = median_ms(baseline, repeats)
    return {
        "stft_roundtrip_ms": ms,
        "stft_roundtrip_baseline_ms": base_ms,
        "stft_roundtrip_max_err": float(np.max(np.abs(y_back - y))),
    }


@section
def bench_mel_to_audio(*, repeats: int) -> dict:
    """Mel -> audio (32 iterations) against ``librosa.feature.inverse.mel_to_audio`` on the same mel.

    Spectral convergence of both against the true STFT magnitude. librosa's Griffin-Lim starts
    from a fresh random phase each call, so its convergence is the median over the repeats.
    """
    y = synth_note()
    S_true = np.abs(stft(y))
    kw = dict(sr=SR, n_fft=N_FFT, hop_length=HOP_LENGTH)
    M = mel_spectrogram(y, n_mels=N_MELS, **kw)
    out = _against_baseline(
        "mel_to_audio", S_true, repeats,
        ours=lambda: mel_to_audio(M, n_iter=N_ITER, length=y.size, **kw),
        theirs=lambda: librosa.feature.inverse.mel_to_audio(M, n_iter=N_ITER, length=y.size, **kw),
    )
    return {
        **out,
        "mel_to_audio_input_s": y.size / SR,
        "mel_to_audio_n_mels": N_MELS,
        "mel_to_audio_n_iter": N_ITER,
    }


@section
def bench_griffin_lim(*, repeats: int) -> dict:
    """Griffin-Lim (32 iterations, momentum 0.99) from the true magnitude, against ``librosa.griffinlim``."""
    y = synth_note()
    S_true = np.abs(stft(y))
    return _against_baseline(
        "griffin_lim", S_true, repeats,
        ours=lambda: griffin_lim(S_true, n_iter=N_ITER, hop_length=HOP_LENGTH, length=y.size),
        theirs=lambda: librosa.griffinlim(S_true, n_iter=N_ITER, hop_length=HOP_LENGTH, length=y.size),
    )


@section
def bench_rainbowgram(*, repeats: int) -> dict:
    """Rainbowgram image of one 2.048 s note (the neural models' note length)."""
    y = synth_note(N_SAMPLES / SR)
    ms, _ = median_ms(lambda: rainbowgram(y, sr=SR), repeats)
    return {"rainbowgram_ms": ms}


#: The checkpoint each neural-model section times: None for the shipped default (the tiny debug
#: model stands in when it is missing), or a name, e.g. ``"debug"`` for a quick structural run.
CHECKPOINTS: dict[str, str | None] = {"vae": None, "gan": None}
#: Notes in the GAN's batch (``gan_batch16_ms``, ``gan_batch_rtf``).
GAN_BATCH = 16
#: (seed, MIDI pitch) of the prior samples the VAE is timed on.
VAE_NOTES = ((0, 60), (1, 36), (3, 72), (4, 84))


def timed_model(family: str):
    """(model, which) for a model section: the checkpoint of :data:`CHECKPOINTS`, asked of the
    registry, or the tiny debug model when it cannot be loaded; ``which`` is ``"default"`` or
    ``"debug"`` (reported as ``<family>_checkpoint``)."""
    from explorer.errors import ExplorerError
    from explorer.models.registry import DEBUG, checkpoint_name, load_model

    try:
        model = load_model(family, CHECKPOINTS.get(family))
    except ExplorerError:
        model = load_model(family, DEBUG)
    return model, "debug" if checkpoint_name(model) == DEBUG else "default"


@section
def bench_vae(*, repeats: int) -> dict:
    """VAE, one note: ``render`` (decode + phase (pitch-locked fast Griffin-Lim) + ISTFT) + safety,
    against the seed notebook's pipeline on the same decoded spectrogram (its mel, then librosa
    mel_to_audio, 32 iterations); each the median over the notes of VAE_NOTES. The decoded
    spectrogram comes from the model's public ``target_magnitude`` hook.
    Uses the shipped checkpoint, or the tiny debug model when it is missing (``vae_checkpoint`` says which)."""
    from explorer.audio.safety import make_safe

    model, which = timed_model("vae")
    sr = model.sample_rate
    # the baseline's NNLS step takes longer on some spectra than others (250-320 ms over these
    # notes, measured), so both sides are the median over a few notes, not one
    ms, base_ms = [], []
    for seed, pitch in VAE_NOTES:
        z = model.sample_latent(1, seed)
        ms.append(median_ms(lambda: make_safe(model.render(z, [pitch])[0], sr=sr), repeats)[0])
        mag = model.target_magnitude(z, [pitch])[0]  # |S| [513 x 129]
        M = librosa.feature.melspectrogram(S=mag**2, sr=sr, n_fft=N_FFT, n_mels=N_MELS)
        base_ms.append(median_ms(lambda: librosa.feature.inverse.mel_to_audio(
            M, sr=sr, n_fft=N_FFT, hop_length=HOP_LENGTH, n_iter=N_ITER), max(1, repeats // 2))[0])
    ms, base = statistics.median(ms), statistics.median(base_ms)
    return {"vae_render_ms": ms, "vae_baseline_ms": base, "vae_speedup": base / ms, "vae_checkpoint": which}


@section
def bench_gan(*, repeats: int) -> dict:
    """GAN: one note at middle C through ``render`` (generator + IF-Mel ISTFT) + safety (median ms),
    and a batch of 16 notes (seconds of audio per second of compute, ``gan_batch_rtf``). Uses the
    shipped checkpoint, or the tiny debug model when it is missing (``gan_checkpoint`` says which)."""
    from explorer.render import render_safe

    model, which = timed_model("gan")
    z1 = model.sample_latent(1, 0)
    ms, _ = median_ms(lambda: render_safe(model, z1, 60), repeats)
    z16, pitch16 = model.sample_latent(GAN_BATCH, 1), np.arange(GAN_BATCH) % 16 * 4 + 24
    batch_ms, y = median_ms(lambda: model.render(z16, pitch16), repeats)
    return {"gan_render_ms": ms, "gan_batch16_ms": batch_ms,
            "gan_batch_rtf": y.size / model.sample_rate / (batch_ms / 1e3), "gan_checkpoint": which}


#: The GP section's lengths, s: the render of the GP middle C; the stretch the seed draft's
#: Cholesky blocks and our FFT sampling are compared on (``gp_cholesky_blocks_ms``, ``gp_fft_1s_ms``);
#: the clip the fit is timed on (``gp_fit_3s_s``) and its warm-up. The field names keep the
#: default lengths; a quick structural run (the unit tests) shortens them.
GP_RENDER_SECONDS = 2.0
GP_BASELINE_SECONDS = 1.0
GP_FIT_SECONDS = 3.0
GP_WARMUP_SECONDS = 0.5


@section
def bench_gp(*, repeats: int) -> dict:
    """GP: render 2 s at 44.1 kHz of the GP middle C (24 decaying partials + knock) through safety,
    model warm (``gp_render_ms``) and rebuilt per call as when a kernel slider moves
    (``gp_render_fresh_kernel_ms``). Then the user's method against ours on the same 1 s at 16 kHz
    with the same 24-partial kernel: a Cholesky factor per 50 ms block, each block conditioned to
    start and end at zero as in the seed draft (``gp_cholesky_blocks_ms``, one timed run: it is slow),
    and exact circulant-embedding FFT sampling of the whole second, eigenvalues included
    (``gp_fft_1s_ms``). Last, a piecewise fit of a 3 s clip (:func:`synth_note` at 16 kHz), after a
    warm-up fit (``gp_fit_3s_s``; :data:`GP_FIT_SECONDS`)."""
    import dataclasses

    import scipy.linalg

    from explorer.models.gp import GPModel, GPSpec, harmonic_kernel
    from explorer.models.gp.fit import fit_piecewise
    from explorer.models.registry import load_model
    from explorer.render import render_safe

    spec = dataclasses.replace(load_model("gp", "gp-middle-c").spec, duration_s=GP_RENDER_SECONDS)
    model = GPModel(spec)
    z = model.sample_latent(1, 0)[0]
    render_ms, _ = median_ms(lambda: render_safe(model, z, 60), repeats)
    fresh_ms, _ = median_ms(lambda: render_safe(GPModel(spec), z, 60), repeats)

    sr, block = 16000, 800  # 50 ms blocks
    kernel = harmonic_kernel(60, sr=sr, n_partials=24, tilt_db_per_octave=-5.0, purity_s=0.25)
    rng = np.random.default_rng(0)

    def cholesky_block() -> np.ndarray:
        cov = scipy.linalg.toeplitz(kernel.covariance(np.arange(block) / sr)) + 1e-10 * np.eye(block)
        idx = np.r_[1 : block - 1, 0, block - 1]  # interior first, then the two ends
        cov = cov[np.ix_(idx, idx)]
        k11, k12, k22 = cov[:-2, :-2], cov[:-2, -2:], cov[-2:, -2:]
        cond = k11 - k12 @ np.linalg.inv(k22) @ k12.T + 1e-10 * np.eye(block - 2)
        return np.r_[0.0, np.linalg.cholesky(cond) @ rng.standard_normal(block - 2), 0.0]

    cholesky_block()
    t0 = time.perf_counter()
    np.concatenate([cholesky_block() for _ in range(int(round(GP_BASELINE_SECONDS * sr)) // block)])
    chol_ms = 1e3 * (time.perf_counter() - t0)
    one = GPSpec(sr, GP_BASELINE_SECONDS, kernel)
    z1 = GPModel(one).sample_latent(1, 0)
    fft_ms, _ = median_ms(lambda: GPModel(one).render(z1), repeats)

    fit_piecewise(synth_note(GP_WARMUP_SECONDS, sr=sr), sr=sr, n_iter=5, stationary_iter=5)
    t0 = time.perf_counter()
    fit_piecewise(synth_note(GP_FIT_SECONDS, sr=sr), sr=sr)
    fit_s = time.perf_counter() - t0
    return {
        "gp_render_ms": render_ms,
        "gp_render_fresh_kernel_ms": fresh_ms,
        "gp_latent_dim": model.latent_dim,
        "gp_cholesky_blocks_ms": chol_ms,
        "gp_fft_1s_ms": fft_ms,
        "gp_fft_speedup": chol_ms / fft_ms,
        "gp_fit_3s_s": fit_s,
    }


@section
def bench_gp_speech(*, repeats: int) -> dict:
    """GP speech: a voiced track fitted to the first :data:`GP_FIT_SECONDS` of the real recording
    ``checkpoints/gp/examples/arctic_a0007.wav`` (after a warm-up fit of :data:`GP_WARMUP_SECONDS`:
    pyin compiles on first use), ``gp_track_fit_3s_s``; then the fitted sound's resynthesis,
    ``gp_speech_render_ms``, as a multiple of real time (``gp_speech_rtf``; the sampler is numpy and
    scipy on one thread)."""
    from explorer.audio.io import load_audio
    from explorer.models.gp.fit_track import fit_track
    from explorer.models.gp.model import from_spec
    from explorer.models.gp.presets import PRESET_DIR

    sr = 16000
    y = load_audio(PRESET_DIR / "examples" / "arctic_a0007.wav", sr=sr).astype(np.float64)
    fit_track(y[: int(GP_WARMUP_SECONDS * sr)], sr=sr)
    clip = y[: int(GP_FIT_SECONDS * sr)]
    t0 = time.perf_counter()
    spec = fit_track(clip, sr=sr)
    fit_s = time.perf_counter() - t0
    model = from_spec(spec)
    z = model.sample_latent(1, 0)
    ms, out = median_ms(lambda: model.render(z), repeats)
    return {"gp_track_fit_3s_s": fit_s, "gp_speech_render_ms": ms,
            "gp_speech_rtf": out.shape[-1] / sr / (ms / 1e3)}


#: Notes on the benchmark's map (``map_build_s``): the map page's budget is 1000 in <= 30 s.
MAP_SOUNDS = 1000


@section
def bench_map(*, repeats: int) -> dict:
    """The map page's build without the page: :data:`MAP_SOUNDS` notes drawn from the default VAE at
    MIDI 60, their codes encoded back (``map_encode_s``) and laid out by our t-SNE (400 iterations,
    angle 0.8: ``map_layout_s``; ``map_build_s`` is the two together); beside it scikit-learn's t-SNE
    at its defaults on the same codes (``map_layout_baseline_s``) and the ratio (``map_layout_speedup``).
    One timed run each (t-SNE is seeded, so a run is the run)."""
    from sklearn.manifold import TSNE

    from explorer.data.collection import drawn_notes
    from explorer.latent.sound_map import layout_2d, vae_codes

    model, which = timed_model("vae")
    notes = drawn_notes(model, model.sample_latent(MAP_SOUNDS, 0), pitch=60)
    t0 = time.perf_counter()
    codes = vae_codes(model, notes)
    encode_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    layout_2d(codes, method="t-SNE")
    layout_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    TSNE(n_components=2, perplexity=min(30.0, (len(codes) - 1) / 3), random_state=0).fit_transform(codes)
    baseline_s = time.perf_counter() - t0
    return {"map_sounds": MAP_SOUNDS, "map_encode_s": encode_s, "map_layout_s": layout_s,
            "map_build_s": encode_s + layout_s, "map_layout_baseline_s": baseline_s,
            "map_layout_speedup": baseline_s / layout_s, "map_checkpoint": which}


#: The model pages whose rerun after a slider move is timed (``app_rerun_ms_<family>``).
APP_RERUN_FAMILIES: tuple[str, ...] = ("vae", "gan", "gp")
#: A page rerun is measured over at least this many slider moves.
APP_RERUN_MIN_MOVES = 5


@section
def bench_app_rerun(*, repeats: int) -> dict:
    """Each model page under streamlit's AppTest: the rerun after one slider move (median over
    several moves to new values, ``app_rerun_ms_<family>``) beside the bare ``render_safe`` of the
    same settings (``render_ms_<family>``) and their ratio (``app_rerun_ratio_<family>``), measured in
    one child process, ``python -m explorer.ui.rerun_bench`` (this module imports no streamlit)."""
    import json
    import subprocess
    import sys

    from explorer.paths import ROOT

    if not APP_RERUN_FAMILIES:
        return {}
    cmd = [sys.executable, "-m", "explorer.ui.rerun_bench", "--repeats", str(max(repeats, APP_RERUN_MIN_MOVES))]
    for family in APP_RERUN_FAMILIES:
        cmd += ["--family", family]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=1800)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"explorer.ui.rerun_bench exited {done.returncode}: {done.stderr.strip()[-300:]}")
    return json.loads(lines[-1])


def run(*, repeats: int = 5) -> dict:
    """Run every section of :data:`SECTIONS`; one flat dict of all their fields.

    Fields common to all: ``bench_repeats``, ``torch_version``, ``torch_threads`` (torch's
    intra-op threads outside the audio core, which runs on one, see
    :func:`explorer.audio.stft.one_torch_thread`).
    """
    result: dict = {
        "bench_repeats": repeats,
        "torch_version": torch.__version__,
        "torch_threads": torch.get_num_threads(),
    }
    for fn in SECTIONS:
        name = fn.__name__.removeprefix("bench_")
        try:
            result.update(fn(repeats=repeats))
        except Exception as exc:  # one broken section must not hide the others
            result[f"{name}_error"] = f"{type(exc).__name__}: {exc}"
    return result


def format_table(result: dict) -> str:
    """A readable two-column table of :func:`run`'s dict (ms, ratios and scores to 3-4 digits)."""
    width = max((len(k) for k in result), default=0)
    lines = []
    for key, value in result.items():
        if isinstance(value, float):
            text = f"{value:.1f}x" if key.endswith("_speedup") else f"{value:.4g}"
        else:
            text = str(value)
        lines.append(f"{key:<{width}}  {text}")
    return "\n".join(lines)
