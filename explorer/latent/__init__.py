"""Moving through latent spaces: ``interpolation`` (slerp, lerp, paths), ``morph``, ``journey``, ``melody``."""
