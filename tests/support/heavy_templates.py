"""Templates that cost more than a render may: for the render budget's tests, unit and end to end."""

from __future__ import annotations

# 64 million iterations and as many characters: stopped by the output cap.
TRIPLE_LOOP = (
    "{% for a in range(400) %}{% for b in range(400) %}{% for c in range(400) %}x{% endfor %}{% endfor %}{% endfor %}"
)
# About 10^10 empty iterations: minutes of CPU without a budget, and no output to measure.
SILENT_LOOP = "{% set r = range(100000) %}{% for a in r %}{% for b in r %}{% endfor %}{% endfor %}"
