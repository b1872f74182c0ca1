"""Noise control: matchers, time intervals, silences, inhibition."""
