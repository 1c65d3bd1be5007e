"""The VAE family: a pitch-conditioned variational autoencoder over log-magnitude spectrograms.

``model`` (the :class:`VAEModel` behind the common interface), ``vibrato`` (pitch tracks measured
and drawn), ``training``, ``evaluation``.
"""

from explorer.models.vae.model import EncodedSound, VAEModel, debug_model, encode_sound, load  # noqa: F401
