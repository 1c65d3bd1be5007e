"""Small kernels and GP kernel JSON objects shared by the GP tests."""

from explorer.models.gp.kernel import Component, SMKernel

SR = 16000


def three_peaks(noise: float = 0.01) -> SMKernel:
    """Three peaks in the middle of Bark bands (400-510, 1480-1720, 3700-4400 Hz)."""
    return SMKernel(
        (Component(1.0, 455.0, 0.02), Component(0.5, 1600.0, 0.01), Component(0.25, 4050.0, 0.004)), noise
    )


def spec_json(**overrides):
    base = {
        "sample_rate": 16000,
        "duration_s": 0.5,
        "kernel": {"components": [{"weight": 1.0, "mean_hz": 440.0, "lengthscale_s": 0.05}], "noise": 0.0},
    }
    base.update(overrides)
    return base


def with_component(**fields):
    comp = {"weight": 1.0, "mean_hz": 440.0, "lengthscale_s": 0.05}
    comp.update(fields)
    return spec_json(kernel={"components": [comp], "noise": 0.0})

