"""Training data: the procedural NSynth-like note dataset, and loading a user's own folder of sounds.

- :mod:`explorer.data.synth`: ``synthesize_note``, the note families, their timbre parameters.
- :mod:`explorer.data.dataset`: ``write_dataset`` (audio files, labels.jsonl, dataset card).
- :mod:`explorer.data.loader`: ``NoteDataset`` (a torch Dataset) and ``load_arrays`` (all in RAM),
  over our dataset folder or any folder of wav/flac/ogg/mp3 files. Imported on first use, so
  synthesis and dataset writing never load torch.
"""

from explorer.data.dataset import write_dataset
from explorer.data.synth import FAMILIES, FAMILY_SPECS, VELOCITIES, family_spec, sample_params, synthesize_note

__all__ = [
    "FAMILIES", "FAMILY_SPECS", "VELOCITIES", "family_spec", "sample_params", "synthesize_note",
    "write_dataset", "NoteDataset", "load_arrays",
]


def __getattr__(name: str):
    if name in ("NoteDataset", "load_arrays"):
        from explorer.data import loader

        return getattr(loader, name)
    raise AttributeError(f"module 'explorer.data' has no attribute {name!r}")
