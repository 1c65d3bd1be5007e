"""Rainbowgrams (NSynth / GANSynth): brightness = log magnitude, colour = instantaneous frequency.

Brightness is the STFT magnitude in dB relative to the loudest bin, over a fixed ``top_db``
range (black at ``-top_db`` dB and below). Colour is :func:`explorer.audio.spectral.if_deviation`,
how far the phase of each bin advances from its own centre frequency, in [-1, 1]: a steady
partial paints a stable band of one colour, a noisy or transient region a speckle of colours.

Palettes (lookup tables of 256 RGB colours, no matplotlib needed):

- ``"rainbow"``: the classic, matplotlib's "rainbow" map (violet -> cyan-green -> red) that the
  NSynth and GANSynth rainbowgrams use, ``r = |2x - 0.5|, g = sin(pi x), b = cos(pi x / 2)``.
- ``"colorblind"``: a blue -> grey -> yellow diverging map. Red-green colour blindness
  (protanopia and deuteranopia, ~8% of men) keeps the blue-yellow opponent channel, which is
  why cividis and ColorBrewer's safe diverging maps are built on it. Its three anchors have
  similar luminance (0.59, 0.65, 0.73), so brightness keeps meaning loudness; grey marks "on the
  bin centre", blue "below it", yellow "above it".
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from explorer.audio.constants import HOP_LENGTH, N_FFT
from explorer.audio.spectral import if_deviation, instantaneous_frequency
from explorer.audio.stft import stft
from explorer.errors import ParameterError

PALETTES = ("rainbow", "colorblind")

_COLORBLIND_ANCHORS = np.array([[0.35, 0.62, 1.00], [0.65, 0.65, 0.65], [0.95, 0.72, 0.15]])  # RGB in [0, 1]


@dataclass(frozen=True)
class Rainbowgram:
    """A rainbowgram image and its axes.

    image : np.ndarray [shape=(F, T, 3), dtype=uint8], RGB; row 0 is the lowest frequency
        (flip it, or use an image origin of "lower", to draw high frequencies on top).
    times_s : np.ndarray [shape=(T,)], frame centres, seconds.
    freqs_hz : np.ndarray [shape=(F,)], bin centres, Hz.
    """

    image: np.ndarray
    times_s: np.ndarray
    freqs_hz: np.ndarray


@lru_cache(maxsize=4)
def palette_lut(palette: str = "rainbow") -> np.ndarray:
    """The palette as a lookup table ``[256 x 3]`` float32 RGB in [0, 1]; entry ``i`` is the
    colour of deviation ``2 i / 255 - 1`` (e.g. for a legend). Cached and read-only."""
    if palette not in PALETTES:
        raise ParameterError(f"palette must be one of {PALETTES}, got {palette!r}")
    x = np.linspace(0.0, 1.0, 256)
    if palette == "rainbow":
        lut = np.stack([np.abs(2 * x - 0.5), np.sin(np.pi * x), np.cos(np.pi * x / 2)], axis=-1)
    else:
        lut = np.stack([np.interp(x, [0.0, 0.5, 1.0], _COLORBLIND_ANCHORS[:, c]) for c in range(3)], axis=-1)
    lut = np.clip(lut, 0.0, 1.0).astype(np.float32)
    lut.flags.writeable = False
    return lut


def rainbowgram(
    y: np.ndarray, *, sr: float, n_fft: int = N_FFT, hop_length: int = HOP_LENGTH, top_db: float = 80.0,
    palette: str = "rainbow", fmax: float | None = None,
) -> Rainbowgram:
    """Rainbowgram of a sound.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)], audio, finite
    sr : float, Hz
    n_fft, hop_length : int, STFT size and hop, samples
    top_db : float > 0
        dB range of the brightness below the loudest bin.
    palette : "rainbow" or "colorblind"
    fmax : float > 0 or None
        Keep only the bins up to this frequency (Hz; None: all). Brightness stays relative to the
        loudest bin of the whole spectrum, so a crop does not brighten what is left.

    Returns
    -------
    Rainbowgram
        ``image`` uint8 ``[F x T x 3]``, F = ``1 + n_fft // 2`` or the bins up to ``fmax``; digital
        silence is all black.
    """
    if not np.isscalar(sr) or not sr > 0:
        raise ParameterError(f"sr must be a positive number, got {sr!r}")
    if not np.isscalar(top_db) or not top_db > 0:
        raise ParameterError(f"top_db must be > 0, got {top_db!r}")
    lut = palette_lut(palette)
    if np.ndim(y) != 1:
        raise ParameterError(f"rainbowgram expects mono audio [n], got shape {np.shape(y)}")
    if fmax is not None and not (np.isscalar(fmax) and fmax > 0):
        raise ParameterError(f"fmax must be > 0 Hz or None, got {fmax!r}")
    S = stft(y, n_fft=n_fft, hop_length=hop_length)  # [F x T]
    mag = np.abs(S)
    peak = float(mag.max()) if mag.size else 0.0
    if fmax is not None:  # the colour and brightness of bins never shown are not worth computing
        keep = max(1, int(np.floor(fmax * n_fft / sr)) + 1)
        S, mag = S[:keep], mag[:keep]
    if peak > 0:
        db = 20.0 * np.log10(np.maximum(mag, peak * 1e-12) / peak)  # dB re loudest bin
        bright = np.clip(1.0 + db / top_db, 0.0, 1.0)
    else:
        bright = np.zeros_like(mag)
    dev = if_deviation(instantaneous_frequency(np.angle(S)), hop_length=hop_length, n_fft=n_fft,
                       cropped=fmax is not None)
    if dev.shape[-1] > 1:
        dev[:, 0] = dev[:, 1]  # frame 0 holds a phase, not a difference
    idx = np.clip(np.rint((dev + 1.0) * 127.5), 0, 255).astype(np.intp)
    image = (lut[idx] * (255.0 * bright)[..., None] + 0.5).astype(np.uint8)
    t = S.shape[-1]
    return Rainbowgram(
        image=image,
        times_s=np.arange(t) * hop_length / sr,
        freqs_hz=np.arange(S.shape[-2]) * sr / n_fft,
    )
