"""The GAN family: GANSynth-style notes (log-magnitude + instantaneous frequency) from a pitch-conditioned generator.

``model`` (the :class:`GANModel` behind the common interface), ``training``, ``evaluation``.
"""

from explorer.models.gan.model import GANModel, debug_model, load  # noqa: F401
