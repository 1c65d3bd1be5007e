"""Streamlit pieces every page uses: page setup, cached models, the cached render, players and
sound panels, presets, URL state and the error panel.

The only part of :mod:`explorer` that imports streamlit. Caching lives here (the app layer):
``st.cache_resource`` for models (never mutated), ``st.cache_data(max_entries=...)`` for rendered
audio and figures. Pages use ``from explorer import ui`` and ``ui.<name>``:

- :mod:`~explorer.ui.page`     page_setup, NAVIGATION, control_columns, palette, note_name, note_caption, pitch_and_velocity, UPLOAD_MB
- :mod:`~explorer.ui.present`  presenting, copy_link (presentation mode, autoplay, the page link)
- :mod:`~explorer.ui.models`   get_model, model_from_sidebar, kernel_model, preset_model, morph_step_models
- :mod:`~explorer.ui.sound`    render, render_or_stop, player, sound_panel, spectrum_of, sound_file_name, wav_bytes
- :mod:`~explorer.ui.presets`  preset_controls, preset_from_upload, preset_uploader, current_preset
- :mod:`~explorer.ui.links`    query_notice and its checks (int_in, float_in, one_of)
- :mod:`~explorer.ui.errors`   show_error, reported
- :mod:`~explorer.ui.native`   in_worker (pitch tracking in the server's native worker process)
- :mod:`~explorer.ui.text`     plain (a string from a file, link or upload, shown as text)
"""

from explorer.ui.errors import reported, show_error
from explorer.ui.links import float_in, int_in, one_of, query_notice
from explorer.ui.models import (
    checkpoints_found,
    get_model,
    kernel_model,
    model_from_sidebar,
    model_key,
    morph_step_models,
    preset_model,
)
from explorer.ui.native import in_worker
from explorer.ui.page import (NAVIGATION, PALETTES, UPLOAD_MB, columns, control_columns, note_caption, note_name,
                              page_setup, palette, pitch_and_velocity)
from explorer.ui.present import copy_link, presenting
from explorer.ui.presets import (
    LoadedPreset,
    current_preset,
    preset_controls,
    preset_from_upload,
    preset_uploader,
    read_upload,
    remember_current,
)
from explorer.ui.sound import (Rendered, digest, player, render, render_or_stop, sound_file_name, sound_panel,
                               spectrum_of, wav_bytes)
from explorer.ui.text import plain

__all__ = [
    "NAVIGATION", "PALETTES", "columns", "control_columns", "copy_link", "presenting", "UPLOAD_MB", "LoadedPreset", "Rendered", "checkpoints_found", "current_preset", "float_in",
    "get_model", "in_worker", "int_in", "kernel_model", "model_from_sidebar", "model_key", "morph_step_models", "note_caption", "note_name",
    "one_of", "pitch_and_velocity", "page_setup", "palette", "plain", "player", "preset_controls", "preset_from_upload", "preset_model",
    "preset_uploader", "query_notice", "read_upload", "remember_current", "render", "render_or_stop",
    "reported", "show_error", "digest", "sound_file_name", "sound_panel", "spectrum_of", "wav_bytes",
]
