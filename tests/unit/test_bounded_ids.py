"""Ids Herald derives for a provider or a column stay unique within the limit: never a cut."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from models.keys import DEDUP_KEY
from workflows.ids import (
    PAGERDUTY_DEDUP_KEY_MAX,
    TENANT_ID,
    alert_workflow_id,
    bounded,
    email_message_id,
    notify_idempotency_key,
    page_idempotency_key,
    pagerduty_dedup_key,
    push_collapse_id,
)

TEMPORAL_ID_MAX = 1000  # Temporal's default limit.maxIDLength (bytes)
IDEMPOTENCY_COLUMN = 1200  # notifications.idempotency_key
ids = st.from_regex(DEDUP_KEY, fullmatch=True)  # the widest alphabet of any derived id: printable ASCII, no space


def test_the_issues_two_long_keys_get_two_pagerduty_keys() -> None:
    # Before: both were cut to the same 255 characters, so resolving one closed the other's incident.
    first, second = "k" * 248 + "1", "k" * 248 + "2"
    a, b = (
        pagerduty_dedup_key(alert_workflow_id("default", first)),
        pagerduty_dedup_key(alert_workflow_id("default", second)),
    )
    assert a != b and len(a) == len(b) == PAGERDUTY_DEDUP_KEY_MAX
    assert a.startswith("alert/default/kkk")  # still readable


def test_ids_in_use_do_not_move() -> None:
    assert pagerduty_dedup_key("alert/default/sample") == "alert/default/sample"
    run_id = str(uuid.uuid4())
    assert push_collapse_id(run_id) == run_id
    assert bounded("x" * 255, 255) == "x" * 255


@given(ids, ids, st.integers(min_value=18, max_value=300))
def test_bounded_ids_fit_and_stay_distinct(a: str, b: str, limit: int) -> None:
    ba, bb = bounded(a, limit), bounded(b, limit)
    assert len(ba.encode()) <= limit and len(bb.encode()) <= limit
    assert (ba == bb) == (a == b)
    if len(a) <= limit:
        assert ba == a


@given(st.text(min_size=300, max_size=400), st.integers(min_value=18, max_value=255))
def test_bounded_counts_bytes_and_never_splits_a_character(text: str, limit: int) -> None:
    out = bounded(text, limit)
    assert len(out.encode()) <= limit and out.encode().decode() == out


@given(st.from_regex(TENANT_ID, fullmatch=True), ids)
def test_every_derived_id_of_the_longest_alert_fits_its_limit(tenant: str, key: str) -> None:
    workflow_id = alert_workflow_id(tenant, key)
    assert len(workflow_id.encode()) <= TEMPORAL_ID_MAX  # never shortened, so never shared
    run, channel = str(uuid.uuid4()), str(uuid.uuid4())
    for idempotency in (
        notify_idempotency_key(workflow_id, run, "acknowledged", "12", channel),
        page_idempotency_key(workflow_id, run, 99, channel, channel, 86_400),
    ):
        assert len(idempotency) <= IDEMPOTENCY_COLUMN
        assert len(email_message_id(idempotency)) < 998  # one header line (RFC 5322)
    assert len(pagerduty_dedup_key(workflow_id)) <= PAGERDUTY_DEDUP_KEY_MAX
