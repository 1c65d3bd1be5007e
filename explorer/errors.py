"""The error types a user can see.

Every message is meant to be shown as is: the CLI prints ``error: <message>`` and exits 2,
the app shows it in a friendly error panel. Internal bugs stay ordinary exceptions.
"""


class ExplorerError(Exception):
    """Base class of every user-facing error."""


class ParameterError(ExplorerError, ValueError):
    """A bad parameter value (librosa's convention: one error type for bad parameters)."""


class AudioLoadError(ExplorerError):
    """An audio file that cannot be used: empty, corrupt, not audio, silent, too long or too big."""


class CheckpointError(ExplorerError):
    """A checkpoint that is missing, truncated, foreign, unsafe or of an unknown version."""


class PresetError(ExplorerError):
    """A preset or GP kernel JSON that is malformed or out of range."""
