"""The GP family: Gaussian-process audio with spectral-mixture kernels (DESIGN.md section 5).

One module per idea:

- :mod:`~explorer.models.gp.kernel`: components, ``SMKernel``, k(tau) and its PSD
- :mod:`~explorer.models.gp.spec`: ``GPSpec`` (envelope, amplitude, blocks), the GP kernel JSON read and written
- :mod:`~explorer.models.gp.sampling`: exact draws by circulant embedding, decays, the block grid
- :mod:`~explorer.models.gp.builders`: Bark-band and harmonic kernels, the mixture of two specs
- :mod:`~explorer.models.gp.model`: ``GPModel``, the family's :class:`~explorer.models.base.AudioModel`
- :mod:`~explorer.models.gp.presets`: the shipped presets in ``checkpoints/gp/``
- :mod:`~explorer.models.gp.fit` (with :mod:`~explorer.models.gp.optimise`): fitting a kernel to a recording
- :mod:`~explorer.models.gp.recipes`: how the shipped presets are made

What other code uses is exported here; ``fit`` and ``recipes`` are imported on their own because
they need torch.
"""

from explorer.audio.pitch import midi_to_hz  # re-exported for the GP page until it imports it from audio.pitch
from explorer.models.gp.builders import bark_kernel, harmonic_kernel, mix_specs
from explorer.models.gp.kernel import SMKernel
from explorer.models.gp.model import PITCH_RANGE, GPModel, debug_model, from_spec, load
from explorer.models.gp.presets import PRESET_DIR, list_gp_presets, load_gp
from explorer.models.gp.spec import Envelope, GPSpec, load_gp_spec, parse_gp_spec

__all__ = [
    "PITCH_RANGE",
    "PRESET_DIR",
    "Envelope",
    "GPModel",
    "GPSpec",
    "SMKernel",
    "bark_kernel",
    "debug_model",
    "from_spec",
    "harmonic_kernel",
    "list_gp_presets",
    "load",
    "load_gp",
    "load_gp_spec",
    "midi_to_hz",
    "mix_specs",
    "parse_gp_spec",
]
