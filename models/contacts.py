"""A user's contact methods: the kinds Herald knows, and the sender config each one becomes.

A contact method is a channel of one person: paging it uses the sender of the channel type
of the same name with the config built here (the webhook sender posts to `url`; the others
read `to`).
"""

from __future__ import annotations

from typing import Any, Literal

ContactType = Literal["email", "sms", "slack", "webhook", "push"]


def contact_config(method: dict[str, Any]) -> dict[str, Any]:
    address = method["address"]
    if method["type"] == "webhook":
        return {"url": address}
    return {"to": address}
