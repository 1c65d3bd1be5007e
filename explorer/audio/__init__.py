"""The audio core: STFT, log-magnitude + IF, mel, phase, rainbowgrams, spectra, pitch, features,
safety and I/O.

numpy/librosa/torch only; no streamlit.

The functions are re-exported here (``from explorer.audio import stft, rainbowgram``). Two of
them share a name with their module (``stft``, ``rainbowgram``), so the package attribute is the
function; reach the modules with ``from explorer.audio.stft import ...``.
"""

from explorer.audio.constants import *  # noqa: F401,F403
from explorer.audio.io import audio_bytes, load_audio, write_audio  # noqa: F401
from explorer.audio.safety import fade, is_silent, make_safe, rms_dbfs  # noqa: F401
from explorer.audio.mel import mel_basis, mel_spectrogram, mel_to_audio, mel_to_stft  # noqa: F401
from explorer.audio.phase import griffin_lim  # noqa: F401
from explorer.audio.features import descriptors, log_mel_db, mel_db, spectral_convergence  # noqa: F401
from explorer.audio.pitch import cents_between, hz_to_midi, median_f0, midi_to_hz, note_name, pitch_hits  # noqa: F401
from explorer.audio.rainbowgram import PALETTES, Rainbowgram, palette_lut, rainbowgram  # noqa: F401
from explorer.audio.spectral import (  # noqa: F401
    from_logmag_if, from_mel_logmag_if, if_deviation, if_to_hz, to_logmag_if, to_mel_logmag_if,
)
from explorer.audio.spectrum import BARK_EDGES_HZ, bark_bands, power_spectrum  # noqa: F401
from explorer.audio.stft import istft, stft  # noqa: F401
