"""Group keys: how an event finds its alert. Pure functions, shared by API and tests.

Without a `dedup_key`, an event's key is the first 32 hex digits of
SHA-256 over the canonical JSON `[tenant, sorted labels]` (compact separators, UTF-8).
The same tenant and labels always give the same key, in any order and on any host.
"""

from __future__ import annotations

import hashlib
import json
import re

LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
DEDUP_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")  # printable ASCII, no spaces


def labels_key(tenant_id: str, labels: dict[str, str]) -> str:
    canonical = json.dumps([tenant_id, sorted(labels.items())], separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def workflow_id(tenant_id: str, key: str) -> str:
    return f"alert/{tenant_id}/{key}"
