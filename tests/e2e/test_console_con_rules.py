"""The console's Rules, On call and Heartbeats sections in Debian's Chromium against a real stack
(tests/e2e/conftest.py): a rule created with its live dry-run preview (pushed metrics, Herald's own store),
evaluated and paused; an override that changes who is on call now; "my shifts"; heartbeats; a viewer's view.

Screenshots (console-*.png) land in a temporary directory; with HERALD_SCREENSHOTS=docs/images they
refresh the guide's (a plain test run never changes tracked files).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from playwright.async_api import Browser, Page, expect

from models.api_keys import Role
from tests.e2e.console_support import IMAGES, PHONE, Console, serious_violations, signed_in


def _admin(console: Console) -> dict[str, str]:
    return {"Authorization": f"Bearer {console.keys[Role.ADMIN]}"}


async def _post(console: Console, path: str, body: dict[str, Any], admin: bool = True) -> dict[str, Any]:
    answer = await console.http.post(path, json=body, headers=_admin(console) if admin else None)
    assert answer.status_code in (200, 201, 202), answer.text
    result: dict[str, Any] = answer.json()
    return result


async def _no_page_scroll(page: Page) -> None:
    assert await page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]


async def _shots(page: Page, name: str) -> None:
    """Desktop light (already open), then dark, then phone dark and light: each checked by axe-core."""
    assert await serious_violations(page) == []
    await page.screenshot(path=str(IMAGES / f"console-{name}.png"), full_page=True)
    await page.emulate_media(color_scheme="dark")
    assert await serious_violations(page) == []
    await page.screenshot(path=str(IMAGES / f"console-{name}-dark.png"), full_page=True)
    await page.set_viewport_size(PHONE)
    await _no_page_scroll(page)
    await page.screenshot(path=str(IMAGES / f"console-{name}-phone-dark.png"), full_page=True)
    await page.emulate_media(color_scheme="light")
    assert await serious_violations(page) == []
    await page.screenshot(path=str(IMAGES / f"console-{name}-phone.png"), full_page=True)
    await page.set_viewport_size({"width": 1280, "height": 900})


async def test_create_a_rule_with_its_live_preview_then_evaluate_and_pause(browser: Browser, console: Console) -> None:
    await _post(
        console,
        "/api/v1/metrics",
        {
            "samples": [
                {"name": "cpu_usage_percent", "labels": {"host": "db-1"}, "value": 97.5},
                {"name": "cpu_usage_percent", "labels": {"host": "db-2"}, "value": 12},
            ]
        },
        admin=False,  # a responder pushes
    )
    page = await signed_in(browser, console, Role.ADMIN, viewport={"width": 1280, "height": 900})
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Rules").click()
    await expect(page.get_by_text("No rules yet.")).to_be_visible()
    await page.get_by_role("link", name="New rule").click()
    await expect(page.get_by_role("heading", name="New rule")).to_be_visible()

    await page.get_by_label("Name", exact=True).fill("CPU high")
    await page.get_by_label("Threshold", exact=True).fill("90")
    await page.get_by_label("Query", exact=True).fill("cpu_usage_percent{host=")  # not a selector: the dry run's 422
    query = page.get_by_label("Query", exact=True)
    await expect(query).to_have_attribute("aria-invalid", "true")
    await expect(page.get_by_text("The draft cannot run")).to_be_visible()
    await query.fill("cpu_usage_percent")
    await page.get_by_label("Summary (alert title)").fill("CPU {{ value }}% on {{ labels.host }}")
    preview = page.get_by_role("list", name="Preview instances")
    await expect(preview.get_by_role("listitem")).to_have_count(2)
    await expect(query).to_have_attribute("aria-invalid", "false")
    hot = preview.get_by_role("listitem").filter(has_text="host=db-1")
    await expect(hot).to_contain_text("97.5")
    await expect(hot).to_contain_text("would be firing")
    await expect(hot).to_contain_text("CPU 97.5% on db-1")
    await expect(preview.get_by_role("listitem").filter(has_text="host=db-2")).to_contain_text("would be inactive")
    await page.get_by_label("Threshold", exact=True).fill("ninety")  # the person's own slip, named at its field
    await expect(page.get_by_text("a number is needed")).to_be_visible()
    await page.get_by_label("Threshold", exact=True).fill("99")
    await expect(hot).to_contain_text("would be inactive")
    await page.get_by_label("Threshold", exact=True).fill("90")
    await expect(hot).to_contain_text("would be firing")
    await _shots(page, "rule-form")

    await page.get_by_role("button", name="Create rule").click()
    await expect(page.get_by_role("heading", name="Rules", exact=True)).to_be_visible()
    rule = (
        page.get_by_role("list", name="Rules")
        .get_by_role("listitem")
        .filter(has=page.get_by_role("heading", name="CPU high"))
    )
    await expect(rule).to_contain_text("not evaluated yet")
    await rule.get_by_role("button", name="Evaluate now CPU high").click()
    await expect(rule.get_by_role("status")).to_contain_text("Evaluated 1: 1 firing")
    await expect(rule).to_contain_text("firing")
    await expect(rule).to_contain_text("health ok")
    await rule.get_by_text("Instances", exact=True).click()
    instances = page.get_by_role("list", name="Instances of CPU high").get_by_role("listitem")
    await expect(instances).to_have_count(1)  # the rule keeps its active instances
    await expect(instances).to_contain_text("host=db-1")
    alert = await console.alert_titled("CPU 97.5% on db-1")  # the evaluation raised it
    assert alert["status"] == "triggered"

    await rule.get_by_role("button", name="Pause CPU high").click()
    await expect(rule.get_by_text("paused", exact=True)).to_be_visible()
    [stored] = (await console.http.get("/api/v1/alerts/rules/")).json()
    assert stored["enabled"] is False and stored["summary"] == "CPU {{ value }}% on {{ labels.host }}"
    await rule.get_by_role("button", name="Resume CPU high").click()
    await expect(rule.get_by_role("button", name="Pause CPU high")).to_be_visible()
    await expect(rule.get_by_text("paused", exact=True)).to_have_count(0)
    await rule.get_by_role("button", name="Test CPU high").click()  # the saved rule's dry run, nothing stored
    await expect(rule.get_by_text("Test (nothing stored or sent):")).to_be_visible()
    await expect(rule.get_by_role("list", name="Preview instances").get_by_role("listitem")).to_have_count(2)
    await _shots(page, "rules")

    await rule.get_by_role("link", name="Edit CPU high").click()
    await expect(page.get_by_role("heading", name="Edit rule: CPU high")).to_be_visible()
    await expect(page.get_by_label("Summary (alert title)")).to_have_value("CPU {{ value }}% on {{ labels.host }}")
    await page.get_by_label("Threshold", exact=True).fill("99")
    edited = page.get_by_role("list", name="Preview instances").get_by_role("listitem").filter(has_text="host=db-1")
    await expect(edited).to_contain_text("would be inactive")
    await page.get_by_role("button", name="Save rule").click()
    await expect(rule).to_contain_text("cpu_usage_percent > 99")


async def test_an_override_changes_who_is_on_call_now_and_my_shifts(browser: Browser, console: Console) -> None:
    ann = await _post(console, "/api/v1/users", {"name": "Ann", "email": "ann@example.com"})
    ben = await _post(console, "/api/v1/users", {"name": "Ben", "email": "ben@example.com"})
    week_ago = (datetime.now(UTC) - timedelta(days=7)).replace(tzinfo=None, microsecond=0)
    layers = [
        {
            "name": "primary",
            "participants": [ann["id"]],
            "shift_length": 1,
            "shift_unit": "weeks",
            "start": week_ago.isoformat(),
        }
    ]
    schedule = await _post(console, "/api/v1/schedules", {"name": "Payments", "time_zone": "UTC", "layers": layers})
    keys = (await console.http.get("/api/v1/api-keys", headers=_admin(console))).json()
    [admin_key] = [k for k in keys if k["name"] == "admin-key"]
    linked = await console.http.patch(
        f"/api/v1/api-keys/{admin_key['id']}", headers=_admin(console), json={"user_id": ben["id"]}
    )
    assert linked.status_code == 200, linked.text

    page = await signed_in(browser, console, Role.ADMIN, viewport={"width": 1280, "height": 900})
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="On call").click()
    await expect(page.get_by_test_id("oncall-now")).to_contain_text("On call now: Ann")
    await expect(page.get_by_text("No shifts in the next two weeks.")).to_be_visible()  # Ben's, the key's person
    await page.get_by_role("link", name="Payments").click()
    await expect(page.get_by_role("heading", name="Payments")).to_be_visible()
    final = page.get_by_role("list", name="Timeline: Final (paged)")
    await expect(final.get_by_role("listitem").first).to_contain_text("Ann, from")

    await page.get_by_label("Who", exact=True).select_option(label="Ben")
    await page.get_by_label("To", exact=True).fill("")
    await page.get_by_role("button", name="Add override").click()
    await expect(page.get_by_label("To", exact=True)).to_have_attribute("aria-invalid", "true")  # named at its field
    later = datetime.now() + timedelta(hours=2)  # the browser's zone is the machine's, as the form's
    await page.get_by_label("To", exact=True).fill(later.strftime("%Y-%m-%dT%H:%M"))
    await page.get_by_role("button", name="Add override").click()
    await expect(page.get_by_test_id("oncall-now")).to_contain_text("On call now: Ben (override)")
    await expect(page.get_by_role("list", name="Overrides", exact=True).get_by_role("listitem")).to_have_count(1)
    await expect(page.get_by_role("list", name="Timeline: Overrides")).to_contain_text("Ben, from")
    who = (await console.http.get(f"/api/v1/schedules/{schedule['id']}/oncall")).json()
    assert who["user_id"] == ben["id"] and who["source"] == "override"
    await _shots(page, "oncall")

    await page.get_by_role("link", name="All schedules").click()
    await expect(page.get_by_test_id("oncall-now")).to_contain_text("On call now: Ben")
    await expect(page.get_by_role("list", name="My shifts").get_by_role("listitem")).to_have_count(1)
    await expect(page.get_by_role("list", name="My shifts")).to_contain_text("Payments (override)")


async def test_heartbeats_and_a_viewers_sections(browser: Browser, console: Console) -> None:
    name = f"nightly-backup-{uuid.uuid4().hex[:4]}"
    await _post(console, "/api/v1/heartbeats", {"name": name, "interval_seconds": 86_400, "grace_seconds": 3600})
    await _post(console, "/api/v1/heartbeats", {"name": "never-pinged", "interval_seconds": 600})
    await _post(console, f"/api/v1/heartbeats/{name}/ping", {}, admin=False)
    await _post(console, "/api/v1/users", {"name": "Ann", "email": "ann@example.com"})

    page = await signed_in(browser, console, Role.VIEWER, viewport={"width": 1280, "height": 900})
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Heartbeats").click()
    beats = page.get_by_role("list", name="Heartbeats").get_by_role("listitem")
    await expect(beats).to_have_count(2)
    await expect(beats.filter(has_text=name)).to_contain_text("up")
    await expect(beats.filter(has_text=name)).to_contain_text("Last ping")
    await expect(beats.filter(has_text="never-pinged")).to_contain_text("Never pinged")
    await _shots(page, "heartbeats")

    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Rules").click()
    await expect(page.get_by_text("An admin creates them.")).to_be_visible()
    assert await page.get_by_role("link", name="New rule").count() == 0
    await _post(console, "/api/v1/alerts/rules/", {"name": "Disk full", "query": "disk_used_percent", "threshold": 90})
    await page.reload()
    rule = page.get_by_role("list", name="Rules").get_by_role("listitem").first
    await expect(rule).to_contain_text("Disk full")
    await expect(rule.get_by_role("button", name="Test Disk full")).to_be_visible()  # a dry run is a read
    for action in ("Evaluate now", "Pause", "Delete"):
        assert await rule.get_by_role("button", name=f"{action} Disk full").count() == 0, action
    assert await rule.get_by_role("link", name="Edit Disk full").count() == 0
    assert await page.get_by_role("button", name="Evaluate all now").count() == 0
    await page.goto(console.url + "/dashboard/rules/new")
    await expect(page.get_by_text("Only an admin key creates and changes rules.")).to_be_visible()
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="On call").click()
    await expect(page.get_by_text("This API key (api-key:viewer-key) has no person")).to_be_visible()
