"""Alerts through real channels end to end (REST API, dev server, worker, provider peers): Slack
edits its message in place and takes signed button clicks, PagerDuty mirrors the lifecycle,
failures are retried or recorded as the provider answered, and the deliveries API shows it all."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from pydantic import SecretStr
from slack_sdk.signature import SignatureVerifier
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from settings import Settings
from tests.integration.conftest import Stack, api_stack
from tests.support.alerts import eventually
from tests.support.heavy_templates import TRIPLE_LOOP
from tests.support.providers import PD_ROUTING_KEY, SLACK_TOKEN, TWILIO_SID, TWILIO_TOKEN, ProviderPeer, Scripted
from tests.support.smtp import PASSWORD, USER, SmtpServer
from worker import build_worker

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


@pytest.fixture
async def peer() -> AsyncIterator[ProviderPeer]:
    server = ProviderPeer()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def slack_stack(
    dev_env: WorkflowEnvironment, sessions: async_sessionmaker[AsyncSession], dev_settings: Settings
) -> AsyncIterator[Stack]:
    settings = dev_settings.model_copy(update={"slack_signing_secret": SecretStr(SIGNING_SECRET)})
    async with api_stack(settings, sessions) as api, build_worker(dev_env.client, sessions, settings) as worker, worker:
        yield api


async def channel(stack: Stack, name: str, kind: str, config: dict[str, Any], *, default: bool = True) -> str:
    response = await stack.http.post(
        "/api/v1/channels",
        headers=stack.admin,
        json={"name": name, "type": kind, "config": config, "is_default": default},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def fire(stack: Stack, key: str, **fields: Any) -> dict[str, Any]:
    body = {"events": [{"title": f"{key} is down", "dedup_key": key, "severity": "critical", **fields}]}
    response = await stack.http.post("/api/v1/events", headers=stack.responder, json=body)
    assert response.status_code == 202, response.text
    listing = await eventually(
        lambda: stack.http.get("/api/v1/alerts/", headers=stack.viewer, params={"limit": 50}),
        lambda r: any(a["dedup_key"] == key for a in r.json()["items"]),
    )
    return next(a for a in listing.json()["items"] if a["dedup_key"] == key)


async def deliveries(stack: Stack, alert_id: str) -> list[dict[str, Any]]:
    response = await stack.http.get(f"/api/v1/alerts/{alert_id}/notifications", headers=stack.viewer)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def delivered(rows: list[dict[str, Any]], event: str, channel_type: str) -> bool:
    return any(r["event"] == event and r["channel_type"] == channel_type and r["status"] == "delivered" for r in rows)


def signed(body: bytes, *, at: int | None = None, secret: str = SIGNING_SECRET) -> dict[str, str]:
    """Headers as Slack sends them, computed by Slack's own SDK (not by Herald's code)."""
    timestamp = str(at if at is not None else int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    assert signature is not None
    return {
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
        "Content-Type": "application/x-www-form-urlencoded",
    }


TEAM = "T0HERALD"  # the workspace the tenant's Slack channel is bound to


def click(
    peer: ProviderPeer, action: str, alert_id: str, slack_user: str, message: dict[str, Any], team: str = TEAM
) -> bytes:
    payload = {
        "type": "block_actions",
        "team": {"id": team, "domain": "example"},
        "user": {"id": slack_user, "username": "someone", "team_id": team},
        "response_url": f"{peer.base}/slack/response/T1/123/abc",
        "actions": [{"action_id": action, "value": alert_id, "type": "button"}],
        "message": message,
        "channel": {"id": "C0123"},
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


async def timeline_kinds(stack: Stack, alert_id: str) -> list[str]:
    detail = (await stack.http.get(f"/api/v1/alerts/{alert_id}", headers=stack.viewer)).json()
    return [e["kind"] for e in detail["timeline"]]


ACTIONS = "/api/v1/integrations/slack/actions"


async def slack_and_pagerduty_alert(stack: Stack, peer: ProviderPeer) -> tuple[str, str, dict[str, Any]]:
    """A Slack and a PagerDuty channel, Ann (known by her Slack id), and an alert both have heard
    fire. Returns the alert id, the key of its Slack message and the message as first posted."""
    await channel(
        stack,
        "slack",
        "slack",
        {"bot_token": SLACK_TOKEN, "channel": "C0123", "api_base_url": f"{peer.base}/slack/api", "team_id": TEAM},
    )
    await channel(stack, "pd", "pagerduty", {"routing_key": PD_ROUTING_KEY, "api_base_url": f"{peer.base}/pagerduty"})
    user = await stack.http.post(
        "/api/v1/users", headers=stack.admin, json={"name": "Ann", "email": "ann@example.com", "slack_user_id": "U0ANN"}
    )
    assert user.status_code == 201, user.text
    alert_id = (await fire(stack, "db1"))["id"]
    await eventually(
        lambda: deliveries(stack, alert_id),
        lambda r: delivered(r, "triggered", "slack") and delivered(r, "triggered", "pagerduty"),
    )
    [message_key] = peer.slack_messages
    return alert_id, message_key, peer.slack_messages[message_key]


async def acknowledge_by_click(stack: Stack, peer: ProviderPeer, alert_id: str, posted: dict[str, Any]) -> None:
    """Ann clicks Acknowledge; wait until both providers have heard it."""
    body = click(peer, "herald_acknowledge", alert_id, "U0ANN", posted)
    assert (await stack.http.post(ACTIONS, content=body, headers=signed(body))).status_code == 200
    await eventually(
        lambda: deliveries(stack, alert_id),
        lambda r: delivered(r, "acknowledged", "slack") and delivered(r, "acknowledged", "pagerduty"),
    )


async def test_slack_and_pagerduty_hear_the_trigger(slack_stack: Stack, peer: ProviderPeer) -> None:
    alert_id, _, posted = await slack_and_pagerduty_alert(slack_stack, peer)
    rows = await deliveries(slack_stack, alert_id)
    slack_row = next(r for r in rows if r["channel_type"] == "slack")
    assert slack_row["provider_message_id"] == "C0123/1700000000.000001" and slack_row["attempts"] == 1
    assert slack_row["latency_ms"] is not None and slack_row["updated_at"]
    assert posted["attachments"][0]["color"] == "#D0021B"
    assert list(peer.pd_incidents.values()) == ["triggered"]


async def test_slack_clicks_that_are_not_ours_or_not_signed_change_nothing(
    slack_stack: Stack, peer: ProviderPeer
) -> None:
    stack = slack_stack
    alert_id, _, posted = await slack_and_pagerduty_alert(stack, peer)
    # Tampered, expired, unsigned: 401, and nothing happens.
    body = click(peer, "herald_acknowledge", alert_id, "U0ANN", posted)
    tampered = click(peer, "herald_resolve", alert_id, "U0ANN", posted)
    assert (await stack.http.post(ACTIONS, content=tampered, headers=signed(body))).status_code == 401
    old = int(time.time()) - 6 * 60
    assert (await stack.http.post(ACTIONS, content=body, headers=signed(body, at=old))).status_code == 401
    assert (
        await stack.http.post(ACTIONS, content=body, headers=signed(body, secret="another-app-secret"))
    ).status_code == 401
    assert (await stack.http.post(ACTIONS, content=body)).status_code == 401

    # Someone Herald does not know: an ephemeral explanation, the alert untouched.
    stranger = click(peer, "herald_acknowledge", alert_id, "U0NOBODY", posted)
    assert (await stack.http.post(ACTIONS, content=stranger, headers=signed(stranger))).status_code == 200
    [explained] = await eventually(lambda: _calls(peer, "slack-response"), lambda calls: len(calls) == 1)
    assert (
        explained.json["response_type"] == "ephemeral" and "does not know your Slack account" in explained.json["text"]
    )
    # Ann's user id, signed by the same Slack app, but from another workspace: refused, untouched.
    elsewhere = click(peer, "herald_resolve", alert_id, "U0ANN", posted, team="T0OTHER")
    assert (await stack.http.post(ACTIONS, content=elsewhere, headers=signed(elsewhere))).status_code == 200
    refused = (await eventually(lambda: _calls(peer, "slack-response"), lambda calls: len(calls) == 2))[1]
    assert refused.json["response_type"] == "ephemeral" and "T0OTHER" in refused.json["text"]
    assert "not bound" in refused.json["text"]
    assert (await stack.http.get(f"/api/v1/alerts/{alert_id}", headers=stack.viewer)).json()["status"] == "triggered"


async def test_a_slack_acknowledge_acts_once_and_both_providers_follow(slack_stack: Stack, peer: ProviderPeer) -> None:
    stack = slack_stack
    alert_id, _, posted = await slack_and_pagerduty_alert(stack, peer)
    body = click(peer, "herald_acknowledge", alert_id, "U0ANN", posted)
    # Ann clicks Acknowledge; Slack retries the same request; she double-clicks.
    started = time.monotonic()
    answer = await stack.http.post(ACTIONS, content=body, headers=signed(body))
    assert answer.status_code == 200 and time.monotonic() - started < 3  # Slack's limit
    retry = await stack.http.post(
        ACTIONS,
        content=body,
        headers={**signed(body), "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    assert retry.status_code == 200
    assert (await stack.http.post(ACTIONS, content=body, headers=signed(body))).status_code == 200
    acked = await eventually(
        lambda: stack.http.get(f"/api/v1/alerts/{alert_id}", headers=stack.viewer),
        lambda r: r.json()["status"] == "acknowledged",
    )
    assert acked.json()["acknowledged_by"] == "Ann (Slack)"
    # The audit log names the Slack user and the Herald person (a click has no API key).
    [ann] = (await stack.http.get("/api/v1/users", headers=stack.viewer)).json()
    audit = await stack.http.get("/api/v1/audit", params={"resource_id": alert_id}, headers=stack.admin)
    clicks = [e for e in audit.json()["items"] if e["action"] == "acknowledge"]
    assert clicks, audit.json()
    for entry in clicks:  # a retry that came before the projection caught up was signalled (and audited) too
        assert entry["resource"] == "alert" and entry["actor"]["via"] == "slack"
        assert entry["actor"]["user_id"] == ann["id"] and entry["actor"]["key_id"] is None
        assert entry["actor"]["detail"] == f"U0ANN ({TEAM})"
    replaced = (await eventually(lambda: _calls(peer, "slack-response"), lambda calls: len(calls) >= 1))[0].json
    assert replaced["replace_original"] is True
    assert "Acknowledged by <@U0ANN>" in json.dumps(replaced)

    await eventually(
        lambda: deliveries(stack, alert_id),
        lambda r: delivered(r, "acknowledged", "slack") and delivered(r, "acknowledged", "pagerduty"),
    )
    assert (await timeline_kinds(stack, alert_id)).count("acknowledged") == 1  # three clicks, one acknowledgement
    assert [c.path.rsplit("/", 1)[1] for c in peer.of("slack")] == ["chat.postMessage", "chat.update"]
    assert len(peer.slack_messages) == 1  # edited in place, not posted again
    assert list(peer.pd_incidents.values()) == ["acknowledged"]


async def test_a_slack_resolve_closes_both_and_a_late_click_is_told(slack_stack: Stack, peer: ProviderPeer) -> None:
    stack = slack_stack
    alert_id, message_key, posted = await slack_and_pagerduty_alert(stack, peer)
    await acknowledge_by_click(stack, peer, alert_id, posted)
    resolve = click(peer, "herald_resolve", alert_id, "U0ANN", peer.slack_messages[message_key])
    assert (await stack.http.post(ACTIONS, content=resolve, headers=signed(resolve))).status_code == 200
    await eventually(
        lambda: deliveries(stack, alert_id),
        lambda r: delivered(r, "resolved", "slack") and delivered(r, "resolved", "pagerduty"),
    )
    assert list(peer.pd_incidents.values()) == ["resolved"]
    late = click(peer, "herald_acknowledge", alert_id, "U0ANN", posted)  # an old copy of the message
    assert (await stack.http.post(ACTIONS, content=late, headers=signed(late))).status_code == 200
    told = (
        await eventually(
            lambda: _calls(peer, "slack-response"), lambda calls: "already resolved" in calls[-1].body.decode()
        )
    )[-1]
    assert told.json == {
        "response_type": "ephemeral",
        "replace_original": False,
        "text": "This alert was already resolved by Ann (Slack).",
    }
    final = peer.slack_messages[message_key]
    assert final["attachments"][0]["color"] == "#2EB67D" and "Resolved by Ann (Slack)" in json.dumps(final)

    stats = (await stack.http.get("/api/v1/alerts/statistics", headers=stack.viewer)).json()
    by_type = {d["channel_type"]: d for d in stats["deliveries"]}
    assert by_type["slack"]["delivered"] == 3 and by_type["slack"]["success_rate"] == 1.0
    assert by_type["pagerduty"]["total"] == 3


async def _calls(peer: ProviderPeer, provider: str) -> list[Any]:
    return peer.of(provider)


async def test_a_template_over_its_render_budget_sends_the_built_in_text_and_says_why(
    stack: Stack, peer: ProviderPeer
) -> None:
    await channel(stack, "discord", "discord", {"webhook_url": f"{peer.base}/discord/webhooks/1/discord-token"})
    # Heavy only for alerts with a `heavy` label: the sample alert of the save-time check has none.
    heavy = "{% if 'heavy' in alert.labels %}" + TRIPLE_LOOP + "{% endif %}{{ alert.title }}"
    saved = await stack.http.post(
        "/api/v1/templates",
        headers=stack.admin,
        json={"name": "Heavy", "channel_type": "discord", "subject": "{{ alert.title }}", "body": heavy},
    )
    assert saved.status_code == 201, saved.text
    alert = await fire(stack, "heavy-template", labels={"heavy": "yes"})
    rows = await eventually(
        lambda: deliveries(stack, alert["id"]), lambda r: delivered(r, "triggered", "discord"), within=60
    )
    [call] = peer.of("discord")
    embed = call.json["embeds"][0]
    assert embed["title"] == "[CRITICAL] heavy-template is down"  # the built-in text
    assert embed["description"].startswith("heavy-template is down\nStatus: triggered")
    why = (
        "'Heavy' failed (template body: template exceeded its render budget (size: output over 20,000 characters)); "
        "sent the built-in text"
    )
    assert rows[0]["last_error"] == why
    detail = (await stack.http.get(f"/api/v1/alerts/{alert['id']}", headers=stack.viewer)).json()
    assert any(e["kind"] == "notification_delivered" and why in e["message"] for e in detail["timeline"])


async def test_failures_are_retried_or_recorded_as_the_provider_answered(stack: Stack, peer: ProviderPeer) -> None:
    await channel(stack, "discord", "discord", {"webhook_url": f"{peer.base}/discord/webhooks/1/discord-token"})
    await channel(stack, "teams", "teams", {"webhook_url": f"{peer.base}/teams/workflows/1"})
    await channel(
        stack,
        "sms",
        "sms",
        {
            "account_sid": TWILIO_SID,
            "auth_token": TWILIO_TOKEN,
            "from_number": "+15550000000",
            "to": ["+447700900123"],  # the peer, like Twilio, refuses it
            "api_base_url": f"{peer.base}/twilio",
        },
    )
    peer.fail("discord", Scripted(500), Scripted(500))  # then 200
    peer.fail("teams", Scripted(429, body="slow down", headers={"Retry-After": "1"}))
    alert = await fire(stack, "api-latency")
    rows = await eventually(
        lambda: deliveries(stack, alert["id"]),
        lambda r: (
            delivered(r, "triggered", "discord")
            and delivered(r, "triggered", "teams")
            and any(x["channel_type"] == "sms" and x["status"] == "failed" for x in r)
        ),
        within=60,
    )
    by_type = {r["channel_type"]: r for r in rows}
    assert by_type["discord"]["attempts"] == 3 and by_type["discord"]["provider_message_id"]
    assert by_type["teams"]["attempts"] == 2
    sms = by_type["sms"]
    assert sms["attempts"] == 1 and sms["provider_status"] == 400 and "21211" in sms["last_error"]
    assert len(peer.of("twilio")) == 1  # permanent: never retried

    failed = await stack.http.get("/api/v1/notifications", headers=stack.viewer, params={"status": "failed"})
    assert [n["channel_type"] for n in failed.json()["items"]] == ["sms"]
    page = await stack.http.get("/api/v1/notifications", headers=stack.viewer, params={"limit": 2})
    assert len(page.json()["items"]) == 2 and page.json()["next_cursor"]
    rest = await stack.http.get(
        "/api/v1/notifications", headers=stack.viewer, params={"limit": 2, "cursor": page.json()["next_cursor"]}
    )
    ids = {n["id"] for n in page.json()["items"]} | {n["id"] for n in rest.json()["items"]}
    assert len(ids) == 3 and rest.json()["next_cursor"] is None
    bad_cursor = await stack.http.get("/api/v1/notifications", headers=stack.viewer, params={"cursor": "nope"})
    assert bad_cursor.status_code == 422
    stats = (await stack.http.get("/api/v1/alerts/statistics", headers=stack.viewer)).json()
    assert {d["channel_type"]: d["success_rate"] for d in stats["deliveries"]} == {
        "discord": 1.0,
        "sms": 0.0,
        "teams": 1.0,
    }


async def test_a_person_is_paged_by_email_and_slack_dm_through_the_tenants_channels(
    stack: Stack, peer: ProviderPeer, tmp_path: Path
) -> None:
    """Contact methods reach people through the tenant's channel of that type: its SMTP server or
    Slack bot, addressed to the person."""
    smtp = SmtpServer(tmp_path)
    smtp.start()
    try:
        email_config = {
            "host": "127.0.0.1",
            "port": smtp.port,
            "username": USER,
            "password": PASSWORD,
            "from_address": "herald@example.com",
            "verify_tls": False,
        }
        await channel(stack, "mail", "email", email_config, default=False)
        slack_config = {"bot_token": SLACK_TOKEN, "channel": "C0123", "api_base_url": f"{peer.base}/slack/api"}
        await channel(stack, "slack", "slack", slack_config, default=False)
        user = await stack.http.post(
            "/api/v1/users",
            headers=stack.admin,
            json={
                "name": "Ann",
                "email": "ann@example.com",
                "contact_methods": [
                    {"type": "email", "address": "ann.pager@example.com"},
                    {"type": "slack", "address": "U0ANN"},
                ],
            },
        )
        assert user.status_code == 201, user.text
        policy = await stack.http.post(
            "/api/v1/escalation-policies",
            headers=stack.admin,
            json={
                "name": "Ann first",
                "levels": [{"targets": [{"type": "user", "id": user.json()["id"]}], "delay_minutes": 30}],
            },
        )
        assert policy.status_code == 201, policy.text
        alert = await fire(stack, "payments", escalation_policy_id=policy.json()["id"])
        rows = await eventually(
            lambda: deliveries(stack, alert["id"]),
            lambda r: delivered(r, "triggered", "email") and delivered(r, "triggered", "slack"),
            within=60,
        )
        assert {r["user_id"] for r in rows} == {user.json()["id"]}  # pages, no channel notifications
        [(envelope, mail)] = smtp.mailbox.messages
        assert envelope.rcpt_tos == ["ann.pager@example.com"] and "payments is down" in mail["Subject"]
        [dm] = peer.of("slack")
        assert dm.json["channel"] == "U0ANN"  # a direct message, not the channel's C0123
    finally:
        smtp.stop()


async def chat_channels(stack: Stack, peer: ProviderPeer) -> None:
    slack_api = f"{peer.base}/slack/api"
    await channel(stack, "slack", "slack", {"bot_token": SLACK_TOKEN, "channel": "C0123", "api_base_url": slack_api})
    await channel(stack, "discord", "discord", {"webhook_url": f"{peer.base}/discord/webhooks/1/discord-token"})
    await channel(stack, "teams", "teams", {"webhook_url": f"{peer.base}/teams/workflows/1"})
    await channel(stack, "pd", "pagerduty", {"routing_key": PD_ROUTING_KEY, "api_base_url": f"{peer.base}/pagerduty"})


async def delivered_once_everywhere(stack: Stack, alert_id: str) -> None:
    kinds = ("slack", "discord", "teams", "pagerduty")
    rows = await eventually(
        lambda: deliveries(stack, alert_id),
        lambda r: all(delivered(r, "triggered", kind) for kind in kinds) or any(x["status"] == "failed" for x in r),
        within=60,
    )
    assert {r["channel_type"]: (r["status"], r["attempts"]) for r in rows} == {k: ("delivered", 1) for k in kinds}


async def test_an_alert_over_every_chat_limit_is_delivered_at_the_first_attempt(
    stack: Stack, peer: ProviderPeer
) -> None:
    """The issue's alert: a 300-character title, a 5,000-character description and two labels of 1,000.
    Before, Discord's embed came to 6,424 characters, Discord answered 400 and the page was recorded
    as permanently failed after one attempt. The peers refuse what their providers refuse."""
    await chat_channels(stack, peer)
    title = "Disk full on the primary database volume — " + "é漢👍🏽" * 86
    labels = {"host": "db1-" + "x" * 996, "volume": "data-" + "ü" * 995}
    alert = await fire(stack, "limits", title=title[:300], description="line of the log\n" * 312, labels=labels)
    await delivered_once_everywhere(stack, alert["id"])
    [discord] = peer.of("discord")
    embed = discord.json["embeds"][0]
    assert embed["title"].startswith("[CRITICAL] Disk full") and embed["url"].endswith(
        f"/dashboard/alerts/{alert['id']}"
    )
    assert embed["fields"][0] == {"name": "Severity", "value": "critical", "inline": True}
    assert "more characters not shown)" in embed["description"]


async def test_markup_in_alert_data_reaches_no_chat_as_markup(stack: Stack, peer: ProviderPeer) -> None:
    """The issue's alert: Slack received `<!channel>` and a disguised `<url|text>` link verbatim."""
    await chat_channels(stack, peer)
    alert = await fire(
        stack,
        "markup",
        title="Disk full <!channel> & <http://example.invalid|click to fix>",
        description="see <!here> and [the fix](http://example.invalid) @everyone",
        labels={"owner": "<!channel>"},
    )
    await delivered_once_everywhere(stack, alert["id"])
    link = f"/dashboard/alerts/{alert['id']}"

    [posted] = peer.slack_messages.values()
    sent = json.dumps(posted)
    assert "<!channel>" not in sent and "<!here>" not in sent and "<http://example.invalid" not in sent
    blocks = posted["attachments"][0]["blocks"]
    title = "[CRITICAL] Disk full &lt;!channel&gt; &amp; &lt;http://example.invalid|click to fix&gt;"
    assert blocks[0]["text"]["text"] == f"*{title}*" and posted["text"] == title
    assert "see &lt;!here&gt;" in blocks[1]["text"]["text"]
    assert {"type": "mrkdwn", "text": "*owner*\n&lt;!channel&gt;"} in blocks[2]["fields"]
    assert blocks[-1]["elements"][-1]["url"].endswith(link)  # Herald's own link stays a link

    embed = peer.of("discord")[0].json["embeds"][0]
    assert embed["title"] == r"[CRITICAL] Disk full \<!channel> & \<http://example.invalid\|click to fix>"
    assert r"\[the fix\]\(http://example.invalid\) \@everyone" in embed["description"]
    assert peer.of("discord")[0].json["allowed_mentions"] == {"parse": []} and embed["url"].endswith(link)

    card = peer.of("teams")[0].json["attachments"][0]["content"]
    assert r"\[the fix\]\(http://example.invalid\)" in card["body"][1]["text"]
    assert card["actions"][0]["url"].endswith(link)
