"""Notification channels: one module per channel type over the small protocol in `base`."""
