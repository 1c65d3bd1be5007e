"""Command line: ``python -m explorer {render,interpolate,dataset,train,eval,bench} ...``.

The contract is DESIGN.md section 6. Bad input prints one ``error: ...`` line and exits 2;
success exits 0. User-facing failures are :class:`explorer.errors.ExplorerError`.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from dataclasses import replace
from pathlib import Path

from explorer import outputs
from explorer.errors import ExplorerError, ParameterError, PresetError
from explorer.models.registry import FAMILIES

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, no usage dump
        sys.stderr.write(f"error: {message} (see {self.prog} --help)\n")
        raise SystemExit(EXIT_BAD_INPUT)


def _whole(what: str, lo: int, hi: int | None = None):
    """An argparse type: a whole number ``lo``..``hi`` (no upper bound when ``hi`` is None)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a whole number, got {text!r}") from None
        if value < lo or (hi is not None and value > hi):
            span = ("positive" if lo == 1 else f"at least {lo}") if hi is None else f"between {lo} and {hi}"
            raise argparse.ArgumentTypeError(f"{what} must be {span}, got {value}")
        return value

    return parse


_seed = _whole("seed", 0, 2**32 - 1)
_positive = _whole("the value", 1)  # a count
_velocity = _whole("velocity", 1, 127)


def _pitch(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        pass
    import librosa  # note names such as C4 or F#3

    try:
        return int(librosa.note_to_midi(text))
    except Exception:
        raise argparse.ArgumentTypeError(f"pitch must be a MIDI number or a note name like C4, got {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m explorer", description="Latent Audio Explorer: render, morph, train and measure.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    r = sub.add_parser("render", help="render one sound to a WAV file")
    r.add_argument("--model", choices=FAMILIES, help="model family (or taken from --preset)")
    r.add_argument("--checkpoint", help="checkpoint name in checkpoints/ or a file path (default: shipped model)")
    r.add_argument("--seed", type=_seed, help="latent seed (default 0)")
    r.add_argument("--preset", type=Path, help="preset JSON to render")
    r.add_argument("--gp-kernel", type=Path, help="GP kernel JSON file (GP model)")
    r.add_argument("--pitch", type=_pitch, help="MIDI pitch or note name (e.g. 60 or C4)")
    r.add_argument("--velocity", type=_velocity, help="MIDI velocity 1-127, for models conditioned on it "
                   "(default: the preset's, else the model's)")
    r.add_argument("--out", type=Path, help="output WAV (default: MODEL.wav, or MODEL-song.wav with --midi)")
    r.add_argument("--midi", type=Path, help="play this MIDI file with the sound (a song instead of one note)")
    r.add_argument("--out-of-range", choices=("fold", "skip"), default="fold",
                   help="--midi notes outside the model's range: moved by octaves into it, or left out")

    x = sub.add_parser("export", help="export the sound as a sampler instrument (SFZ: WAVs, .sfz, preset)")
    x.add_argument("--model", choices=FAMILIES, help="model family (or taken from --preset)")
    x.add_argument("--checkpoint", help="checkpoint name in checkpoints/ or a file path (default: shipped model)")
    x.add_argument("--seed", type=_seed, help="latent seed (default 0)")
    x.add_argument("--preset", type=Path, help="preset JSON of the sound")
    x.add_argument("--gp-kernel", type=Path, help="GP kernel JSON file (GP model)")
    x.add_argument("--format", choices=("sfz",), default="sfz")
    x.add_argument("--out", type=Path, required=True, help="output folder (new or empty) or .zip file")

    n = sub.add_parser("encode", help="encode a recorded note into a preset of its code (VAE)")
    n.add_argument("--model", choices=("vae",), default="vae", help="model family (only the VAE can encode)")
    n.add_argument("--checkpoint", help="checkpoint name in checkpoints/ or a file path (default: shipped model)")
    n.add_argument("--audio", type=Path, required=True, help="the sound file (wav, flac, ogg, mp3, aiff)")
    n.add_argument("--pitch", type=_pitch, help="MIDI pitch or note name of the note (default: estimated)")
    n.add_argument("--offset", type=float, default=0.0, metavar="S", help="where the note starts, seconds (default 0)")
    n.add_argument("--out", type=Path, required=True, help="preset JSON to write")

    i = sub.add_parser("interpolate", help="morph between two sounds (slerp or lerp) into step WAVs")
    i.add_argument("--model", choices=FAMILIES, required=True)
    i.add_argument("--checkpoint")
    i.add_argument("--gp-kernel", type=Path, help="GP kernel JSON for seed endpoints (GP model)")
    i.add_argument("--from", dest="a", required=True, help="endpoint A: an integer seed or a preset file")
    i.add_argument("--to", dest="b", required=True, help="endpoint B: an integer seed or a preset file")
    i.add_argument("--steps", type=_positive, default=9)
    i.add_argument("--method", choices=("slerp", "lerp"), default="slerp")
    i.add_argument("--pitch", type=_pitch)
    i.add_argument("--kernel", choices=("fixed", "interpolated"), default="fixed",
                   help="GP with two preset endpoints: keep A's kernel, or move it to B's along the path")
    i.add_argument("--kernel-mix", choices=("even", "linear"), default="even",
                   help="with --kernel interpolated: steps that change the brightness evenly (default), or the "
                        "power spectra mixed at evenly spaced fractions")
    i.add_argument("--out", type=Path, required=True, help="output folder")

    d = sub.add_parser("dataset", help="make the NSynth-like training notes: synthetic, or real instruments from soundfonts")
    d.add_argument("--source", choices=("synth", "soundfont"), default="synth",
                   help="synth: the procedural synthesizer (needs nothing installed); soundfont: sampled "
                   "instruments from General MIDI soundfonts (apt-get install fluid-soundfont-gm "
                   "musescore-general-soundfont libfluidsynth3)")
    d.add_argument("--soundfont", type=Path, nargs="+", metavar="FILE",
                   help="soundfont files (.sf2/.sf3) to render (default: the installed Fluid R3 and MuseScore General)")
    d.add_argument("--out", type=Path, required=True)
    d.add_argument("--size", type=_positive, help="notes to make (synth default 10000; soundfont default: every "
                   "instrument x pitch x velocity; quality control drops a few)")
    d.add_argument("--seed", type=_seed, default=0)
    d.add_argument("--families", nargs="+", help="subset of instrument families (soundfont: piano, mallet, organ, "
                   "guitar, bass, strings, voice, brass, reed, flute, synth_lead, synth_pad)")
    d.add_argument("--workers", type=_positive, default=2)

    t = sub.add_parser("train", help="train a VAE or GAN checkpoint")
    t.add_argument("family", choices=("vae", "gan"))
    t.add_argument("--data", type=Path, required=True, help="dataset folder (ours or any folder of sounds)")
    t.add_argument("--out", type=Path, required=True, help="checkpoint path without extension, e.g. checkpoints/NAME")
    t.add_argument("--steps", type=_whole("--steps", 0),
                   help="training steps in all (with --init, 0 trains nothing: the VAE's prior is fitted again)")
    t.add_argument("--max-notes", type=_positive, metavar="N",
                   help="train on the first N notes of the dataset (a corpus lists them balanced across instruments)")
    t.add_argument("--smoke-test", action="store_true", help="tiny model, a few steps (for tests)")
    t.add_argument("--resume", action="store_true", help="continue from OUT's last training state")
    t.add_argument("--init", metavar="NAME_OR_PATH",
                   help="VAE only: start from this checkpoint's weights (fine-tune it, e.g. on your own sounds)")

    e = sub.add_parser("eval", help="measure a model's quality")
    e.add_argument("--model", choices=FAMILIES, required=True)
    e.add_argument("--checkpoint")
    e.add_argument("--data", type=Path, help="synthetic dataset folder of the older figures (default: data/synth)")
    e.add_argument("--real-data", type=Path, help="real corpus folder (default: data/gm, else built in the user cache)")
    e.add_argument("--audio", type=Path, help="GP: evaluate the fit of this recording")
    e.add_argument("--classifier", help="family classifier checkpoint (default: checkpoints/classifier-gm-v1)")
    e.add_argument("--quick", action="store_true", help="fewer samples (a rough figure, for tests)")
    e.add_argument("--json", action="store_true", help="print one JSON object")

    f = sub.add_parser("fit", help="fit a voiced GP kernel (f0 track, harmonics, noise bands) to a recording")
    f.add_argument("--audio", type=Path, required=True, help="the recording (0.1-30 s)")
    f.add_argument("--out", type=Path, required=True, help="GP kernel JSON to write")
    f.add_argument("--block-ms", type=float, default=10.0, help="frame hop of the fitted track, ms (default 10)")
    f.add_argument("--components", type=_positive, help="harmonics per frame (default: up to 0.95 x Nyquist, at most 80)")
    f.add_argument("--sr", type=int, choices=(16000, 22050, 44100, 48000), default=16000, help="sample rate, Hz")

    b = sub.add_parser("bench", help="speed against baselines measured in the same run")
    b.add_argument("--json", action="store_true", help="print one JSON object")
    b.add_argument("--repeats", type=_positive, default=5)
    return p


def _load_json_file(path: Path, what: str) -> object:
    if not path.is_file():
        raise PresetError(f"{what} file {path} not found")
    if path.stat().st_size > 5_000_000:
        raise PresetError(f"{what} file {path} is too large")
    from explorer.jsonfile import read_json

    try:
        return read_json(path.read_bytes(), what=what)
    except PresetError as exc:
        raise PresetError(f"{path}: {exc}") from None


def _read_preset(text: str | Path):
    from explorer.presets import parse_preset

    return parse_preset(_load_json_file(Path(text), "preset"))


def _endpoint(text: str):
    """An interpolation endpoint: an integer seed or a preset file -> (seed, None) or (None, preset)."""
    try:
        return _seed(text), None
    except argparse.ArgumentTypeError:
        return None, _read_preset(text)


def _check_presets(family: str, presets) -> None:
    for p in presets:
        if p is not None and p.model != family:
            raise PresetError(f"preset is for the {p.model} model, not {family}")


def _model(args, family: str, presets):
    """The model a command plays, asked of the registry: ``--gp-kernel``'s kernel; else the model
    the first preset plays on (an explicit ``--checkpoint`` replaces the checkpoint it names);
    else ``--checkpoint`` or the family's default. A notice (the preset's checkpoint is not
    installed) goes to stderr as one ``note:`` line."""
    from explorer.models.registry import load_model, model_for_kernel, model_for_preset

    if args.gp_kernel and family != "gp":  # option check: a kernel file only makes a GP
        raise ParameterError("--gp-kernel is only for --model gp")
    if args.gp_kernel:
        return model_for_kernel(_load_json_file(args.gp_kernel, "GP kernel"))
    preset = next((p for p in presets if p is not None), None)
    if preset is None:
        return load_model(family, args.checkpoint)
    current = load_model(family, args.checkpoint) if args.checkpoint else None
    model, notice = model_for_preset(replace(preset, checkpoint=None) if current else preset, current=current)
    if notice:
        sys.stderr.write(f"note: {notice}\n")
    return model


def _timbre(args):
    """(family, model, preset, z) of ``--model/--seed/--preset/--checkpoint/--gp-kernel``."""
    from explorer.presets import Preset
    from explorer.render import preset_latent

    preset = _read_preset(args.preset) if args.preset else None
    family = args.model or (preset.model if preset else None)
    if family is None:
        raise ParameterError("give --model or --preset")
    _check_presets(family, [preset])
    model = _model(args, family, [preset])
    if getattr(args, "velocity", None) is not None and getattr(model, "velocity_range", None) is None:
        raise ParameterError("this model has no velocity knob: leave out --velocity")
    if args.seed is not None or preset is None:
        preset = Preset(model=family, seed=args.seed or 0, pitch=preset.pitch if preset else None,
                        velocity=getattr(args, "velocity", None) or (preset.velocity if preset else None))
    return family, model, preset, preset_latent(model, preset)


def cmd_render(args) -> int:
    from explorer.render import render_safe

    if args.midi is None:  # checked before any work (a song's output is checked by its renderer)
        family = args.model or (_read_preset(args.preset).model if args.preset else None)
        if family is None:
            raise ParameterError("give --model or --preset")
        out = outputs.check_file(args.out or Path(f"{family}.wav"), suffixes=outputs.AUDIO_SUFFIXES)
    family, model, preset, z = _timbre(args)
    if args.midi is not None:
        from explorer.play.cli import render_midi

        return render_midi(model, z, args.midi, out=args.out or Path(f"{family}-song.wav"), policy=args.out_of_range)
    sound = render_safe(model, z, args.pitch if args.pitch is not None else preset.pitch,
                        velocity=args.velocity if args.velocity is not None else preset.velocity)
    outputs.write_sound(out, sound.y, sr=sound.sr)
    print(f"wrote {out} ({len(sound.y) / sound.sr:.2f} s at {sound.sr} Hz{', silent' if sound.silent else ''})")
    return 0


def cmd_encode(args) -> int:
    from explorer.models.vae import encode_sound
    from explorer.presets import Preset

    out = outputs.check_file(args.out, suffixes=outputs.JSON_SUFFIXES)
    if not args.audio.is_file():
        raise ParameterError(f"--audio {args.audio} not found")
    from explorer.models.registry import load_model

    model = load_model("vae", args.checkpoint)
    enc = encode_sound(model, args.audio, pitch=args.pitch, offset_s=args.offset)
    name = Path(model.source).stem if model.source and model.source != "debug" else None
    preset = Preset(model="vae", checkpoint=name, pitch=enc.pitch, latent=[round(float(v), 5) for v in enc.z])
    outputs.write_text(out, preset.to_json() + "\n")
    how = "given" if args.pitch is not None else ("estimated" if enc.pitch_estimated else
                                                   "not found, so the default was used")
    print(f"wrote {out}: {args.audio.name} encoded at MIDI {enc.pitch} (pitch {how}); "
          f"play it with: python -m explorer render --preset {out}")
    if enc.pitch_note:
        print(enc.pitch_note)
    return 0


def cmd_export(args) -> int:
    from explorer.play.cli import export

    _, model, preset, z = _timbre(args)
    return export(model, z, preset, fmt=args.format, out=args.out)


def cmd_interpolate(args) -> int:
    from explorer.latent.morph import render_morph
    from explorer.models.registry import morph_models
    from explorer.render import preset_latent

    if not 2 <= args.steps <= 1000:
        raise ParameterError(f"--steps must be between 2 and 1000, got {args.steps}")
    (seed_a, pa), (seed_b, pb) = _endpoint(args.a), _endpoint(args.b)
    _check_presets(args.model, [pa, pb])
    out = outputs.check_folder(args.out)
    model = _model(args, args.model, [pa, pb])
    outputs.check_work(2 * args.steps, outputs.samples_per_sound(model))  # the steps, and morph.wav
    za, zb = (model.sample_latent(1, seed)[0] if p is None else preset_latent(model, p)
              for seed, p in ((seed_a, pa), (seed_b, pb)))
    pitch = args.pitch if args.pitch is not None else next((p.pitch for p in (pa, pb) if p and p.pitch), None)
    step_models = None
    if args.kernel == "interpolated":
        step_models = morph_models(pa, pb, steps=args.steps, pitch=pitch, mix=args.kernel_mix)
        if step_models is None:  # option check
            raise ParameterError("--kernel interpolated needs --model gp and two GP preset files (with different "
                                 "kernels) as endpoints")
    morph = render_morph(model, za, zb, steps=args.steps, method=args.method, pitch=pitch, step_models=step_models)
    with outputs.atomic_folder(out) as tmp:  # all the files appear at once, or none
        for k, s in enumerate(morph.steps):
            outputs.write_sound(tmp / f"step_{k:02d}.wav", s.y, sr=s.sr)
        outputs.write_sound(tmp / "morph.wav", morph.y, sr=morph.sr)
        outputs.write_text(tmp / "path.json", json.dumps({"model": args.model, "kernel": args.kernel,
                                                          **morph.path_json()}, indent=1))
    print(f"wrote {args.steps} steps, morph.wav and path.json to {out}")
    return 0


def _require(module: str, what: str):
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name == module:
            raise ExplorerError(f"{what} is not available yet in this version") from None
        raise


def cmd_dataset(args) -> int:
    outputs.check_folder(args.out, make_parents=True)
    if args.source == "soundfont":
        corpus = _require("explorer.data.soundfont.corpus", "the soundfont corpus")
        out = corpus.write_corpus(args.out, soundfonts=args.soundfont, size=args.size, seed=args.seed,
                                  families=args.families, workers=args.workers)
        card = json.loads((out / "dataset_card.json").read_text(encoding="utf-8"))
        print(f"corpus written to {out}: {card['size']:,} notes of {card['counts']['instruments_total']} instruments "
              f"({card['hours']:.1f} h), {card['dropped']['total']:,} dropped by quality control")
        return 0
    if args.soundfont:
        raise ParameterError("--soundfont is for --source soundfont")
    dataset = _require("explorer.data.dataset", "the dataset synthesizer")
    out = dataset.write_dataset(args.out, size=args.size or 10000, seed=args.seed, families=args.families,
                                workers=args.workers)
    print(f"dataset written to {out}")
    return 0


def cmd_train(args) -> int:
    if args.init and args.family != "vae":  # option check: fine-tuning exists for the VAE only
        raise ParameterError("--init (fine-tuning from a checkpoint) is for the VAE")
    if args.steps == 0 and not args.init:
        raise ParameterError("--steps 0 trains nothing: it only fits the prior of an --init checkpoint again")
    from explorer.training import out_stem

    outputs.check_stem(out_stem(args.out))
    train = _require(f"explorer.models.{args.family}.training", f"training the {args.family.upper()}")
    train.main(args)
    return 0


def cmd_eval(args) -> int:
    evaluate = _require("explorer.evaluation.run", "evaluation")
    result = evaluate.run(args.model, checkpoint=args.checkpoint, data=args.data, quick=args.quick,
                          real_data=args.real_data, audio=args.audio, classifier=args.classifier)
    print(json.dumps(result) if args.json else evaluate.format_report(result))
    return 0


def cmd_bench(args) -> int:
    bench = _require("explorer.evaluation.bench", "the benchmark")
    result = bench.run(repeats=args.repeats)
    print(json.dumps(result) if args.json else bench.format_table(result))
    return 0


COMMANDS = {
    "render": cmd_render,
    "encode": cmd_encode,
    "export": cmd_export,
    "interpolate": cmd_interpolate,
    "dataset": cmd_dataset,
    "train": cmd_train,
    "eval": cmd_eval,
    "bench": cmd_bench,
    "fit": lambda args: importlib.import_module("explorer.models.gp.fit_cli").run(args),
}


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (ExplorerError, ValueError) as exc:
        sys.stderr.write(f"error: {_one_line(exc)}\n")
        return EXIT_BAD_INPUT
    except OSError as exc:  # a disk that fills, a file that vanished: the system's words, one line
        where = f": {exc.filename}" if exc.filename else ""
        sys.stderr.write(f"error: {exc.strerror or _one_line(exc)}{where}\n")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        sys.stderr.write("error: interrupted\n")
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
