"""Rule evaluation: data sources, the pending/firing state machine, the emitter."""
