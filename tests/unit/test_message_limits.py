"""Every channel's message fits its provider's published limits (tests/support/limits.py, the
same checks the fake providers make) for any alert Herald accepts: long, in any script, full
of markup. A cut keeps the title, the severity and the link, and says what it left out."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import replace
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from channels.base import ChannelTarget, Message, Rendered
from channels.discord import build_payload as discord_payload
from channels.email import build_email
from channels.fit import cut, json_bytes, utf16
from channels.markup import escape_for
from channels.pagerduty import build_event
from channels.push import apns_payload, fcm_payload
from channels.render import sample_alert
from channels.slack import build_message as slack_message
from channels.sms import SMS_LIMIT, sms_text
from channels.teams import build_card
from tests.support.limits import (
    apns_problems,
    chars,
    discord_problems,
    fcm_problems,
    pagerduty_problems,
    slack_problems,
    teams_problems,
    twilio_problems,
)
from tests.support.messages import message
from tests.support.providers import PD_ROUTING_KEY
from workflows.payloads import AlertStatus, NotifyEvent, Severity

# Pieces of text in many scripts: astral emoji (two UTF-16 units, four bytes), modifier and flag
# sequences, combining marks, CJK (three bytes), right-to-left text, and every markup character.
ATOMS = [
    "disk ", "full", "é", "e\u0301", "👍🏽", "🇺🇦", "👩‍👩‍👧", "漢字", "ｆｕｌｌ", "שלום ", "مرحبا", "Ω", "\n", " ",
    "<!channel>", "<!here>", "@everyone", "<@U123>", "&", "&amp;", "<http://example.invalid|click>", "[x](http://e.invalid)",
    "*", "_", "~", "`", "\\", "#", "- ", "1. ", ">", "|", '"', "\t",
]  # fmt: skip
atoms = st.lists(st.sampled_from(ATOMS), min_size=1, max_size=30).map("".join)


def long_text(most: int) -> st.SearchStrategy[str]:
    """Up to `most` characters, mostly long: a random run of atoms repeated, then another."""
    return st.builds(lambda run, times, tail: (run * times + tail)[:most], atoms, st.integers(0, most), atoms)


texts = long_text(20_000)
short = long_text(500)
names = st.from_regex(r"[a-zA-Z_][a-zA-Z0-9_]{0,127}", fullmatch=True)
values = long_text(1024)
labels = st.dictionaries(names, values, max_size=3) | st.dictionaries(names, values, min_size=30, max_size=64)


@st.composite
def messages(draw: st.DrawFn, channel_type: str) -> Message:
    """A message as the notify activity builds it for `channel_type`, of an alert at the API's limits."""
    base = sample_alert(status=draw(st.sampled_from(list(AlertStatus))), severity=draw(st.sampled_from(list(Severity))))
    title = draw(short).strip() or "x"
    content = base.content.model_copy(
        update={
            "title": title,
            "description": draw(texts)[:20_000],
            "source": draw(short)[:100] or "s",
            "labels": draw(labels),
        }
    )
    alert = base.model_copy(update={"content": content, "acknowledged_by": draw(short)[:200]})
    event = draw(st.sampled_from(list(NotifyEvent)))
    built = message(event, alert=alert, channel_type=channel_type)
    if draw(st.booleans()):  # a tenant's template may render anything up to 20,000 characters
        escape = escape_for(channel_type)
        built = replace(built, rendered=Rendered(subject=escape(draw(texts)) or "x", text=escape(draw(texts))))
    return built


def keeps_the_start(sent: str, message: Message) -> bool:
    """The sent title is the rendered one, or its start with a marked cut."""
    subject = message.rendered.subject
    return sent == subject or (sent.endswith("…") and subject.startswith(sent[:-1]))


def said_what_was_cut(sent: str, original: str) -> bool:
    return sent == original or sent.endswith("…") or "not shown)" in sent


LIMITS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


@LIMITS
@given(messages("discord"))
def test_discord_embeds_fit(message: Message) -> None:
    payload = discord_payload(message, "Herald")
    assert discord_problems(payload) == []
    embed = payload["embeds"][0]
    assert keeps_the_start(embed["title"], message) and embed["url"] == message.links.dashboard
    assert embed["fields"][0] == {"name": "Severity", "value": message.alert.content.severity.value, "inline": True}
    assert said_what_was_cut(embed["description"], message.rendered.text)


@LIMITS
@given(messages("slack"))
def test_slack_messages_fit(message: Message) -> None:
    payload = slack_message(message)
    assert slack_problems(payload) == []
    blocks = payload["attachments"][0]["blocks"]
    assert keeps_the_start(blocks[0]["text"]["text"][1:-1], message)
    severity = next(b for b in blocks if "fields" in b)["fields"][0]["text"]
    assert severity == f"*Severity*\n{message.alert.content.severity.value}"
    if message.alert.status is not AlertStatus.RESOLVED:
        assert blocks[-1]["elements"][-1]["url"] == message.links.dashboard


@LIMITS
@given(messages("teams"))
def test_teams_cards_fit(message: Message) -> None:
    card = build_card(message)
    body = json.dumps(card, ensure_ascii=False, separators=(",", ":")).encode()
    assert teams_problems(body) == []
    content = card["attachments"][0]["content"]
    assert keeps_the_start(content["body"][0]["text"], message)
    assert content["body"][2]["facts"][0] == {"title": "Severity", "value": message.alert.content.severity.value}
    assert content["actions"][0]["url"] == message.links.dashboard
    assert said_what_was_cut(content["body"][1]["text"], message.rendered.text)


@LIMITS
@given(messages("sms"))
def test_sms_fits(message: Message) -> None:
    text = sms_text(message)
    assert twilio_problems({"Body": text}) == [] and chars(text) <= SMS_LIMIT
    assert text.endswith(" " + message.links.dashboard)


@LIMITS
@given(messages("pagerduty"))
def test_pagerduty_events_fit(message: Message) -> None:
    event = build_event(message, PD_ROUTING_KEY)
    size = len(json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode())
    assert pagerduty_problems(event, size) == []
    if "payload" in event:
        assert keeps_the_start(event["payload"]["summary"], message)
        assert event["payload"]["severity"] and event["client_url"] == message.links.dashboard


@LIMITS
@given(messages("push"))
def test_push_payloads_fit(message: Message) -> None:
    fcm: dict[str, Any] = fcm_payload(message, "device-token")["message"]
    assert fcm_problems(fcm) == []
    apns = apns_payload(message)
    assert apns_problems({}, json.dumps(apns, ensure_ascii=False, separators=(",", ":")).encode()) is None
    for title, data in ((fcm["notification"]["title"], fcm["data"]), (apns["aps"]["alert"]["title"], apns)):
        assert title == message.rendered.subject or title.endswith("…")
        assert data["url"] == message.links.dashboard


@LIMITS
@given(messages("email"))
def test_email_lines_fit(message: Message) -> None:
    """RFC 5322 2.1.1: a line is at most 998 characters (bytes, as sent) before its CRLF."""
    target = ChannelTarget("c1", "mail", "email", {"from_address": "herald@example.com", "to": ["a@example.com"]})
    email = build_email(target, message)
    assert all(len(line) <= 998 for line in email.as_bytes().split(b"\n"))
    assert message.links.dashboard in email.get_body(("plain",)).get_content()  # type: ignore[union-attr]


@settings(max_examples=300, deadline=None)
@example("a🇺🇦", 4, False)  # before: "a🇺…", half a flag
@example("a👩‍👩‍👧", 5, False)
@example("ae\u0301e\u0301", 3, False)
@example("a &amp; b", 7, False)
@example("disk disk &disk &amp; full full", 17, False)  # before: "disk disk &disk…" (dropping "&a" exposed "&disk")
@example("x &ab &cd &ef &gh full", 7, True)  # before: "x &ab…"
@example("a\u200d &amp; disk full", 4, False)  # before: "a\u200d…" (the space after a joiner went, the joiner stayed)
@example("a\u200d& disk", 4, False)  # before: "a\u200d…" (a cut escape after a joiner)
@example("&" * 400, 150, True)  # each back-off exposes another: linear now (20,000 of them took 5 s)
@example("\\ " * 200, 150, False)
@given(st.lists(st.sampled_from(ATOMS), max_size=200).map("".join), st.integers(0, 400), st.booleans())
def test_a_cut_fits_keeps_a_clean_start_and_is_marked(text: str, limit: int, say: bool) -> None:
    for measure in (utf16, json_bytes):
        out = cut(text, limit, measure, say=say)
        assert measure(out) <= limit
        if out != text and out:
            kept = out[: out.index("…")]
            assert text.startswith(kept) and (out == kept + "…" or out.endswith("more characters not shown)"))
            after = text[len(kept)]
            assert not unicodedata.combining(after) and after not in "\u200d\U0001f3fd\U0001f1e6"  # never split
            assert not kept.endswith("\u200d") and not re.search(r"&[a-z]{1,8}$", kept)  # nor an escape
