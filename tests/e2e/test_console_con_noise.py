"""The console's Silences and Maintenance sections and the alert list's label filter and bulk snooze and silence, in
Debian's Chromium against a real stack (tests/e2e/conftest.py): a silence made from an alert's page mutes the next
matching alert's page and is expired from the list; bulk snooze says what it skipped; "silence these" prefills
the labels the selection shares; a label filter survives a reload; maintenance windows are made and ended.

Screenshots (console-silences*.png, console-silence-new*.png, console-maintenance*.png) land in a temporary
directory; with HERALD_SCREENSHOTS=docs/images they refresh the guide's.
"""

from __future__ import annotations

import re
import uuid

from playwright.async_api import Browser, Page, expect

from models.api_keys import Role
from tests.e2e.console_support import IMAGES, PHONE, Console, serious_violations, signed_in
from tests.support.alerts import eventually
from tests.support.receiver import WebhookReceiver


async def no_sideways_scroll(page: Page) -> None:
    assert await page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]


async def test_silence_from_an_alert_page_mutes_the_next_page_then_expires(
    browser: Browser, console: Console, receiver: WebhookReceiver
) -> None:
    admin = {"Authorization": f"Bearer {console.keys[Role.ADMIN]}"}
    channel = await console.http.post(
        "/api/v1/channels",
        headers=admin,
        json={"name": "chat", "type": "discord", "config": {"webhook_url": receiver.url}, "is_default": True},
    )
    assert channel.status_code == 201, channel.text
    limited = await console.http.patch("/api/v1/tenant", headers=admin, json={"max_silence_duration": "1d"})
    assert limited.status_code == 200, limited.text
    name = f"DiskFull{uuid.uuid4().hex[:6]}"
    first = await console.fire(f"{name} on db-1", labels={"alertname": name, "host": "db-1"})
    await receiver.wait_for(1)

    page = await signed_in(browser, console, Role.RESPONDER)
    await page.goto(f"{console.url}/dashboard/alerts/{first['id']}")
    await page.get_by_role("link", name="Silence alerts like this").click()
    await expect(page.get_by_role("heading", name="New silence")).to_be_visible()
    assert await page.get_by_label("Label name 1").input_value() == "alertname"
    assert await page.get_by_label("Value 2").input_value() == "db-1"
    await page.get_by_role("button", name="Remove matcher 2").click()  # every host, not only db-1
    preview = page.get_by_role("list", name="Matching alerts")
    await expect(preview.get_by_role("link", name=first["title"])).to_be_visible()
    await expect(page.get_by_text("1 open alert", exact=True)).to_be_visible()

    await page.get_by_label("Duration").select_option(label="1 week")  # longer than the tenant allows
    await page.get_by_label("Comment (required)").fill("disk swap on the db hosts")
    await page.get_by_role("button", name="Create silence").click()
    await expect(page.get_by_text(re.compile(r"Ends: a silence lasts at most 1d"))).to_be_visible()
    assert (await console.http.get("/api/v1/silences")).json() == []
    assert await serious_violations(page) == []
    await page.screenshot(path=str(IMAGES / "console-silence-new.png"), full_page=True)
    await page.get_by_label("Duration").select_option(label="2 hours")
    await page.get_by_role("button", name="Create silence").click()

    silences = page.get_by_role("list", name="Silences")
    await expect(silences.get_by_text(f'alertname="{name}"')).to_be_visible()
    await expect(silences.get_by_text("silences 1 open alert now")).to_be_visible()
    [silence] = (await console.http.get("/api/v1/silences")).json()
    assert silence["matchers"] == [f'alertname="{name}"'] and silence["state"] == "active"

    second = await console.fire(f"{name} on db-2", labels={"alertname": name, "host": "db-2"})
    detail = await eventually(
        lambda: console.http.get(f"/api/v1/alerts/{second['id']}"),
        lambda r: any(e["kind"] == "notification_silenced" for e in r.json()["timeline"]),
    )
    assert (
        silence["id"] in next(e for e in detail.json()["timeline"] if e["kind"] == "notification_silenced")["message"]
    )
    assert len(receiver.received) == 1  # the second alert paged nobody
    await page.goto(f"{console.url}/dashboard/alerts/{second['id']}")
    await expect(page.get_by_text(re.compile(f"silenced by {silence['id']}"))).to_be_visible()

    await page.goto(f"{console.url}/dashboard/silences")
    await silences.get_by_role("button", name=f'Expire silence alertname="{name}"').click()
    await expect(page.get_by_text("No active or pending silences.")).to_be_visible()
    assert (await console.http.get(f"/api/v1/silences/{silence['id']}")).json()["state"] == "expired"
    await page.get_by_role("button", name="expired").click()
    await expect(silences.get_by_role("link", name="Recreate")).to_be_visible()


async def test_bulk_snooze_and_silence_from_a_label_filter_kept_in_the_url(browser: Browser, console: Console) -> None:
    tag = uuid.uuid4().hex[:6]
    team = f"team{tag}"
    titles = [f"Queue {n} stuck {tag}" for n in range(2)]
    await console.post_events(
        [{"title": t, "labels": {"alertname": t, "team": team, "env": "prod"}} for t in titles]
        + [{"title": f"Other {tag}", "labels": {"alertname": f"Other {tag}", "team": "other"}}]
    )
    alerts = [await console.alert_titled(t) for t in titles]
    await console.alert_titled(f"Other {tag}")
    acked = await console.http.post(
        "/api/v1/alerts/bulk_action", json={"action": "acknowledge", "alert_ids": [alerts[0]["id"]]}
    )
    assert acked.json()["succeeded"] == 1

    page = await signed_in(browser, console, Role.RESPONDER)
    rows = page.get_by_role("list", name="Alerts").get_by_role("listitem")
    await expect(rows).to_have_count(3)
    await page.get_by_text("Labels, source, time").click()
    matcher = page.get_by_role("textbox", name="Label matcher")
    await matcher.fill(f"team={team}")
    await matcher.press("Enter")
    await expect(rows).to_have_count(2)
    assert "matcher=team%3D" in page.url
    await page.reload()  # the filter is in the URL
    await expect(rows).to_have_count(2)
    await expect(page.get_by_role("list", name="Label matchers").get_by_text(f"team={team}")).to_be_visible()

    await page.get_by_label("Select all shown").check()
    await page.get_by_label("Snooze selected for").select_option(label="4 hours")
    await page.get_by_role("button", name="Snooze 2").click()
    outcome = page.get_by_text(re.compile("1 snoozed; 1 skipped"))
    await expect(outcome).to_be_visible()
    await expect(outcome).to_contain_text(f"{titles[1]}: only an acknowledged alert can be snoozed")
    assert await serious_violations(page) == []
    await page.screenshot(path=str(IMAGES / "console-alerts-bulk.png"), full_page=True)
    snoozed = (await console.http.get(f"/api/v1/alerts/{alerts[0]['id']}")).json()
    assert snoozed["snoozed_until"] is not None
    assert (await console.http.get(f"/api/v1/alerts/{alerts[1]['id']}")).json()["snoozed_until"] is None

    await page.get_by_label("Select all shown").check()
    await page.get_by_role("button", name="Silence these").click()
    await expect(page.get_by_role("heading", name="New silence")).to_be_visible()
    assert [await page.get_by_label(f"Label name {n}").input_value() for n in (1, 2)] == ["env", "team"]
    await expect(page.get_by_text("2 open alerts", exact=True)).to_be_visible()
    for title in titles:
        await expect(page.get_by_role("list", name="Matching alerts").get_by_role("link", name=title)).to_be_visible()
    await page.get_by_label("Comment (required)").fill("queue consumer redeploy")
    await page.get_by_role("button", name="Create silence").click()
    silences = page.get_by_role("list", name="Silences")
    await expect(silences.get_by_text("silences 2 open alerts now")).to_be_visible()
    [silence] = (await console.http.get("/api/v1/silences")).json()
    assert sorted(silence["matchers"]) == ['env="prod"', f'team="{team}"']
    assert silence["comment"] == "queue consumer redeploy" and silence["created_by"] == "api-key:responder-key"

    assert await serious_violations(page) == []
    await page.screenshot(path=str(IMAGES / "console-silences.png"), full_page=True)
    await page.emulate_media(color_scheme="dark")
    assert await serious_violations(page) == []
    await page.screenshot(path=str(IMAGES / "console-silences-dark.png"), full_page=True)
    await silences.get_by_role("link", name=re.compile("^Edit silence")).click()  # an active one is replaced
    await expect(page.get_by_role("heading", name="Edit silence")).to_be_visible()
    await page.get_by_label("Comment (required)").fill("queue consumer redeploy, take two")
    await page.get_by_role("button", name="Save silence").click()
    await expect(silences.get_by_text("queue consumer redeploy, take two")).to_be_visible()
    states = {s["id"]: s["state"] for s in (await console.http.get("/api/v1/silences")).json()}
    assert states.pop(silence["id"]) == "expired" and list(states.values()) == ["active"]

    phone = await signed_in(browser, console, Role.RESPONDER, viewport=PHONE, color_scheme="dark")
    await phone.goto(f"{console.url}/dashboard/silences")
    await expect(phone.get_by_text("silences 2 open alerts now")).to_be_visible()
    await no_sideways_scroll(phone)
    await phone.screenshot(path=str(IMAGES / "console-silences-phone.png"), full_page=True)
    await phone.get_by_role("link", name="New silence").click()
    await expect(phone.get_by_role("heading", name="New silence")).to_be_visible()
    await no_sideways_scroll(phone)
    assert await serious_violations(phone) == []
    await phone.goto(f"{console.url}/dashboard/alerts?matcher=team%3D{team}")
    await expect(phone.get_by_role("list", name="Alerts").get_by_role("listitem")).to_have_count(2)
    await no_sideways_scroll(phone)
    assert await serious_violations(phone) == []
    await phone.screenshot(path=str(IMAGES / "console-alerts-filters-phone.png"), full_page=True)


async def test_maintenance_window_created_listed_and_ended(browser: Browser, console: Console) -> None:
    page = await signed_in(browser, console, Role.RESPONDER)
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Maintenance").click()
    await expect(page.get_by_text("No active or pending maintenance windows.")).to_be_visible()
    await page.get_by_role("button", name="New window").click()
    await page.get_by_role("button", name="Add matcher").click()
    await page.get_by_label("Label name 1").fill("env")
    await page.get_by_label("Operator 1").select_option("=~")
    await page.get_by_label("Value 1").fill("staging|qa")
    await page.get_by_label("Duration").select_option(label="4 hours")
    await page.get_by_label("Reason (required)").fill("database migration")
    assert await serious_violations(page) == []
    await page.get_by_role("button", name="Create window").click()

    windows = page.get_by_role("list", name="Maintenance windows")
    await expect(windows.get_by_text("database migration")).to_be_visible()
    await expect(windows.get_by_text('env=~"staging|qa"')).to_be_visible()
    [window] = (await console.http.get("/api/v1/maintenance-windows")).json()
    assert window["state"] == "active" and window["matchers"] == ['env=~"staging|qa"']
    assert await serious_violations(page) == []
    await page.screenshot(path=str(IMAGES / "console-maintenance.png"), full_page=True)
    await page.emulate_media(color_scheme="dark")
    assert await serious_violations(page) == []
    await page.screenshot(path=str(IMAGES / "console-maintenance-dark.png"), full_page=True)

    phone = await signed_in(browser, console, Role.VIEWER, viewport=PHONE)
    await phone.goto(f"{console.url}/dashboard/maintenance")
    await expect(phone.get_by_text("database migration")).to_be_visible()
    assert await phone.get_by_role("button", name=re.compile("End")).count() == 0  # a viewer only reads
    assert await phone.get_by_role("button", name="New window").count() == 0
    await no_sideways_scroll(phone)
    await phone.screenshot(path=str(IMAGES / "console-maintenance-phone.png"), full_page=True)

    await windows.get_by_role("button", name="End now: database migration").click()
    await expect(page.get_by_text("No active or pending maintenance windows.")).to_be_visible()
    assert (await console.http.get(f"/api/v1/maintenance-windows/{window['id']}")).json()["state"] == "expired"
