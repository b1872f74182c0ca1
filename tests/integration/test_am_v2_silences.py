"""`/api/v2/silences` in-process: Alertmanager's 400s naming the field, 404 for another tenant's or an
unknown id, the tenant's maximum duration, and a viewer that reads but cannot silence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.integration.conftest import Stack


def silence(**changes: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    body = {
        "matchers": [{"name": "job", "value": "batch", "isRegex": False, "isEqual": True}],
        "startsAt": now.isoformat(),
        "endsAt": (now + timedelta(hours=1)).isoformat(),
        "createdBy": "ann",
        "comment": "nightly",
    }
    return body | changes


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"matchers": []}, "matchers: List should have at least 1 item"),
        ({"matchers": [{"name": "a", "value": "(", "isRegex": True}]}, "matchers.0: invalid regular expression"),
        ({"matchers": [{"name": "a", "value": "", "isRegex": False}]}, "matchers: Value error, at least one matcher"),
        ({"endsAt": "2020-01-01T00:00:00Z"}, "endsAt: must be after starts_at"),
        ({"endsAt": (datetime.now(UTC) + timedelta(days=400)).isoformat()}, "endsAt: a silence lasts"),
        ({"comment": "x" * 1001}, "comment: String should have at most 1000 characters"),
        ({"createdBy": None}, "createdBy: Input should be a valid string"),
    ],
)
async def test_a_bad_silence_is_a_400_naming_the_field(stack: Stack, changes: dict[str, Any], words: str) -> None:
    answer = await stack.http.post("/api/v2/silences", json=silence(**changes), headers=stack.responder)
    assert answer.status_code == 400, answer.text
    assert answer.json().startswith(words), answer.text


async def test_ids_are_the_tenants_own_and_viewers_only_read(stack: Stack) -> None:
    made = await stack.http.post("/api/v2/silences", json=silence(), headers=stack.responder)
    assert made.status_code == 200, made.text
    silence_id = made.json()["silenceID"]
    read = await stack.http.get(f"/api/v2/silence/{silence_id}", headers=stack.viewer)
    assert read.status_code == 200 and read.json()["status"]["state"] == "active", read.text
    same_in_v1 = await stack.http.get(f"/api/v1/silences/{silence_id}", headers=stack.viewer)
    assert same_in_v1.json()["matchers"] == ['job="batch"']
    assert (await stack.http.post("/api/v2/silences", json=silence(), headers=stack.viewer)).status_code == 403
    assert (await stack.http.delete(f"/api/v2/silence/{silence_id}", headers=stack.viewer)).status_code == 403
    unknown = "00000000-0000-4000-8000-000000000000"
    assert (await stack.http.get(f"/api/v2/silence/{unknown}", headers=stack.viewer)).status_code == 404
    assert (await stack.http.delete(f"/api/v2/silence/{unknown}", headers=stack.responder)).status_code == 404
    replaced = await stack.http.post("/api/v2/silences", json=silence(id=unknown), headers=stack.responder)
    assert replaced.status_code == 404, replaced.text
    for _ in range(2):  # expiring twice is fine
        assert (await stack.http.delete(f"/api/v2/silence/{silence_id}", headers=stack.responder)).status_code == 200
    gone = await stack.http.get(f"/api/v2/silence/{silence_id}", headers=stack.viewer)
    assert gone.json()["status"]["state"] == "expired"
