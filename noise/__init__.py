"""Noise control: matchers, and (to come) the routing tree, silences, inhibition and time intervals."""
