"""Noise control: matchers, time intervals, the routing tree (routes, group keys, durations), silences and inhibition."""
