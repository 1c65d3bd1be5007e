"""Plotly figures: ``sound`` (rainbowgrams, spectra, paths, maps), ``gp`` (kernels)."""
