"""The audio core: STFT, log-magnitude + IF, mel, rainbowgrams, spectra, safety and I/O.

numpy/librosa/torch only; no streamlit.
"""

from explorer.audio.constants import *  # noqa: F401,F403
from explorer.audio.io import audio_bytes, load_audio, write_audio  # noqa: F401
from explorer.audio.safety import fade, is_silent, make_safe, rms_dbfs  # noqa: F401
