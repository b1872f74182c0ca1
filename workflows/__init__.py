"""Deterministic workflow code: only the standard library, temporalio and payload types."""
