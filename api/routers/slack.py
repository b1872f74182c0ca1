"""`POST /api/v1/integrations/slack/actions`: Acknowledge / Resolve buttons on Herald's Slack messages.

Slack signs each request (`v0=` HMAC-SHA256 of `v0:<timestamp>:<raw body>` with the app's
signing secret); a bad or missing signature, or a timestamp more than five minutes off, is a
401. The clicking Slack user must be a Herald user of the alert's tenant (matched on
`slack_user_id`, enabled); then the alert's workflow gets an acknowledge or resolve *signal*
(accepted in milliseconds, so Slack's 3-second limit holds) and the answer is a 200 at once.
The original message is then replaced through Slack's `response_url` to show who acted. A
Slack retry or a second click sends the same signal again, which changes nothing. Anyone Herald
does not know gets an ephemeral explanation, and the alert is left alone.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import logging
import time
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, BackgroundTasks, HTTPException, Request, Response, status

from api.audit import Audit
from api.deps import Resources, ResourcesDep
from api.errors import FieldErrors
from channels.markup import slack as escape_mrkdwn
from channels.slack import ACK_ACTION, RESOLVE_ACTION
from channels.style import RESOLVED_COLOUR
from gateway.errors import AlertNotFound, EngineUnavailable, TransitionRejected
from models.audit import Actor
from models.channels import slack_team_ids
from models.tables import Alert
from models.text import first_unstorable
from models.users import enabled_user_by_slack_id
from workflows.payloads import AcknowledgeRequest, ResolveRequest

log = logging.getLogger("herald.slack")
router = APIRouter(prefix="/api/v1/integrations/slack", tags=["integrations"])
MAX_SKEW_SECONDS = 5 * 60
VERBS = {ACK_ACTION: "acknowledge", RESOLVE_ACTION: "resolve"}


def signature_ok(secret: str, timestamp: str | None, signature: str | None, body: bytes, now: float) -> str | None:
    """None when the request is Slack's; else why not."""
    if not timestamp or not signature:
        return "missing X-Slack-Request-Timestamp or X-Slack-Signature"
    try:
        sent_at = int(timestamp)
    except ValueError:
        return "X-Slack-Request-Timestamp is not a Unix time"
    if abs(now - sent_at) > MAX_SKEW_SECONDS:
        return "X-Slack-Request-Timestamp is more than 5 minutes off (a replay, or a clock out of sync)"
    expected = "v0=" + hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        return "X-Slack-Signature does not match the body"
    return None


def parse_payload(body: bytes) -> dict[str, Any]:
    try:
        [raw] = parse_qs(body.decode(), strict_parsing=True)["payload"]
        payload = json.loads(raw)
    except (ValueError, KeyError) as err:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "expected a form field `payload` holding JSON") from err
    if not isinstance(payload, dict):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "payload: expected a JSON object")
    found = first_unstorable(payload, ("payload",))  # a form body: the JSON check of every route does not see it
    if found:
        raise FieldErrors([found])
    return payload


def acted_message(original: dict[str, Any], action_id: str, slack_user: str) -> dict[str, Any]:
    """The clicked message, with the buttons that no longer apply removed and who acted added."""
    message = copy.deepcopy(original)
    resolved = action_id == RESOLVE_ACTION
    gone = {ACK_ACTION, RESOLVE_ACTION} if resolved else {ACK_ACTION}
    line = f"{'Resolved' if resolved else 'Acknowledged'} by <@{slack_user}> in Slack"
    for attachment in message.get("attachments") or []:
        blocks = attachment.get("blocks") or []
        for block in blocks:
            if block.get("type") == "actions":
                block["elements"] = [e for e in block.get("elements", []) if e.get("action_id") not in gone]
        attachment["blocks"] = [b for b in blocks if b.get("type") != "actions" or b["elements"]]
        attachment["blocks"].append({"type": "context", "elements": [{"type": "mrkdwn", "text": line}]})
        if resolved:
            attachment["color"] = RESOLVED_COLOUR
    return {
        "replace_original": True,
        "text": message.get("text", line),
        "attachments": message.get("attachments") or [],
    }


async def _respond(resources: Resources, url: str | None, body: dict[str, Any]) -> None:
    if not url:
        return
    try:
        response = await resources.http.post(url, json=body, timeout=10)
        if response.status_code >= 300:
            log.warning("slack response_url answered %s: %s", response.status_code, response.text[:200])
    except Exception as err:  # the action already happened; only its echo in Slack is lost
        log.warning("slack response_url failed: %r", err)


def already_done(alert: Alert, verb: str) -> str | None:
    """What to tell a late click (in mrkdwn: the actor's name is escaped, as all alert data is)."""
    if alert.status == "resolved":
        return f"This alert was already resolved by {escape_mrkdwn(alert.resolved_by or 'Herald')}."
    if verb == "acknowledge" and alert.status == "acknowledged":
        return f"This alert was already acknowledged by {escape_mrkdwn(alert.acknowledged_by or 'someone')}."
    return None


def _ephemeral(text: str) -> dict[str, Any]:
    return {"response_type": "ephemeral", "replace_original": False, "text": text}


@router.post(
    "/actions",
    summary="Slack interactivity: Acknowledge / Resolve buttons",
    responses={
        400: {"description": "Not a Slack interactivity payload"},
        401: {"description": "Signature missing, wrong, or older than 5 minutes"},
        503: {"description": "HERALD_SLACK_SIGNING_SECRET is not configured"},
    },
    include_in_schema=True,
)
async def slack_actions(request: Request, resources: ResourcesDep, background: BackgroundTasks) -> Response:
    secret = resources.settings.slack_signing_secret
    if secret is None:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, "Slack actions are off: set HERALD_SLACK_SIGNING_SECRET"
        )
    body = await request.body()
    problem = signature_ok(
        secret.get_secret_value(),
        request.headers.get("X-Slack-Request-Timestamp"),
        request.headers.get("X-Slack-Signature"),
        body,
        time.time(),
    )
    if problem:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, problem)
    payload = parse_payload(body)
    actions = [a for a in payload.get("actions") or [] if isinstance(a, dict) and a.get("action_id") in VERBS]
    if payload.get("type") != "block_actions" or not actions:
        return Response(status_code=status.HTTP_200_OK)  # not ours (e.g. the Open link button)
    action = actions[0]
    slack_user = str((payload.get("user") or {}).get("id", ""))
    team = str((payload.get("team") or {}).get("id", ""))
    response_url = payload.get("response_url")
    async with resources.sessions() as session:
        alert = await session.get(Alert, str(action.get("value", "")))
        user = None
        teams: set[str] = set()
        if alert is not None:
            teams = await slack_team_ids(session=session, tenant_id=alert.tenant_id)
        if alert is not None and slack_user and team in teams:
            user = await enabled_user_by_slack_id(session=session, tenant_id=alert.tenant_id, slack_user_id=slack_user)
    if alert is None:
        background.add_task(_respond, resources, response_url, _ephemeral("Herald no longer knows this alert."))
        return Response(status_code=status.HTTP_200_OK)
    if team not in teams:
        # A user id means something only within its workspace: a click from another one acts on nothing.
        text = (
            f"This Slack workspace ({team or 'unknown'}) is not bound to the Herald tenant of this alert, so nothing "
            "was done. A Herald admin binds it with `team_id` on the tenant's Slack channel."
        )
        background.add_task(_respond, resources, response_url, _ephemeral(text))
        return Response(status_code=status.HTTP_200_OK)
    if user is None:
        text = (
            f"Herald does not know your Slack account (<@{slack_user}>), so nothing was done to this alert. "
            "Ask a Herald admin to set your `slack_user_id` on your Herald user."
        )
        background.add_task(_respond, resources, response_url, _ephemeral(text))
        return Response(status_code=status.HTTP_200_OK)
    verb = VERBS[action["action_id"]]
    already = already_done(alert, verb)
    if already:  # someone was quicker: say so instead of claiming this click did it
        background.add_task(_respond, resources, response_url, _ephemeral(already))
        return Response(status_code=status.HTTP_200_OK)
    actor = f"{user.name} (Slack)"
    request_body = (AcknowledgeRequest if verb == "acknowledge" else ResolveRequest)(alert_id=alert.id, actor=actor)
    actor_of_click = Actor(key_id=None, key_name=None, user_id=user.id, via="slack", detail=f"{slack_user} ({team})")
    try:
        # The audit row first, committed only once the signal is accepted (a refused signal rolls it back).
        async with resources.sessions.begin() as session:
            audit = Audit.for_actor(session, request, alert.tenant_id, actor_of_click)
            await audit.record("alert", alert.id, verb, before={"status": alert.status}, after={"via": "slack"})
            await resources.alerting.signal_transition(alert.workflow_id, request_body)
    except (TransitionRejected, AlertNotFound):
        background.add_task(_respond, resources, response_url, _ephemeral("This alert is already resolved."))
        return Response(status_code=status.HTTP_200_OK)
    except EngineUnavailable as err:
        background.add_task(_respond, resources, response_url, _ephemeral(f"Herald could not {verb} it now: {err}"))
        return Response(status_code=status.HTTP_200_OK)
    original = payload.get("message")
    if isinstance(original, dict):
        background.add_task(_respond, resources, response_url, acted_message(original, action["action_id"], slack_user))
    return Response(status_code=status.HTTP_200_OK)
