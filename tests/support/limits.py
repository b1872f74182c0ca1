"""Each provider's published limits, as its API checks them: the fake providers
(tests/support/providers.py) refuse what breaks them, and the property tests check every
payload Herald builds against them. Character limits are counted in UTF-16 code units (an
emoji is two), the strictest reading; byte limits in UTF-8."""

from __future__ import annotations

import json
from typing import Any


def chars(text: object) -> int:
    return len(str(text).encode("utf-16-le")) // 2


def _over(problems: list[str], what: str, text: object, limit: int) -> None:
    if chars(text) > limit:
        problems.append(f"{what} is longer than {limit} characters")


def discord_problems(payload: dict[str, Any]) -> list[str]:
    """Discord's "Embed Limits" (developer docs, Resources › Message › Embed Limits): title 256,
    description 4096, at most 25 fields, field name 256 and value 1024 (neither empty), footer
    text 2048, author name 256; and the characters of all of these, in all of a message's
    embeds, at most 6000. At most 10 embeds; `content` at most 2000; `username` at most 80."""
    problems: list[str] = []
    embeds = payload.get("embeds") or []
    if len(embeds) > 10:
        problems.append("more than 10 embeds")
    _over(problems, "content", payload.get("content", ""), 2000)
    _over(problems, "username", payload.get("username", ""), 80)
    total = 0
    for embed in embeds:
        parts = [
            ("title", embed.get("title", ""), 256),
            ("description", embed.get("description", ""), 4096),
            ("footer.text", (embed.get("footer") or {}).get("text", ""), 2048),
            ("author.name", (embed.get("author") or {}).get("name", ""), 256),
        ]
        fields = embed.get("fields") or []
        if len(fields) > 25:
            problems.append("more than 25 fields")
        for field in fields:
            if not field.get("name") or not field.get("value"):
                problems.append("a field's name and value must not be empty")
            parts += [("fields.name", field.get("name", ""), 256), ("fields.value", field.get("value", ""), 1024)]
        for what, text, limit in parts:
            _over(problems, f"embeds.{what}", text, limit)
            total += chars(text)
    if total > 6000:
        problems.append(f"embeds total {total} characters (at most 6000)")
    return problems


def slack_problems(message: dict[str, Any]) -> list[str]:
    """Slack's Block Kit reference: at most 50 blocks; a section's `text` 3000 characters and at
    most 10 `fields` of 2000; a context at most 10 elements, a text object 3000; actions at most
    25 elements, a button's text 75, value 2000, url 3000. `chat.postMessage` truncates `text`
    past 40,000 characters (we hold it to 4,000, the length Slack recommends)."""
    problems: list[str] = []
    _over(problems, "text", message.get("text", ""), 4000)
    blocks = list(message.get("blocks") or [])
    for attachment in message.get("attachments") or []:
        blocks += attachment.get("blocks") or []
    if len(blocks) > 50:
        problems.append("more than 50 blocks")
    for block in blocks:
        kind = block.get("type")
        if kind == "section":
            if "text" in block:
                _over(problems, "section text", block["text"]["text"], 3000)
            fields = block.get("fields") or []
            if len(fields) > 10:
                problems.append("a section with more than 10 fields")
            for field in fields:
                _over(problems, "section field", field["text"], 2000)
        elif kind == "context":
            if len(block["elements"]) > 10:
                problems.append("a context with more than 10 elements")
            for element in block["elements"]:
                _over(problems, "context element", element.get("text", ""), 3000)
        elif kind == "actions":
            if len(block["elements"]) > 25:
                problems.append("actions with more than 25 elements")
            for element in block["elements"]:
                _over(problems, "button text", element["text"]["text"], 75)
                _over(problems, "button value", element.get("value", ""), 2000)
                _over(problems, "button url", element.get("url", ""), 3000)
    return problems


def teams_problems(body: bytes) -> list[str]:
    """Microsoft Teams (Create incoming webhooks / Workflows): "The message size limit is 28 KB";
    counted here as 28 × 1024 bytes of the request body."""
    return [f"the message is {len(body)} bytes (at most 28 KB)"] if len(body) > 28 * 1024 else []


def twilio_problems(form: dict[str, str]) -> list[str]:
    """Twilio's Messages resource: `Body` is at most 1,600 characters (error 21617)."""
    problems: list[str] = []
    _over(problems, "Body", form.get("Body", ""), 1600)
    return problems


def fcm_problems(message: dict[str, Any]) -> list[str]:
    """FCM (About FCM messages): "The maximum payload for both message types is 4096 bytes"
    (a message's `notification` and `data`); a `collapse_key` at most 64 bytes (Android)."""
    counted = {key: message[key] for key in ("notification", "data") if key in message}
    size = len(json.dumps(counted, ensure_ascii=False, separators=(",", ":")).encode())
    problems = [f"the payload is {size} bytes (at most 4096)"] if size > 4096 else []
    collapse = (message.get("android") or {}).get("collapse_key", "")
    if len(collapse.encode()) > 64:
        problems.append("collapse_key is longer than 64 bytes")
    return problems


def apns_problems(headers: dict[str, str], body: bytes) -> str | None:
    """APNs (Sending notification requests to APNs): the payload at most 4096 bytes
    (`PayloadTooLarge`), `apns-collapse-id` at most 64 bytes (`BadCollapseId`). The reason, or None."""
    if len(body) > 4096:
        return "PayloadTooLarge"
    if len(headers.get("apns-collapse-id", "").encode()) > 64:
        return "BadCollapseId"
    return None


def pagerduty_problems(event: dict[str, Any], size: int) -> list[str]:
    """PagerDuty's Events API v2 ("Send an Alert Event"): an `event_action` of trigger / acknowledge
    / resolve; a `dedup_key` of at most 255 characters; for a trigger a `payload` with a `summary`
    of at most 1024 characters, a `source` and a known `severity`; at most 512 KB in all."""
    problems = []
    if event.get("event_action") not in ("trigger", "acknowledge", "resolve"):
        problems.append("event_action is not valid")
    key = event.get("dedup_key")
    if not isinstance(key, str) or not 0 < chars(key) <= 255:
        problems.append("dedup_key must be 1 to 255 characters")
    if event.get("event_action") == "trigger":
        payload = event.get("payload") or {}
        summary = payload.get("summary")
        if not isinstance(summary, str) or not 0 < chars(summary) <= 1024:
            problems.append("payload.summary must be 1 to 1024 characters")
        if not payload.get("source"):
            problems.append("payload.source is required")
        if payload.get("severity") not in ("critical", "error", "warning", "info"):
            problems.append("payload.severity is not valid")
    if size > 512 * 1024:
        problems.append("the event is larger than 512 KB")
    return problems
