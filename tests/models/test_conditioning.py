"""The velocity condition shared by the pitched models: the network input and back."""

import numpy as np

from explorer.models.conditioning import DEFAULT_VELOCITY, velocity_input, velocity_of_input


def test_every_midi_velocity_comes_back_from_its_network_input():
    v = np.arange(1, 128)
    np.testing.assert_array_equal(velocity_of_input(velocity_input(v, len(v))).numpy(), v)
    unknown = velocity_of_input(velocity_input([-1, 0], 2)).numpy()  # unknown: the default
    np.testing.assert_array_equal(unknown, [DEFAULT_VELOCITY, DEFAULT_VELOCITY])
