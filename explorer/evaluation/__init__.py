"""Measuring the models: ``run`` (the one ``eval`` entry point), ``bench`` (speed), ``paths`` (morph smoothness)."""
