"""Every id, key and link Herald derives, in one place (pure and deterministic).

Workflows, activities, the API, the Temporal gateway and the tests all build these from here,
so a formula changes in one line. It lives under `workflows/` because workflow code may import
only deterministic modules of its own package; everything else may import it too.

Shapes (`<...>` are inputs, verbatim). A tenant id is 1–63 ASCII letters, digits, `.`, `_` or
`-`, starting with a letter or a digit (`TENANT_ID`; the `tenants` table checks the same): it
never holds `/`, so `alert/<tenant>/<key>` is unambiguous whatever the key holds, and two
distinct (tenant, key) pairs never share a workflow id.

==========================  =====================================================================
group key (no dedup key)    first 32 hex digits of SHA-256 over canonical JSON `[scope, sorted non-empty labels]`
                            (`labels_key`: the incident key of an alert whose first matched route groups by `...`,
                            and every event's member key)
route group key             `group/` + first 32 hex digits of SHA-256 over canonical JSON
                            `[tenant, route id, sorted group labels]` (noise/route_store.py: any other route)
alert workflow              `alert/<tenant>/<key>`
heartbeat workflow          `heartbeat/<tenant>/<heartbeat id>`
heartbeat alert key         `heartbeat/<heartbeat id>`
rule alert key              `rule/<rule id>/<instance>` (instance: the labels key, or `error`/`nodata`)
rule schedule / its runs    `rule-evaluation/<task queue>` (the schedule appends the start time)
ingest inbox drain          `inbox-drain/<task queue>` (one per task queue: it keeps each key's order)
manual evaluation pass      `rule-evaluation/<task queue>/manual/<unique>`
notification idempotency    `<workflow id>:<alert id>:<event>:<cycle or tag>:<channel id>`
page idempotency            `<workflow id>:<alert id>:page:<step>:<user id>:<contact method id>:<delay s>`
channel test idempotency    `channel-test:<channel id>:<unique>`
Temporal UI link            `<ui>/namespaces/<namespace>/workflows/<workflow id, percent-encoded>`
API and dashboard links     `<public url>/api/v1/alerts/<alert id>`, `<public url>/dashboard/alerts/<alert id>`
e-mail Message-ID           `<` + first 32 hex digits of SHA-256(idempotency key) + `@herald>`
PagerDuty dedup_key         the alert workflow id, `bounded` to PagerDuty's 255 characters
APNs apns-id                UUID5(URL namespace, `<idempotency key>:<device token>`)
push collapse id            the alert id, `bounded` to 64 bytes (APNs `apns-collapse-id`, FCM `collapse_key`)
timeline entry dedup        `bounded` to its column's 400 characters (models/projection.py)
==========================  =====================================================================

Lengths: an alert workflow id is at most 6 + 63 + 1 + 255 = 325 characters (a dedup key is at
most 255), well inside Temporal's 1,000-byte id limit, so workflow ids are never shortened; a
notification or page idempotency key is at most about 460 (the deliveries column holds 1,200).

**Nothing is ever cut to fit a limit**: a cut makes two ids that differ only past the limit one
id (two alerts closing one PagerDuty incident). Where a provider or a column has a limit, the
id goes through `bounded`: unchanged when it fits (ids already in use never move), else a
prefix, a space and a SHA-256 digest of the whole. Every id Herald derives is printable ASCII
without spaces (dedup keys, tenant ids, UUIDs, hex digits), so a shortened id never equals
one that was kept, and two shortened ids are equal only if SHA-256 collides.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from urllib.parse import quote

RULE_EVALUATION = "rule-evaluation"
RETENTION = "herald-retention"
TENANT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
TENANT_ID_RULE = "1-63 ASCII letters, digits, '.', '_' or '-', starting with a letter or a digit"


def check_tenant_id(tenant_id: str) -> str:
    """`tenant_id` if it is of the documented alphabet; ValueError naming the rule otherwise."""
    if not TENANT_ID.fullmatch(tenant_id):
        raise ValueError(f"tenant id {tenant_id!r} is not valid: {TENANT_ID_RULE}")
    return tenant_id


def canonical_labels(labels: dict[str, str]) -> dict[str, str]:
    """The label set as an identity: a label with an empty value is an absent label (Prometheus's
    rule), so `{host: db1, env: ""}` and `{host: db1}` are one set. The same dict if nothing is empty."""
    if all(labels.values()):
        return labels
    return {name: value for name, value in labels.items() if value}


def labels_key(scope: str, labels: dict[str, str]) -> str:
    """Order-free identity of a label set within `scope` (a tenant, a metric name, or ""), empty
    values dropped first (`canonical_labels`): a set without empty values keeps the key it always had."""
    canonical = json.dumps([scope, sorted(canonical_labels(labels).items())], separators=(",", ":"), ensure_ascii=False)
    # surrogatepass: a lone surrogate (refused at every door, models/text.py) must not crash a key
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def route_group_key(tenant_id: str, route_id: str, group_labels: dict[str, str]) -> str:
    """The incident key of a route's group: Alertmanager's route id (`{}/{team="db"}/0`) and the values of
    its group_by, within the tenant. Never equal to a `labels_key` (those have no `/`)."""
    canonical = json.dumps(
        [tenant_id, route_id, sorted(group_labels.items())], separators=(",", ":"), ensure_ascii=False
    )
    return "group/" + hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def alert_workflow_id(tenant_id: str, key: str) -> str:
    """The workflow of the open incident of `key`: Temporal's id uniqueness is Herald's dedup.
    Raises ValueError for a tenant id outside the alphabet (which could make two ids collide)."""
    return f"alert/{check_tenant_id(tenant_id)}/{key}"


def heartbeat_workflow_id(tenant_id: str, heartbeat_id: str) -> str:
    return f"heartbeat/{check_tenant_id(tenant_id)}/{heartbeat_id}"


def heartbeat_alert_key(heartbeat_id: str) -> str:
    return f"heartbeat/{heartbeat_id}"


def rule_alert_key(rule_id: str, instance: str) -> str:
    return f"rule/{rule_id}/{instance}"


def rule_schedule_id(task_queue: str) -> str:
    """The rule-evaluation Temporal Schedule of a task queue, and the prefix of the runs it starts."""
    return f"{RULE_EVALUATION}/{task_queue}"


def retention_schedule_id(task_queue: str) -> str:
    """The retention Temporal Schedule of a task queue, and the prefix of the runs it starts."""
    return f"{RETENTION}/{task_queue}"


def inbox_drain_workflow_id(task_queue: str) -> str:
    return f"inbox-drain/{task_queue}"


def manual_evaluation_id(task_queue: str, unique: str) -> str:
    return f"{rule_schedule_id(task_queue)}/manual/{unique}"


def notify_idempotency_key(workflow_id: str, alert_id: str, event: str, cycle: str, channel_id: str) -> str:
    return f"{workflow_id}:{alert_id}:{event}:{cycle}:{channel_id}"


def page_idempotency_key(
    workflow_id: str, alert_id: str, step: int, user_id: str, contact_method_id: str, delay_seconds: int
) -> str:
    """Two personal rules may page one contact method at different delays: the delay is part of it."""
    return f"{workflow_id}:{alert_id}:page:{step}:{user_id}:{contact_method_id}:{delay_seconds}"


def channel_test_idempotency_key(channel_id: str, unique: str) -> str:
    return f"channel-test:{channel_id}:{unique}"


def temporal_ui_link(ui_url: str, namespace: str, workflow_id: str) -> str:
    return f"{ui_url.rstrip('/')}/namespaces/{namespace}/workflows/{quote(workflow_id, safe='')}"


def alert_api_link(public_url: str, alert_id: str) -> str:
    return f"{public_url.rstrip('/')}/api/v1/alerts/{alert_id}"


def alert_dashboard_link(public_url: str, alert_id: str) -> str:
    return f"{public_url.rstrip('/')}/dashboard/alerts/{alert_id}"


def email_message_id(idempotency_key: str) -> str:
    """The same on every retry of one notification, so a retry after a lost answer is one mail."""
    return f"<{hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]}@herald>"


def bounded(value: str, limit: int) -> str:
    """`value` if it fits `limit` UTF-8 bytes; else its first bytes, a space and as many hex digits
    of SHA-256 over all of it as fit (at most 64), `limit` bytes in all. Never a cut: see above."""
    raw = value.encode()
    if len(raw) <= limit:
        return value
    if limit < 18:
        raise ValueError(f"an id bounded to {limit} bytes could not stay unique")
    digest = hashlib.sha256(raw).hexdigest()[: min(64, limit - 2)]
    prefix = raw[: limit - 1 - len(digest)].decode(errors="ignore")  # never half a character
    return f"{prefix} {digest}"


PAGERDUTY_DEDUP_KEY_MAX = 255  # Events API v2: "dedup_key ... maximum permitted length ... 255 characters"
PUSH_COLLAPSE_ID_MAX = 64  # APNs: "apns-collapse-id ... must not exceed 64 bytes"


def pagerduty_dedup_key(workflow_id: str) -> str:
    """One PagerDuty incident per Herald incident stream (tenant + key), distinct for distinct keys."""
    return bounded(workflow_id, PAGERDUTY_DEDUP_KEY_MAX)


def apns_id(idempotency_key: str, device_token: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{idempotency_key}:{device_token}"))


def push_collapse_id(alert_id: str) -> str:
    return bounded(alert_id, PUSH_COLLAPSE_ID_MAX)
