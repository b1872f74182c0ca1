"""Alertmanager's API v2 as pure protocol code: fingerprints, the JSON shapes, the mapping to Herald events."""
