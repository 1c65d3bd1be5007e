"""The GP family: Gaussian-process audio with spectral-mixture kernels (DESIGN.md section 5).

What other code uses is exported here; ``fit`` (fitting a kernel to a recording) is imported on
its own because it needs torch.
"""

from explorer.models.gp.model import (  # noqa: F401
    PITCH_RANGE,
    PRESET_DIR,
    Envelope,
    GPModel,
    GPSpec,
    SMKernel,
    bark_kernel,
    debug_model,
    from_spec,
    harmonic_kernel,
    list_gp_presets,
    load,
    load_gp,
    load_gp_spec,
    midi_to_hz,
    mix_specs,
    parse_gp_spec,
)
