"""Time intervals: the API (Alertmanager's `time_intervals:` schema, unique names, admin writes, 422s naming the
field, whether an interval contains now and when that changes) and their effect on a real worker — an alert whose
route (`Grouping`) names a mute interval it is inside of, or active intervals it is outside of, pages nobody and its
timeline says which; otherwise it is paged. The routing tree is not involved: the events carry a Grouping as a route
would give them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from gateway.client import AlertingClient
from gateway.options import alert_options
from models.api_keys import Role
from settings import Settings
from tests.integration.conftest import Stack, make_keys
from tests.integration.test_alert_flows import add_channel, get_alert
from tests.support.alerts import eventually
from tests.support.receiver import WebhookReceiver
from workflows.ids import labels_key
from workflows.payloads import AlertContent, FireEvent, Grouping

URL = "/api/v1/time-intervals"
ALWAYS: list[dict[str, Any]] = [{}]  # a spec that sets no field contains every instant
NEVER: list[dict[str, Any]] = [{"years": ["2001"]}]


async def interval(stack: Stack, name: str, specs: list[dict[str, Any]], status: int = 201) -> dict[str, Any]:
    answer = await stack.http.post(URL, headers=stack.admin, json={"name": name, "time_intervals": specs})
    assert answer.status_code == status, answer.text
    return answer.json()  # type: ignore[no-any-return]


def next_month(now: datetime) -> datetime:
    return datetime(now.year + now.month // 12, now.month % 12 + 1, 1, tzinfo=UTC)


async def test_time_intervals_crud_with_whether_they_contain_now(stack: Stack) -> None:
    now = datetime.now(UTC)
    spec = {
        "times": [{"start_time": "09:00", "end_time": "17:00"}],
        "weekdays": ["monday:friday"],
        "days_of_month": ["1:10", "-3:-1"],
        "months": ["january:march", "12"],
        "years": ["2026:2030"],
        "location": "Europe/London",
    }
    business = await interval(stack, "business-hours", [spec])
    assert business["name"] == "business-hours" and business["time_intervals"] == [spec]
    this_month = await interval(stack, "this-month", [{"months": [str(now.month)]}])
    assert this_month["contains_now"] is True
    assert datetime.fromisoformat(this_month["next_change"]) == next_month(now)
    assert (business["horizon_days"], this_month["horizon_days"]) == (366, 366)
    never = await interval(stack, "never", NEVER)
    assert never["contains_now"] is False and never["next_change"] is None  # not within a year
    many = [{"start_time": f"{h:02d}:00", "end_time": f"{h:02d}:30"} for h in range(24)]
    busy = await interval(stack, "busy", [{"times": many, "location": zone} for zone in ("UTC", "Asia/Tokyo")])
    assert 1 <= busy["horizon_days"] < 366  # many times in several zones: looks less far ahead, as fast

    read = await stack.http.get(f"{URL}/{this_month['id']}", headers=stack.viewer)
    assert read.status_code == 200 and read.json()["contains_now"] is True
    listed = await stack.http.get(URL, headers=stack.viewer)
    assert [i["name"] for i in listed.json()] == ["business-hours", "busy", "never", "this-month"]

    body = {"name": "always", "time_intervals": ALWAYS}
    replaced = await stack.http.put(f"{URL}/{never['id']}", headers=stack.admin, json=body)
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["id"] == never["id"] and replaced.json()["contains_now"] is True
    assert replaced.json()["next_change"] is None

    deleted = await stack.http.delete(f"{URL}/{never['id']}", headers=stack.admin)
    assert deleted.status_code == 204
    assert (await stack.http.get(f"{URL}/{never['id']}", headers=stack.viewer)).status_code == 404


async def test_names_are_unique_per_tenant_and_writes_are_for_admins(
    stack: Stack, sessions: async_sessionmaker[AsyncSession]
) -> None:
    first = await interval(stack, "weekends", [{"weekdays": ["saturday", "sunday"]}])
    again = await interval(stack, "weekends", ALWAYS, status=409)
    assert "weekends" in again["detail"]
    other = await interval(stack, "nights", [{"times": [{"start_time": "00:00", "end_time": "06:00"}]}])
    renamed = await stack.http.put(
        f"{URL}/{other['id']}", headers=stack.admin, json={"name": "weekends", "time_intervals": ALWAYS}
    )
    assert renamed.status_code == 409 and "weekends" in renamed.json()["detail"]

    body = {"name": "mine", "time_intervals": ALWAYS}
    for headers in (stack.responder, stack.viewer):
        assert (await stack.http.post(URL, headers=headers, json=body)).status_code == 403
        assert (await stack.http.put(f"{URL}/{first['id']}", headers=headers, json=body)).status_code == 403
        assert (await stack.http.delete(f"{URL}/{first['id']}", headers=headers)).status_code == 403

    keys = await make_keys(sessions, f"t-{uuid.uuid4().hex[:8]}")
    theirs = await stack.http.post(URL, headers=keys[Role.ADMIN], json={"name": "weekends", "time_intervals": ALWAYS})
    assert theirs.status_code == 201, theirs.text  # the same name in another tenant
    for method in ("GET", "DELETE"):
        answer = await stack.http.request(method, f"{URL}/{first['id']}", headers=keys[Role.ADMIN])
        assert answer.status_code == 404, answer.text
    assert [i["name"] for i in (await stack.http.get(URL, headers=keys[Role.VIEWER])).json()] == ["weekends"]


@pytest.mark.parametrize(
    ("spec", "field", "words"),
    [
        ({"location": "Mars/Olympus_Mons"}, "time_intervals.0.location", "unknown time zone"),
        ({"location": "Local"}, "time_intervals.0.location", "Local"),
        ({"times": [{"start_time": "25:00", "end_time": "26:00"}]}, "time_intervals.0.times.0.start_time", "25:00"),
        ({"times": [{"start_time": "17:00", "end_time": "09:00"}]}, "time_intervals.0.times.0", "before"),
        ({"times": [{"start_time": "09:00"}]}, "time_intervals.0.times.0.end_time", "required"),
        ({"weekdays": ["funday"]}, "time_intervals.0.weekdays.0", "funday"),
        ({"weekdays": ["saturday:sunday"]}, "time_intervals.0.weekdays.0", ""),
        ({"days_of_month": ["0"]}, "time_intervals.0.days_of_month.0", ""),
        ({"days_of_month": ["-32"]}, "time_intervals.0.days_of_month.0", ""),
        ({"days_of_month": ["10:5"]}, "time_intervals.0.days_of_month.0", ""),
        ({"months": ["13"]}, "time_intervals.0.months.0", ""),
        ({"months": ["smarch"]}, "time_intervals.0.months.0", "smarch"),
        ({"years": ["2030:2026"]}, "time_intervals.0.years.0", ""),
        ({"hours": ["1"]}, "time_intervals.0.hours", "Extra inputs"),
        (
            {"times": [{"start_time": f"{m // 60:02d}:{m % 60:02d}", "end_time": "24:00"} for m in range(0, 1200, 6)]},
            "time_intervals",
            "too many distinct times",
        ),
    ],
)
async def test_a_spec_alertmanager_refuses_is_a_422_naming_its_field(
    stack: Stack, spec: dict[str, Any], field: str, words: str
) -> None:
    answer = await stack.http.post(URL, headers=stack.admin, json={"name": "bad", "time_intervals": [spec]})
    assert answer.status_code == 422, answer.text
    [error] = [e for e in answer.json()["errors"] if e["field"].startswith(field)]
    assert words in error["message"], error


@pytest.mark.parametrize(
    ("body", "field"),
    [({"name": "", "time_intervals": []}, "name"), ({"time_intervals": []}, "name"), ({"name": "x"}, "time_intervals")],
)
async def test_a_bad_body_is_a_422_naming_its_field(stack: Stack, body: dict[str, Any], field: str) -> None:
    answer = await stack.http.post(URL, headers=stack.admin, json=body)
    assert answer.status_code == 422, answer.text
    assert [e["field"] for e in answer.json()["errors"]] == [field]


async def fire(
    stack: Stack, env: WorkflowEnvironment, settings: Settings, title: str, grouping: Grouping | None
) -> str:
    """Open an alert whose event carries `grouping`, as the routing tree would place it; its id."""
    labels = {"alertname": title, "run": uuid.uuid4().hex[:8]}
    alerting = AlertingClient(
        env.client, task_queue=settings.temporal_task_queue, update_timeout=30, ingest_concurrency=1
    )
    options = alert_options(settings, channel_ids=None, policy_id=None).model_copy(update={"grouping": grouping})
    event = FireEvent(content=AlertContent(title=title, labels=labels), options=options, received_at=datetime.now(UTC))
    view = await alerting.create(stack.tenant, labels_key(stack.tenant, labels), event)
    return view.alert_id


async def muted_entry(stack: Stack, alert_id: str) -> dict[str, Any]:
    def muted(detail: dict[str, Any]) -> bool:
        return any(entry["kind"] == "notification_muted" for entry in detail["timeline"])

    detail = await eventually(lambda: get_alert(stack, alert_id), muted)
    [entry] = [e for e in detail["timeline"] if e["kind"] == "notification_muted"]
    return entry  # type: ignore[no-any-return]


async def test_route_time_intervals_mute_fire_notices(
    stack: Stack, receiver: WebhookReceiver, dev_env: WorkflowEnvironment, dev_settings: Settings
) -> None:
    await add_channel(stack, receiver.url)
    await interval(stack, "always", ALWAYS)
    await interval(stack, "never", NEVER)

    inside_mute = await fire(stack, dev_env, dev_settings, "inside", Grouping(mute_time_intervals=["never", "always"]))
    entry = await muted_entry(stack, inside_mute)
    assert entry["details"]["time_interval"] == "always" and "'always'" in entry["message"]

    outside_active = Grouping(active_time_intervals=["never", "deleted-long-ago"])  # an unknown name holds nothing
    outside = await fire(stack, dev_env, dev_settings, "outside", outside_active)
    entry = await muted_entry(stack, outside)
    assert "outside active time intervals 'never', 'deleted-long-ago'" in entry["message"]
    assert entry["details"]["time_intervals"] == "never,deleted-long-ago"

    paged = Grouping(mute_time_intervals=["never", "deleted-long-ago"], active_time_intervals=["deleted", "always"])
    heard = await fire(stack, dev_env, dev_settings, "heard", paged)
    [hook] = await receiver.wait_for(1)
    assert hook.json["alert"]["id"] == heard
    assert not [e for e in (await get_alert(stack, heard))["timeline"] if e["kind"] == "notification_muted"]
    assert [h.json["alert"]["id"] for h in receiver.received] == [heard]  # the muted two were never sent


async def test_an_alert_told_it_fired_is_told_it_resolved_inside_a_mute_interval_since(
    stack: Stack, receiver: WebhookReceiver, dev_env: WorkflowEnvironment, dev_settings: Settings
) -> None:
    await add_channel(stack, receiver.url)
    later_muting = await interval(stack, "soon", NEVER)
    fired = await fire(stack, dev_env, dev_settings, "db down", Grouping(mute_time_intervals=["soon"]))
    await receiver.wait_for(1)
    now_muting = {"name": "soon", "time_intervals": ALWAYS}
    assert (
        await stack.http.put(f"{URL}/{later_muting['id']}", headers=stack.admin, json=now_muting)
    ).status_code == 200
    answer = await stack.http.post(f"/api/v1/alerts/{fired}/resolve", headers=stack.responder, json={})
    assert answer.status_code == 200, answer.text
    await receiver.wait_for(2)
    assert receiver.events() == ["triggered", "resolved"]
