"""What a label name and a dedup key may look like. The keys and ids built from them are
all in `workflows/ids.py` (an event without a `dedup_key` is keyed by `labels_key`)."""

from __future__ import annotations

import re

LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
DEDUP_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")  # printable ASCII, no spaces
