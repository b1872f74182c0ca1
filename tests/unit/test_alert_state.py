"""AlertState: the one object an incident's workflow carries through continue-as-new."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gateway.data_converter import herald_data_converter
from workflows import member_table
from workflows.ids import labels_key
from workflows.payloads import AlertContent, AlertStart, AlertState, FireEvent

RECORDED = Path(__file__).resolve().parents[1] / "histories" / "test_continue_as_new_keeps_state-0.json"


def _recorded_start() -> dict[str, Any]:
    """The input of a run started by continue-as-new, as code before AlertState recorded it."""
    started = json.loads(RECORDED.read_text())["events"][0]["workflowExecutionStartedEventAttributes"]
    data: dict[str, Any] = json.loads(base64.b64decode(started["input"]["payloads"][0]["data"]))
    return data


def _encoded(value: object) -> dict[str, Any]:
    [payload] = herald_data_converter.payload_converter.to_payloads([value])
    data: dict[str, Any] = json.loads(payload.data)
    return data


def test_a_recorded_carried_state_decodes_and_encodes_under_the_same_names() -> None:
    recorded = _recorded_start()
    [start] = herald_data_converter.payload_converter.from_payloads(
        herald_data_converter.payload_converter.to_payloads([recorded]), [AlertStart]
    )
    assert isinstance(start, AlertStart) and start.carried is not None
    assert start.carried.view is not None and start.carried.view.event_count == 8
    again = _encoded(start)["carried"]
    added = {
        "backlog",
        "members",
        "member_changes",
        "member_events",
        "members_packed",
        "member_expiry",
        "group_notified_at",
        "group_wait_policy",
        "inbox_seen",
        "mute_check_at",
    }
    assert set(again) - set(recorded["carried"]) == added  # added since, with defaults
    assert set(recorded["carried"]) <= set(again)
    for name, value in recorded["carried"].items():
        assert _kept(value, again[name]), name  # view and options: fields added since (at any depth) are extra


def _kept(recorded: object, again: object) -> bool:
    """`again` holds everything `recorded` held, unchanged; dicts may have gained keys (new fields)."""
    if isinstance(recorded, dict) and isinstance(again, dict):
        return all(key in again and _kept(value, again[key]) for key, value in recorded.items())
    if isinstance(recorded, list) and isinstance(again, list):
        return len(recorded) == len(again) and all(_kept(a, b) for a, b in zip(recorded, again, strict=True))
    return recorded == again


def test_what_belongs_to_one_run_is_never_carried() -> None:
    event = FireEvent(content=AlertContent(title="t"), received_at=datetime(2026, 1, 1, tzinfo=UTC))
    state = AlertState(pending_first=event, opened=True, events_this_run=7, next_seq=3)
    carried = _encoded(AlertStart(tenant_id="t", key="k", carried=state))["carried"]
    assert carried["next_seq"] == 3
    assert not {"pending_first", "opened", "events_this_run"} & set(carried)


def test_ten_thousand_members_are_carried_packed_well_under_temporals_payload_limits() -> None:
    keys = [labels_key("t", {"alertname": "NodeDown", "host": f"n{i:05}"}) for i in range(10_000)]
    state = AlertState(members={k: 1 for k in keys}, member_events={k: 2 for k in keys})
    state.members[keys[0]] = 2  # resolved
    [payload] = herald_data_converter.payload_converter.to_payloads([AlertStart(tenant_id="t", key="k", carried=state)])
    assert len(payload.data) < 300_000  # Temporal warns from 512 kB and refuses 2 MB; as two maps: 740 kB
    carried = json.loads(payload.data)["carried"]
    assert carried["members"] == {} and carried["member_events"] == {} and carried["members_packed"]
    [start] = herald_data_converter.payload_converter.from_payloads([payload], [AlertStart])
    assert isinstance(start, AlertStart) and start.carried is not None
    assert start.carried.members == state.members and start.carried.member_events == state.member_events
    assert start.carried.members_packed is None


def test_ten_thousand_expiring_members_are_carried_packed_too() -> None:
    """Members posted through Alertmanager's API each have an expiry (endsAt): as a map that alone
    would be some 700 kB of carried state; in the packed table, a few bytes a member."""
    keys = [labels_key("t", {"alertname": "NodeDown", "host": f"n{i:05}"}) for i in range(10_000)]
    at = datetime(2026, 12, 1, 5, 0, tzinfo=UTC)
    expiry = {k: at + timedelta(microseconds=7 * i) for i, k in enumerate(keys)}
    state = AlertState(members={k: 1 for k in keys}, member_events={k: 2 for k in keys}, member_expiry=expiry)
    [payload] = herald_data_converter.payload_converter.to_payloads([AlertStart(tenant_id="t", key="k", carried=state)])
    assert len(payload.data) < 400_000  # the expiries as a map alone: 720 kB
    assert json.loads(payload.data)["carried"]["member_expiry"] == {}
    [start] = herald_data_converter.payload_converter.from_payloads([payload], [AlertStart])
    assert isinstance(start, AlertStart) and start.carried is not None
    assert start.carried.member_expiry == expiry and start.carried.members == state.members


def test_members_carried_as_two_maps_still_decode() -> None:
    """Histories recorded before the packed table carry `members` and `member_events` as maps."""
    carried = {"members": {"a": 1, "b": 2}, "member_events": {"a": 3, "b": 1}}
    [start] = herald_data_converter.payload_converter.from_payloads(
        herald_data_converter.payload_converter.to_payloads([{"tenant_id": "t", "key": "k", "carried": carried}]),
        [AlertStart],
    )
    assert isinstance(start, AlertStart) and start.carried is not None
    assert start.carried.members == {"a": 1, "b": 2} and start.carried.member_events == {"a": 3, "b": 1}


def test_a_packed_table_that_is_not_one_is_refused() -> None:
    with pytest.raises(ValueError, match="not a packed member table"):
        member_table.unpack("bm90IHpsaWI=")
