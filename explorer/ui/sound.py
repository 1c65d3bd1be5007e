"""Sound on a page: the cached render, players with a WAV download, and the sound panel
(rainbowgram + power spectrum) drawn from the audio a person hears.

Rendered audio, WAV bytes and figures are cached in byte-bounded stores (:mod:`explorer.ui.cache`:
their size grows with the sound's length, which ``st.cache_data``'s entry counts ignore); figures are keyed by a digest of
the exact samples (and overlay curves) they show, so a picture never belongs to another sound, and
a rerun that shows the same sound builds no figure.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import numpy as np
import streamlit as st

from explorer.audio import audio_bytes, power_spectrum, rainbowgram
from explorer.audio.pitch import note_name as _pitch_name
from explorer.budget import budgeted
from explorer.figures.sound import content_top_hz, rainbowgram_figure, spectrum_figure
from explorer.models.base import AudioModel
from explorer.render import render_safe
from explorer.ui.cache import bytes_cache
from explorer.ui.text import plain
from explorer.ui.threads import on_render_thread
from explorer.ui.errors import reported
from explorer.ui.models import model_key
from explorer.ui.page import palette
from explorer.ui.present import PRESENT_FIG_HEIGHT, autoplaying, presenting


#: Megabytes each byte-bounded cache of this module may hold (shared by all sessions): about 1,000
#: VAE notes or 35 thirty-second GP draws at 48 kHz of audio, and their WAVs and pictures.
RENDER_MB, WAV_MB, FIGURE_MB = 200, 100, 150


@dataclass(frozen=True)
class Rendered:
    """What a page plays (the latent is not kept: a GP's is twice as long as the sound)."""

    y: np.ndarray  # float32 [samples], after safety
    sr: int  # Hz
    pitch: int | None  # MIDI pitch played (None: unconditioned model)
    silent: bool


def sound_file_name(family: str, checkpoint: str | None, *, source: str, pitch: int | None = None,
                    ext: str = "wav") -> str:
    """A download's file name saying what made the sound: model, checkpoint, seed or source, pitch.

    ``sound_file_name("vae", "vae-gm-v1", source="seed3", pitch=60)`` -> ``"vae-gm-v1-seed3-C4.wav"``
    (a checkpoint named after its family is not prefixed twice); characters a file name should not
    hold become ``-``."""
    model = checkpoint if checkpoint and checkpoint.startswith(f"{family}-") else "-".join(filter(None, [family, checkpoint]))
    parts = [model, source] + ([] if pitch is None else [_pitch_name(int(pitch))])
    name = re.sub(r"[^A-Za-z0-9#._-]+", "-", "-".join(parts)).strip("-.")
    return f"{re.sub(r'-{2,}', '-', name)[:120]}.{ext}"


def digest(a: np.ndarray) -> str:
    """A cache key for the exact values of an array (samples, latents): streamlit's own hash looks
    at only a sample of the values of arrays above 500k, and a GP latent can hold millions."""
    return hashlib.blake2b(np.ascontiguousarray(a).tobytes(), digest_size=16).hexdigest()


@bytes_cache(RENDER_MB)
@budgeted("sound", "This sound")
def _render(_model: AudioModel, key: str, z: bytes | None, seed: int | None, pitch: int | None,
            velocity: int | None = None) -> Rendered:
    latent = _model.sample_latent(1, seed)[0] if z is None else np.frombuffer(z, dtype=np.float32).copy()
    sound = on_render_thread(render_safe, _model, latent, pitch, velocity=velocity)
    return Rendered(y=sound.y, sr=sound.sr, pitch=sound.pitch, silent=sound.silent)


def render(model: AudioModel, *, z: np.ndarray | None = None, seed: int | None = None,
           pitch: int | None = None, velocity: int | None = None) -> Rendered:
    """The safe sound of latent ``z`` (float32 [latent_dim]) or of ``sample_latent(1, seed)``, at
    ``pitch`` (MIDI; None: the model's default) and ``velocity`` (models conditioned on it; None:
    the default), cached per model, latent, pitch and velocity."""
    z_bytes = None if z is None else np.ascontiguousarray(z, dtype=np.float32).tobytes()
    return _render(model, model_key(model), z_bytes, None if seed is None else int(seed),
                   None if pitch is None else int(pitch), None if velocity is None else int(velocity))


def render_or_stop(model: AudioModel, *, context: str = "This setting could not be rendered", **latent) -> Rendered:
    """:func:`render`, or an error panel and the end of the page (the page has nothing to show)."""
    with reported(context, stop=True):
        return render(model, **latent)
    raise AssertionError("unreachable: reported(stop=True) stops the page")


@bytes_cache(WAV_MB)
def _wav(_y: np.ndarray, key: str, sr: int) -> bytes:
    return audio_bytes(_y, sr=sr)


def wav_bytes(y: np.ndarray, sr: int) -> bytes:
    """16-bit WAV file bytes of ``y`` (already safe) at ``sr`` Hz."""
    return _wav(y, digest(y), sr)


@bytes_cache(FIGURE_MB / 4)
def _spectrum_of(_y: np.ndarray, key: str, sr: int) -> tuple[np.ndarray, np.ndarray]:
    return power_spectrum(_y, sr=sr)


def spectrum_of(y: np.ndarray, sr: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`explorer.audio.power_spectrum` of ``y`` (float32 [samples] at ``sr`` Hz), cached by its
    samples: a page that needs the numbers and the panel that draws them compute them once."""
    return _spectrum_of(y, digest(y), sr)


@bytes_cache(FIGURE_MB)
def _panel_figures(_y: np.ndarray, key: str, sr: int, pal: str, max_hz: float | None, title: str, big: bool):
    freqs, psd = _spectrum_of(_y, key, sr)
    top = content_top_hz(freqs, psd)  # the axis ends where the sound does
    top = top if max_hz is None else min(max_hz, top)
    fig = rainbowgram_figure(rainbowgram(_y, sr=sr, palette=pal, fmax=top), max_hz=top, title=f"Rainbowgram{title}")
    return (_bigger(fig) if big else fig), (freqs, psd)


@bytes_cache(FIGURE_MB / 2)
def _spectrum(_freqs: np.ndarray, _psd: np.ndarray, key: str, _overlays: list, overlays_key: str,
              bands: tuple | None, title: str, big: bool):
    fig = spectrum_figure(_freqs, _psd, overlays=_overlays, bands=None if bands is None else list(bands), title=title,
                          max_hz=content_top_hz(_freqs, _psd))
    return _bigger(fig) if big else fig


def _bigger(fig):
    """A figure for presentation mode: taller, with large type."""
    fig.update_layout(height=PRESENT_FIG_HEIGHT, font=dict(size=18), title_font=dict(size=22),
                      legend=dict(font=dict(size=16)))
    # the axes' own fonts: streamlit's chart theme would keep its small default for the ticks
    for update in (fig.update_xaxes, fig.update_yaxes):
        update(tickfont=dict(size=16), title_font=dict(size=18))
    return fig


def _overlays_key(overlays: list) -> str:
    return "|".join(f"{digest(np.asarray(f))}:{digest(np.asarray(p))}:{name}" for f, p, name in overlays)


def player(y: np.ndarray, sr: int, *, key: str, label: str = "", file_name: str = "sound.wav",
           autoplay: bool = False) -> None:
    """An audio player plus a WAV download of the same (already safe) samples. ``autoplay``: the
    page's main sound, played as soon as it changes unless autoplay is switched off."""
    data = wav_bytes(y, sr)
    if label:
        st.caption(plain(label))
    st.audio(data, format="audio/wav", autoplay=autoplay and autoplaying())
    st.download_button("Download WAV", data, file_name=file_name, mime="audio/wav", key=f"{key}_dl",
                       icon=":material/download:")
    if not np.any(y):
        st.info("This setting renders silence (nothing above -70 dBFS), so the player is silent.",
                icon=":material/volume_off:")


def sound_panel(
    y: np.ndarray,
    sr: int,
    *,
    key: str,
    title: str = "",
    overlays: list | None = None,
    bands: list | None = None,
    max_hz: float | None = None,
    spectrum: bool = True,
    stacked: bool = False,
) -> None:
    """Rainbowgram and power spectrum of ``y`` (float32 [samples] at ``sr`` Hz), the audio played.

    Side by side by default; ``stacked=True`` puts them one above the other (for a narrow column).
    ``overlays``: extra spectrum curves ``(freqs_hz, psd, label)``; ``bands``: shaded (lo, hi) Hz.
    """
    big = presenting()
    rg_fig, (freqs, psd) = _panel_figures(y, digest(y), sr, palette(), max_hz, f" {title}" if title else "", big)
    cols = st.columns(2) if spectrum and not (stacked or big) else [st.container(), st.container()]
    cols[0].plotly_chart(rg_fig, key=f"{key}_rg", config={"displaylogo": False})
    if spectrum:
        overlays = overlays or []
        fig = _spectrum(freqs, psd, digest(y), overlays, _overlays_key(overlays),
                        None if bands is None else tuple(map(tuple, bands)), f"Power spectrum{' ' + title if title else ''}",
                        big)
        cols[1].plotly_chart(fig, key=f"{key}_spec", config={"displaylogo": False})
