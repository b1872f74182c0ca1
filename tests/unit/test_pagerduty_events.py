"""The pure parts of the PagerDuty door (api/pagerduty_events.py): incident keys and severities."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from api.pagerduty_events import FROM_PD_SEVERITY, incident_key
from channels.pagerduty import PD_SEVERITY
from models.keys import DEDUP_KEY

INTEGRATION = "7d2c1f7e-1111-4000-8000-000000000000"


@given(st.text(min_size=1, max_size=255), st.text(min_size=1, max_size=255))
def test_incident_keys_are_valid_herald_keys_and_distinct_for_distinct_dedup_keys(one: str, other: str) -> None:
    first, second = incident_key(INTEGRATION, one), incident_key(INTEGRATION, other)
    assert DEDUP_KEY.fullmatch(first) and DEDUP_KEY.fullmatch(second)
    assert (first == second) == (one == other)


def test_a_plain_dedup_key_is_kept_readable_and_another_is_hashed() -> None:
    assert incident_key(INTEGRATION, "checkout/latency") == f"pd/{INTEGRATION}/checkout/latency"
    hashed = incident_key(INTEGRATION, "disk full")
    assert hashed.startswith(f"pd/{INTEGRATION}#") and len(hashed) == len(f"pd/{INTEGRATION}#") + 64
    assert incident_key("other-integration", "checkout/latency") != incident_key(INTEGRATION, "checkout/latency")


def test_severities_come_back_as_herald_sent_them() -> None:
    for herald, pagerduty in PD_SEVERITY.items():
        assert PD_SEVERITY[FROM_PD_SEVERITY[pagerduty]] == pagerduty, herald
