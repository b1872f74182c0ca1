"""Noise control: matchers and time intervals, and (to come) the routing tree, silences and inhibition."""
