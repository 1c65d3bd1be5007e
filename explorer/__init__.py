"""Latent Audio Explorer: the engine behind the app and the command line.

Nothing in this package imports streamlit except :mod:`explorer.ui`.
"""

__version__ = "0.1.0"
