"""Each channel's sender against a real local peer speaking its provider's API: what is sent,
what is recorded as the provider's id, and how each kind of failure is classified."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.channel_input import parse_config
from channels.base import ChannelTarget, PermanentDeliveryError, Rendered, RetryableDeliveryError
from channels.discord import DiscordSender
from channels.email import EmailSender
from channels.pagerduty import PagerDutySender
from channels.push import PushSender
from channels.render import sample_alert
from channels.slack import ACK_ACTION, RESOLVE_ACTION, SlackSender
from channels.sms import SMS_LIMIT, SmsSender
from channels.teams import TeamsSender
from devstack.ports import free_port
from egress.http import http_client
from tests.support.egress import LOOPBACK
from tests.support.messages import message
from tests.support.providers import (
    PD_ROUTING_KEY,
    SLACK_TOKEN,
    TWILIO_SID,
    TWILIO_TOKEN,
    ApnsPeer,
    ProviderPeer,
    Scripted,
)
from tests.support.smtp import PASSWORD, USER, SmtpServer
from workflows.payloads import AlertStatus, AlertView, NotifyEvent


def target(kind: str, config: dict[str, Any], *, to: str | None = None) -> ChannelTarget:
    """Through the API's own validation, as a stored channel would be."""
    stored = parse_config(kind, config)
    public = {**stored.public, **({"to": to} if to else {})}
    return ChannelTarget("c1", f"{kind}-test", kind, public, stored.secrets)


@pytest.fixture
async def peer() -> AsyncIterator[ProviderPeer]:
    server = ProviderPeer()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(LOOPBACK) as client:
        yield client


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    server = SmtpServer(tmp_path)
    server.start()
    yield server
    server.stop()


# --- Slack ---------------------------------------------------------------------------


def slack(peer: ProviderPeer) -> ChannelTarget:
    return target("slack", {"bot_token": SLACK_TOKEN, "channel": "C0123", "api_base_url": f"{peer.base}/slack/api"})


def button_ids(payload: dict[str, Any]) -> list[str]:
    blocks = payload["attachments"][0]["blocks"]
    return [e.get("action_id", "open") for b in blocks if b["type"] == "actions" for e in b["elements"]]


async def test_slack_posts_then_updates_the_same_message_in_place(peer: ProviderPeer, http: httpx.AsyncClient) -> None:
    sender = SlackSender(http)
    posted = await sender.send(slack(peer), message())
    assert posted.provider_id == "C0123/1700000000.000001"
    first = peer.slack_messages[posted.provider_id]
    assert first["attachments"][0]["color"] == "#D0021B"  # critical
    assert button_ids(first) == [ACK_ACTION, RESOLVE_ACTION, "open"]
    assert first["attachments"][0]["blocks"][-1]["elements"][0]["value"] == "sample"  # the alert id

    acked = await sender.send(
        slack(peer), message(NotifyEvent.ACKNOWLEDGED, status=AlertStatus.ACKNOWLEDGED, previous_id=posted.provider_id)
    )
    assert acked.provider_id == posted.provider_id and acked.detail == "updated in place"
    assert [c.path for c in peer.of("slack")] == ["/slack/api/chat.postMessage", "/slack/api/chat.update"]
    assert button_ids(peer.slack_messages[posted.provider_id]) == [RESOLVE_ACTION, "open"]

    resolved = message(NotifyEvent.RESOLVED, status=AlertStatus.RESOLVED, previous_id=posted.provider_id)
    await sender.send(slack(peer), resolved)
    final = peer.slack_messages[posted.provider_id]
    assert button_ids(final) == [] and final["attachments"][0]["color"] == "#2EB67D"
    assert len(peer.slack_messages) == 1  # one message, edited twice


async def test_slack_renotification_posts_anew(peer: ProviderPeer, http: httpx.AsyncClient) -> None:
    sender = SlackSender(http)
    first = await sender.send(slack(peer), message())
    again = await sender.send(slack(peer), message(NotifyEvent.RENOTIFIED, previous_id=first.provider_id))
    assert again.provider_id != first.provider_id and len(peer.slack_messages) == 2


async def test_slack_dm_to_a_person_and_errors(peer: ProviderPeer, http: httpx.AsyncClient) -> None:
    sender = SlackSender(http)
    dm = await sender.send(target("slack", {**slack(peer).config, "bot_token": SLACK_TOKEN}, to="U024BE7LH"), message())
    assert dm.provider_id is not None and dm.provider_id.startswith("D024BE7LH/")

    bad_token = target("slack", {"bot_token": "xoxb-wrong", "channel": "C1", "api_base_url": f"{peer.base}/slack/api"})
    with pytest.raises(PermanentDeliveryError, match="invalid_auth"):
        await sender.send(bad_token, message())
    peer.fail("slack", Scripted(429, headers={"Retry-After": "7"}))
    with pytest.raises(RetryableDeliveryError) as limited:
        await sender.send(slack(peer), message())
    assert limited.value.retry_after == 7
    peer.fail("slack", Scripted(200, body={"ok": False, "error": "ratelimited"}, headers={"Retry-After": "3"}))
    with pytest.raises(RetryableDeliveryError, match="ratelimited"):
        await sender.send(slack(peer), message())
    peer.fail("slack", Scripted(500), Scripted(503))
    for _ in range(2):
        with pytest.raises(RetryableDeliveryError):
            await sender.send(slack(peer), message())
    assert (await sender.send(slack(peer), message())).provider_status == 200  # then it gets through


async def test_slack_incoming_webhook(peer: ProviderPeer, http: httpx.AsyncClient) -> None:
    hook = target("slack", {"webhook_url": f"{peer.base}/slack/hook/T1/B1/secret"})
    assert (await SlackSender(http).send(hook, message())).provider_status == 200
    [call] = peer.of("slack-hook")
    assert call.json["attachments"][0]["color"] == "#D0021B"
    person = target("slack", {"webhook_url": f"{peer.base}/slack/hook/T1/B1/secret"}, to="U024BE7LH")
    with pytest.raises(PermanentDeliveryError, match="needs a bot token"):  # a webhook cannot reach one person
        await SlackSender(http).send(person, message())
    peer.fail("slack-hook", Scripted(404, body="no_service"))
    with pytest.raises(PermanentDeliveryError, match="404"):
        await SlackSender(http).send(hook, message())


# --- Discord, Teams --------------------------------------------------------------------


async def test_discord_embed_and_rate_limit(peer: ProviderPeer, http: httpx.AsyncClient) -> None:
    sender = DiscordSender(http)
    channel = target("discord", {"webhook_url": f"{peer.base}/discord/webhooks/1/discord-token", "username": "Herald"})
    sent = await sender.send(channel, message())
    [call] = peer.of("discord")
    embed = call.json["embeds"][0]
    assert embed["color"] == 0xD0021B and embed["title"].startswith("[CRITICAL]") and call.json["username"] == "Herald"
    assert sent.provider_id is not None and sent.provider_id.isdigit()
    peer.fail(
        "discord", Scripted(429, body={"message": "You are being rate limited.", "retry_after": 1.5, "global": False})
    )
    with pytest.raises(RetryableDeliveryError) as limited:
        await sender.send(channel, message())
    assert limited.value.retry_after == 1.5
    wrong = target("discord", {"webhook_url": f"{peer.base}/discord/webhooks/1/wrong"})
    with pytest.raises(PermanentDeliveryError, match=r"rejected \(401 Unauthorized, 50027\)"):
        await sender.send(wrong, message())


async def test_teams_adaptive_card(peer: ProviderPeer, http: httpx.AsyncClient) -> None:
    channel = target("teams", {"webhook_url": f"{peer.base}/teams/workflows/abc"})
    assert (await TeamsSender(http).send(channel, message())).provider_status == 200
    card = peer.of("teams")[0].json["attachments"][0]["content"]
    assert card["type"] == "AdaptiveCard" and card["body"][0]["color"] == "Attention"
    assert card["actions"][0]["url"].endswith("/dashboard/alerts/sample")
    peer.fail("teams", Scripted(400, body="Bad payload"))
    with pytest.raises(PermanentDeliveryError, match="400"):
        await TeamsSender(http).send(channel, message())


# --- SMS -------------------------------------------------------------------------------


def sms(peer: ProviderPeer, to: list[str]) -> ChannelTarget:
    return target(
        "sms",
        {
            "account_sid": TWILIO_SID,
            "auth_token": TWILIO_TOKEN,
            "from_number": "+15550000000",
            "to": to,
            "api_base_url": f"{peer.base}/twilio",
        },
    )


async def test_sms_through_twilio(peer: ProviderPeer, http: httpx.AsyncClient) -> None:
    sent = await SmsSender(http).send(sms(peer, ["+15551230001", "+15551230002"]), message())
    calls = peer.of("twilio")
    assert [c.form["To"] for c in calls] == ["+15551230001", "+15551230002"]
    body = calls[0].form["Body"]
    assert len(body) <= SMS_LIMIT and body.endswith("/dashboard/alerts/sample") and "CPU usage" in body
    assert sent.provider_id is not None and sent.provider_id.count("SM") == 2


async def test_sms_is_cut_to_the_limit_keeping_the_link(peer: ProviderPeer, http: httpx.AsyncClient) -> None:
    long = message()
    long = replace(long, rendered=Rendered(subject="x" * 1000, text=""))
    await SmsSender(http).send(sms(peer, ["+15551230001"]), long)
    body = peer.of("twilio")[0].form["Body"]
    assert len(body) == SMS_LIMIT and body.endswith("… " + long.links.dashboard)


async def test_sms_errors_carry_twilios_text(peer: ProviderPeer, http: httpx.AsyncClient) -> None:
    with pytest.raises(PermanentDeliveryError, match=r"rejected \(400 Bad Request, twilio:21211\)"):
        await SmsSender(http).send(sms(peer, ["+447700900123"]), message())
    peer.fail(
        "twilio", Scripted(429, body={"code": 20429, "message": "Too Many Requests"}, headers={"Retry-After": "2"})
    )
    with pytest.raises(RetryableDeliveryError) as limited:
        await SmsSender(http).send(sms(peer, ["+15551230001"]), message())
    assert limited.value.retry_after == 2


# --- Push ------------------------------------------------------------------------------


def fcm(peer: ProviderPeer, tokens: list[str]) -> ChannelTarget:
    return target(
        "push",
        {
            "provider": "fcm",
            "device_tokens": tokens,
            "service_account_json": json.dumps(peer.account),
            "fcm_base_url": f"{peer.base}/fcm",
        },
    )


async def test_fcm_exchanges_a_signed_jwt_once_and_sends(peer: ProviderPeer, http: httpx.AsyncClient) -> None:
    sender = PushSender(http, LOOPBACK)
    first = await sender.send(fcm(peer, ["device-a"]), message())
    await sender.send(fcm(peer, ["device-b"]), message())
    assert peer.tokens_issued == 1  # cached until it expires
    assert first.provider_id == "projects/herald-test/messages/2"  # the peer numbers calls; call 1 got the token
    sent = peer.of("fcm")[0].json["message"]
    assert sent["token"] == "device-a" and sent["android"]["priority"] == "high"
    assert sent["notification"]["title"].startswith("[CRITICAL]") and sent["data"]["alert_id"] == "sample"

    peer.fail("fcm", Scripted(401, body={"error": {"code": 401, "status": "UNAUTHENTICATED"}}))
    with pytest.raises(RetryableDeliveryError, match="401"):
        await sender.send(fcm(peer, ["device-a"]), message())
    await sender.send(fcm(peer, ["device-a"]), message())
    assert peer.tokens_issued == 2  # the refused token was dropped and a new one fetched

    with pytest.raises(PermanentDeliveryError, match="UNREGISTERED"):
        await sender.send(fcm(peer, ["unregistered"]), message())
    await sender.aclose()


async def test_a_multi_byte_push_fits_4096_bytes_at_fcm_and_apns(
    peer: ProviderPeer, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    """Before: 200 + 1000 characters of CJK and emoji came to about 4,700 bytes, and both refused it."""
    long = replace(message(), rendered=Rendered(subject="漢字👍🏽" * 50, text="磁盘已满" + "👍🏽🇺🇦" * 300))
    sender = PushSender(http, LOOPBACK)
    assert (await sender.send(fcm(peer, ["device-a"]), long)).provider_id
    body = peer.of("fcm")[0].json["message"]["notification"]["body"]
    assert body.startswith("磁盘已满") and body.endswith("more characters not shown)")
    apns = ApnsPeer(tmp_path)
    await apns.start()
    try:
        channel = target(
            "push",
            {
                "provider": "apns",
                "device_tokens": ["a1b2c3"],
                "apns_team_id": ApnsPeer.TEAM,
                "apns_key_id": ApnsPeer.KEY_ID,
                "apns_topic": ApnsPeer.TOPIC,
                "apns_private_key": apns.private_key,
                "apns_base_url": apns.base,
                "verify_tls": False,
            },
        )
        await sender.send(channel, long)
        assert len(apns.calls[0].body) <= 4096
    finally:
        await sender.aclose()
        await apns.stop()


async def test_apns_over_http2_with_a_provider_token(http: httpx.AsyncClient, tmp_path: Path) -> None:
    apns = ApnsPeer(tmp_path)
    await apns.start()
    try:
        channel = target(
            "push",
            {
                "provider": "apns",
                "device_tokens": ["a1b2c3"],
                "apns_team_id": ApnsPeer.TEAM,
                "apns_key_id": ApnsPeer.KEY_ID,
                "apns_topic": ApnsPeer.TOPIC,
                "apns_private_key": apns.private_key,
                "apns_base_url": apns.base,
                "verify_tls": False,  # the peer's certificate is self-signed
            },
        )
        sender = PushSender(http, LOOPBACK)
        sent = await sender.send(channel, message(key="idem-apns"))
        again = await sender.send(channel, message(key="idem-apns"))
        assert apns.http_versions == ["2", "2"]
        assert sent.provider_id == again.provider_id  # apns-id comes from the idempotency key
        call = apns.calls[0]
        assert call.headers["apns-push-type"] == "alert" and call.json["aps"]["interruption-level"] == "time-sensitive"
        bad = target("push", {**channel.config, **channel.secrets, "device_tokens": ["bad-device"]})
        with pytest.raises(PermanentDeliveryError, match="BadDeviceToken"):
            await sender.send(bad, message())
        apns.script.append(Scripted(503, body={"reason": "ServiceUnavailable"}))
        with pytest.raises(RetryableDeliveryError, match="ServiceUnavailable"):
            await sender.send(channel, message())
        await sender.aclose()
    finally:
        await apns.stop()


# --- PagerDuty -------------------------------------------------------------------------


async def test_pagerduty_mirrors_the_lifecycle_on_one_dedup_key(peer: ProviderPeer, http: httpx.AsyncClient) -> None:
    channel = target("pagerduty", {"routing_key": PD_ROUTING_KEY, "api_base_url": f"{peer.base}/pagerduty"})
    sender = PagerDutySender(http)
    sent = await sender.send(channel, message())
    await sender.send(channel, message())  # a retry or a re-notification: still one incident
    key = "alert/default/sample"
    assert sent.provider_id == key and peer.pd_incidents == {key: "triggered"}
    trigger = peer.of("pagerduty")[0].json
    assert trigger["payload"]["severity"] == "critical" and trigger["payload"]["source"] == "db1"
    await sender.send(channel, message(NotifyEvent.ACKNOWLEDGED, status=AlertStatus.ACKNOWLEDGED))
    assert peer.pd_incidents == {key: "acknowledged"}
    await sender.send(channel, message(NotifyEvent.RESOLVED, status=AlertStatus.RESOLVED))
    assert peer.pd_incidents == {key: "resolved"}
    wrong = target("pagerduty", {"routing_key": "X" * 32, "api_base_url": f"{peer.base}/pagerduty"})
    with pytest.raises(PermanentDeliveryError, match=r"rejected \(400 Bad Request\)") as refused:
        await sender.send(wrong, message())
    assert "invalid" not in str(refused.value)  # PagerDuty's words are not repeated


async def test_pagerduty_keeps_two_long_keyed_alerts_apart(peer: ProviderPeer, http: httpx.AsyncClient) -> None:
    """The issue's case: dedup keys of 249 characters that differ only at the end, then a resolve of
    the first. Before, all three events carried one cut key, and the resolve closed both incidents."""
    channel = target("pagerduty", {"routing_key": PD_ROUTING_KEY, "api_base_url": f"{peer.base}/pagerduty"})
    sender = PagerDutySender(http)

    def alert(key: str, status: AlertStatus = AlertStatus.TRIGGERED) -> AlertView:
        return sample_alert(status=status).model_copy(update={"key": key, "workflow_id": f"alert/default/{key}"})

    first, second = "k" * 248 + "1", "k" * 248 + "2"
    await sender.send(channel, message(alert=alert(first)))
    await sender.send(channel, message(alert=alert(second)))
    await sender.send(channel, message(NotifyEvent.RESOLVED, alert=alert(first, AlertStatus.RESOLVED)))
    assert sorted(peer.pd_incidents.values()) == ["resolved", "triggered"]  # the second alert's stays open
    keys = [call.json["dedup_key"] for call in peer.of("pagerduty")]
    assert keys[0] != keys[1] and keys[0] == keys[2] and all(len(k) <= 255 for k in keys)


# --- Email -----------------------------------------------------------------------------


def email(smtp: SmtpServer, **extra: Any) -> ChannelTarget:
    config = {
        "host": "127.0.0.1",
        "port": smtp.port,
        "security": "starttls",
        "username": USER,
        "password": PASSWORD,
        "from_address": "herald@example.com",
        "to": ["oncall@example.com", "lead@example.com"],
        "verify_tls": False,  # the test server's certificate is self-signed
        **extra,
    }
    return target("email", config)


async def test_email_over_starttls_with_auth(smtp: SmtpServer) -> None:
    sent = await EmailSender(LOOPBACK).send(email(smtp), message(key="idem-mail"))
    [(envelope, mail)] = smtp.mailbox.messages
    assert envelope.rcpt_tos == ["oncall@example.com", "lead@example.com"]
    assert mail["Subject"].startswith("[CRITICAL]") and mail["Message-ID"] == sent.provider_id
    assert mail.is_multipart() and {p.get_content_type() for p in mail.iter_parts()} == {"text/plain", "text/html"}
    assert "/dashboard/alerts/sample" in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    again = await EmailSender(LOOPBACK).send(email(smtp), message(key="idem-mail"))
    assert again.provider_id == sent.provider_id  # a retry carries the same Message-ID


async def test_email_failures_are_classified(smtp: SmtpServer) -> None:
    with pytest.raises(PermanentDeliveryError, match="535"):
        await EmailSender(LOOPBACK).send(email(smtp, password="wrong-password"), message())
    smtp.mailbox.replies["oncall@example.com"] = "550 5.1.1 no such user"
    smtp.mailbox.replies["lead@example.com"] = "550 5.1.1 no such user"
    with pytest.raises(PermanentDeliveryError, match="refused every recipient"):
        await EmailSender(LOOPBACK).send(email(smtp), message())
    smtp.mailbox.replies.pop("lead@example.com")
    partly = await EmailSender(LOOPBACK).send(email(smtp), message())
    assert "refused: oncall@example.com: 550" in partly.detail  # delivered to the other one
    smtp.mailbox.data_replies.append("451 4.3.0 try again later")
    with pytest.raises(RetryableDeliveryError, match="451"):
        await EmailSender(LOOPBACK).send(email(smtp), message())
    with pytest.raises(RetryableDeliveryError, match="connect"):  # nobody listening
        await EmailSender(LOOPBACK).send(email(smtp, port=free_port()), message())
