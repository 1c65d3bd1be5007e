"""How the shipped GP presets are made: one recipe per preset, the README, and the command.

``python -m explorer.models.gp.recipes [--out checkpoints/gp]`` rebuilds every shipped preset
(and the README) reproducibly; the example recording is spoken with espeak-ng only if missing.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from explorer.audio.spectrum import bark_bands
from explorer.models.gp.builders import bark_kernel, harmonic_kernel, harmonic_spec
from explorer.models.gp.fit import fit_piecewise, round_sig
from explorer.models.gp.kernel import Component, SMKernel, kernel_from_arrays
from explorer.models.gp.presets import PRESET_DIR
from explorer.models.gp.spec import Amplitude, Blocks, Envelope, GPSpec

EXAMPLE_TEXT = "Hello, I am a Gaussian process."
EXAMPLE_WAV = PRESET_DIR / "examples" / "hello.wav"
PIANO_FIGURES = PRESET_DIR / "piano_figures.md"
SPEECH_FIGURES = PRESET_DIR / "speech_figures.md"  # measured by eval --model gp --audio (see the README)


def record_example(path: Path = EXAMPLE_WAV, *, sr: int = 16000) -> Path:
    """Speak :data:`EXAMPLE_TEXT` with Debian's espeak-ng, trim silence and resample with sox."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.wav"
        subprocess.run(["espeak-ng", "-s", "150", "-w", str(raw), EXAMPLE_TEXT], check=True)
        trim = ["silence", "1", "0.01", "1%", "reverse", "silence", "1", "0.01", "1%", "reverse"]
        subprocess.run(["sox", str(raw), "-r", str(sr), "-b", "16", str(path), *trim], check=True)
    return path


def _resonances(f: np.ndarray, peaks: Sequence[tuple[float, float, float]], floor_db: float = -40.0) -> np.ndarray:
    """Power gain of a few resonances (centre Hz, bandwidth Hz, level dB) at frequencies f."""
    g = np.full(np.shape(f), 10 ** (floor_db / 10))
    for centre, bw, level_db in peaks:
        g = g + 10 ** (level_db / 10) / (1.0 + ((np.asarray(f) - centre) / (bw / 2)) ** 2)
    return g


def _reweighted(kernel: SMKernel, gains: np.ndarray, *, extra: Sequence = ()) -> SMKernel:
    w = kernel.weights * gains
    comps = kernel_from_arrays(w / w.sum(), kernel.means_hz, kernel.lengthscales_s, decays_s=list(kernel.decays_s))
    return SMKernel(comps.components + tuple(extra), kernel.noise)


def _smooth_noise(n: int, *, seed: int, rates_hz: Sequence[float], hop_s: float) -> np.ndarray:
    """A deterministic slow random curve in [0, 1]: a few sines at ``rates_hz`` with seeded phases."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) * hop_s
    x = sum(np.sin(2 * np.pi * r * t + rng.uniform(0, 2 * np.pi)) / (1 + i) for i, r in enumerate(rates_hz))
    return (x - x.min()) / (x.max() - x.min())


def _middle_c() -> GPSpec:
    from explorer.models.gp.piano import piano_spec

    return piano_spec(
        60, description="GP middle C, piano-like: 24 stretched partials (B = 3.5e-4), each a narrow stochastic "
        "resonator with a two-stage decay (prompt sound, then aftersound; higher partials faster) and a "
        "hammer-noise burst at the onset.",
    )


def _speech_voiced(wav: Path) -> GPSpec:
    from explorer.audio.io import load_audio
    from explorer.models.gp.fit_track import fit_track

    return fit_track(
        load_audio(wav, sr=16000), sr=16000,
        description=f"Voiced GP track fitted to examples/{wav.name} (espeak-ng: '{EXAMPLE_TEXT}'): CREPE f0 and "
        "voicing per 10 ms, harmonics as phase-continuous resonators, Bark sub-band noise.",
    )


def _organ() -> GPSpec:
    return harmonic_spec(
        48, sr=44100, duration_s=3.0, n_partials=16, tilt_db_per_octave=-3.0, odd_even_db=2.0, purity_s=0.75,
        envelope=Envelope(0.06, 0.1, 0.9, 0.25),
        description="Organ-like C3: 16 very pure, steady partials, gentle tilt, slightly quieter even partials.",
    )


def _bowed() -> GPSpec:
    sr = 44100
    k = harmonic_kernel(55, sr=sr, n_partials=30, tilt_db_per_octave=-4.0, purity_s=0.12, noise=0.002)
    body = _resonances(k.means_hz, [(290, 120, 0), (480, 200, -3), (1100, 500, -6), (2600, 900, -8)], -20)
    return GPSpec(
        sr, 3.0, _reweighted(k, body), envelope=Envelope(0.15, 0.2, 0.8, 0.3), pitch_midi=55.0,
        description="Bowed-string-like G3: 30 partials with short lengthscales (bow noise, a restless pitch) "
        "shaped by body resonances; slow attack.",
    )


def _breathy_vowel() -> GPSpec:
    sr = 22050
    k = harmonic_kernel(57, sr=sr, n_partials=40, tilt_db_per_octave=-9.0, purity_s=0.04)
    ah = [(730, 90, 0), (1090, 110, -5), (2440, 170, -15), (3400, 250, -22)]
    voiced = _reweighted(k, _resonances(k.means_hz, ah, -45))
    # aspiration: Bark-band noise through the same formants, about 12 dB under the voice
    bands = np.asarray(bark_bands(sr))
    centres = bands.mean(axis=1)
    breath = bark_kernel(_resonances(centres, ah, -30) * 10 ** (-12 / 10) / len(bands), sr=sr)
    kernel = SMKernel(voiced.components + breath.components, 0.0)
    return GPSpec(
        sr, 2.5, kernel, envelope=Envelope(0.08, 0.1, 0.85, 0.3), pitch_midi=57.0,
        description="Breathy vowel 'ah' on A3: a steeply tilted, jittery harmonic source through four formants, "
        "plus formant-shaped aspiration noise (Bark bands).",
    )


def _wind() -> GPSpec:
    sr, duration, hop = 22050, 8.0, 0.2
    bands = np.asarray(bark_bands(sr))
    centres = bands.mean(axis=1)
    n_blocks = int(math.ceil(duration / hop)) + 1
    drift = _smooth_noise(n_blocks, seed=7, rates_hz=[0.07, 0.19, 0.41], hop_s=hop)
    kernels = []
    for b in range(n_blocks):
        roll = 250 + 900 * drift[b]  # Hz: the gust brightens the rush
        rush = bark_kernel(1.0 / (1.0 + (centres / roll) ** 2), sr=sr).scaled(1.0)
        whistle = Component(0.02 + 0.05 * drift[b], 520 + 380 * drift[b], 0.012)
        kernels.append(SMKernel(rush.components + (whistle,), 0.0).scaled(1.0 / (rush.variance + whistle.weight)))
    gust = 0.25 + 0.75 * _smooth_noise(int(duration / 0.05) + 1, seed=11, rates_hz=[0.09, 0.23, 0.5], hop_s=0.05)
    return GPSpec(
        sr, duration, kernels[0], envelope=Envelope(0.8, 0.0, 1.0, 1.0),
        blocks=Blocks(hop, hop, tuple(kernels)), amplitude=Amplitude(0.05, tuple(round_sig(v, 4) for v in gust)),
        description="Wind: low-passed Bark-band noise whose brightness, loudness and a faint whistle drift "
        "with slow gusts (piecewise-stationary, 0.2 s blocks).",
    )


def _surf() -> GPSpec:
    sr, duration, hop, period = 22050, 12.0, 0.25, 6.0
    bands = np.asarray(bark_bands(sr))
    centres = bands.mean(axis=1)
    n_blocks = int(math.ceil(duration / hop)) + 1
    kernels, amp = [], []
    for b in range(n_blocks):
        phase = ((b * hop) % period) / period  # 0 at the break of each wave
        crest = math.exp(-phase * 4.0)  # bright at the break, darker as the wash recedes
        tilt = (centres / 1000.0) ** (-0.6 + 0.5 * crest)
        kernels.append(bark_kernel(tilt / tilt.sum(), sr=sr))
    t = np.arange(int(duration / 0.05) + 1) * 0.05
    ph = (t % period) / period
    amp = 0.15 + 0.85 * np.where(ph < 0.08, ph / 0.08, np.exp(-(ph - 0.08) * 5.0))
    return GPSpec(
        sr, duration, kernels[0], envelope=Envelope(0.3, 0.0, 1.0, 1.0),
        blocks=Blocks(hop, hop, tuple(kernels)), amplitude=Amplitude(0.05, tuple(round_sig(v, 4) for v in amp)),
        description="Surf: broadband Bark-band noise in 6 s waves, bright at each break and darker as the "
        "wash recedes (piecewise-stationary, 0.25 s blocks).",
    )


def _speech_fit(wav: Path) -> GPSpec:
    from explorer.audio.io import load_audio

    y = load_audio(wav, sr=16000)
    return fit_piecewise(
        y, sr=16000,
        description=f"Piecewise fit (50 ms blocks, Bark-band peaks, envelope) to examples/{wav.name}: "
        f"espeak-ng saying '{EXAMPLE_TEXT}'",
    )


def _piano_fit(existing: Path) -> GPSpec:
    """A track fitted to the sampled grand piano C4 (needs FluidSynth and FluidR3_GM; else the file kept)."""
    from explorer.models.gp.fit_track import fit_track
    from explorer.models.gp.spec import load_gp_spec

    try:
        from explorer.data.soundfont.synth import Instrument, SoundfontSynth

        with SoundfontSynth([Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")]) as synth:
            real = synth.render(Instrument("FluidR3_GM.sf2", 0, 0, "piano", "piano"), 60, 100)
    except Exception:
        return load_gp_spec(existing)
    return fit_track(
        real.astype(np.float64)[: int(1.5 * 16000)], sr=16000, fmin=200, fmax=330,
        description="Voiced GP track fitted to a sampled grand piano C4 (FluidR3_GM.sf2, program 0, velocity 100, "
        "1.5 s, rendered with FluidSynth)",
    )


PRESETS: dict[str, Callable[[], GPSpec]] = {
    "gp-middle-c": _middle_c,
    "gp-organ": _organ,
    "gp-bowed": _bowed,
    "gp-breathy-vowel": _breathy_vowel,
    "gp-wind": _wind,
    "gp-surf": _surf,
}


def build_presets(out_dir: Path = PRESET_DIR, *, rerecord: bool = False) -> list[Path]:
    """Write every shipped preset (and the README) to ``out_dir``; returns the files written.

    The example recording is made with espeak-ng only if it is missing (or ``rerecord``); the
    fitted preset is always refitted from the recording on disk.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    wav = out_dir / "examples" / EXAMPLE_WAV.name
    if rerecord or not wav.exists():
        record_example(wav)
    specs = {name: make() for name, make in PRESETS.items()}
    specs["gp-speech-fit"] = _speech_fit(wav)
    specs["gp-speech-voiced"] = _speech_voiced(wav)
    specs["gp-piano-fit"] = _piano_fit(out_dir / "gp-piano-fit.json")
    written = []
    for name, spec in specs.items():
        path = out_dir / f"{name}.json"
        path.write_text(json.dumps(_compact(spec.to_json()), separators=(",", ":")) + "\n")
        written.append(path)
    readme = out_dir / "README.md"
    readme.write_text(_readme(specs))
    return written + [readme]


def _compact(obj):
    """Floats to 6 significant digits (preset files stay small and readable)."""
    if isinstance(obj, float):
        return round_sig(obj, 6)
    if isinstance(obj, dict):
        return {k: _compact(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_compact(v) for v in obj]
    return obj


def _readme(specs: dict[str, GPSpec]) -> str:
    rows = []
    for name, s in specs.items():
        n = len(s.kernel.components) if s.blocks is None else sum(len(k.components) for k in s.blocks.kernels)
        kind = "harmonic" if s.harmonic else "spectral mixture"
        kind += f", piecewise ({len(s.blocks.kernels)} blocks)" if s.blocks is not None else ", stationary"
        if s.track is not None:
            kind = f"voiced track ({s.track.n_frames} frames of {s.track.hop_s * 1000:g} ms, {s.track.n_harmonics} harmonics)"
            n = s.track.n_harmonics + s.track.noise_bands.shape[1]
        pitch = "" if s.pitch_midi is None else f"{s.pitch_midi:g}"
        rows.append(f"| `{name}` | {s.sample_rate} | {s.duration_s:g} | {pitch} | {kind}, {n} components | {s.description} |")
    return "\n".join(
        [
            "# GP presets",
            "",
            "GP kernel JSON files (DESIGN.md section 5), generated by `python -m explorer.models.gp.recipes`",
            "(do not edit by hand). Load one with `explorer.models.gp.load_gp(name)`, render it with",
            "`python -m explorer render --model gp --gp-kernel checkpoints/gp/NAME.json [--pitch MIDI]`.",
            "",
            "| name | sample rate | seconds | pitch (MIDI) | kernel | what it is |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
            "`examples/hello.wav`: our own recording, made with Debian's espeak-ng "
            f"(`espeak-ng -s 150 \"{EXAMPLE_TEXT}\"`, silence trimmed and resampled to 16 kHz with sox);",
            "`gp-speech-fit` (piecewise) and `gp-speech-voiced` (track, `python -m explorer fit`) are fitted to it;",
            "`gp-piano-fit` is a track fitted to a sampled grand piano C4 (FluidR3_GM, program 0, velocity 100).",
            "`examples/arctic_a0007.wav`: a real speech recording (a male voice, 4 s, 16 kHz) from the CMU ARCTIC",
            "database, as shipped in the `pysptk` package's example data; free for any use under the notice in",
            "`examples/arctic_a0007.COPYING`, kept unmodified.",
            "",
            "## Speech resynthesis, measured",
            "",
            SPEECH_FIGURES.read_text() if SPEECH_FIGURES.exists() else "(not measured yet)\n",
            "## Fields added to the contract (all optional)",
            "",
            "- `kernel.components[q].decay_s`: amplitude decay time of a component, s (power weight",
            "  falls as `exp(-2 t / decay_s)`); each frequency bin of the draw follows the decay of the",
            "  component that dominates it, so a piano-like note keeps coherent phases.",
            "- `pitch_midi`: the fundamental a harmonic kernel was built on; rendering at another pitch",
            "  multiplies every mean by `2 ** ((pitch - pitch_midi) / 12)`; partials above Nyquist are dropped.",
            "- `blocks`: `{\"hop_s\", \"crossfade_s\", \"kernels\": [kernel, ...]}`, a piecewise-stationary",
            "  sound: block b (starting at `b * hop_s`) is an exact draw of `kernels[b]` (the last one",
            "  holds), neighbours joined by power-complementary sine/cosine crossfades of `crossfade_s`.",
            "  `kernel` then holds a stationary summary (for a fit: the whole-clip fit).",
            "- `amplitude`: `{\"hop_s\", \"values\": [...]}`, a gain curve (e.g. a fitted recording's",
            "  demodulated envelope), linearly interpolated, last value held.",
            "- `track`: `{\"hop_s\", \"f0_hz\", \"voicing\", \"harmonics\", \"noise_bands\", \"bandwidth_hz\",",
            "  \"band_split\", \"inharmonicity\", \"coherence\"}`: a phase-continuous voiced/unvoiced GP following an f0 track",
            "  (harmonics = stochastic resonators on the running phase, state carried across frames;",
            "  Bark-band noise; `coherence`: the share of each harmonic's power locked to the track's phase);",
            "  its kernel is written out in `explorer/models/gp/track.py`.",
            "- `description`: text.",
            "",
            "Latent: the white-noise innovations of the draw (circulant embedding, size >= 2 x samples,",
            "or blocks x per-block size), so a preset's sound is reproduced by `seed` alone.",
            "",
            "## gp-middle-c against a sampled grand piano C4",
            "",
            "Measured by `python -m explorer.models.gp.piano` (FluidSynth renders the sampled note at 16 kHz;",
            "the GP note is resampled to 16 kHz; partial levels from a 128 ms Hann STFT, +-2 bins):",
            "",
            PIANO_FIGURES.read_text() if PIANO_FIGURES.exists() else "(not measured yet)\n",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m explorer.models.gp.recipes", description="Rebuild the shipped GP presets.")
    parser.add_argument("--out", type=Path, default=PRESET_DIR, help="output folder (default: checkpoints/gp)")
    parser.add_argument("--rerecord", action="store_true", help="speak the example recording again with espeak-ng")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    for path in build_presets(args.out, rerecord=args.rerecord):
        print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KB)")
    print(f"done in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
