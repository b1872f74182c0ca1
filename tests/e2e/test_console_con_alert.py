"""The alert page's escalation view and the Statistics section in Debian's Chromium against a real stack
(tests/e2e/conftest.py): deliveries and the ladder of an alert paged through a real webhook receiver with a
two-level policy, escalate now, reassign, the runbook link (and a `javascript:` one that stays text); the
statistics charts, read through their text alternatives (tables), for alerts the test created.

Screenshots (console-alert-escalation*.png, console-statistics*.png) land in a temporary directory; with
HERALD_SCREENSHOTS=docs/images they refresh the guide's.
"""

from __future__ import annotations

import uuid
from typing import Any

from playwright.async_api import Browser, Locator, Page, expect

from models.api_keys import Role
from tests.e2e.console_support import IMAGES, PHONE, Console, serious_violations, signed_in
from tests.support.alerts import eventually
from tests.support.receiver import WebhookReceiver


async def admin_post(console: Console, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = await console.http.post(path, json=body, headers={"Authorization": f"Bearer {console.keys[Role.ADMIN]}"})
    assert answer.status_code in (200, 201), answer.text
    return answer.json()  # type: ignore[no-any-return]


async def person(console: Console, name: str, hook: str) -> str:
    body = {
        "name": name,
        "email": f"{name}@example.com",
        "contact_methods": [{"type": "webhook", "address": f"{hook}/{name}"}],
    }
    return str((await admin_post(console, "/api/v1/users", body))["id"])


async def table_rows(region: Locator) -> list[dict[str, str]]:
    """The first table of a figure's text alternative, as dicts (header → cell text)."""
    return await region.locator("table").first.evaluate(  # type: ignore[no-any-return]
        """t => {
            const heads = [...t.querySelectorAll('thead th')].map(th => th.textContent.trim());
            return [...t.querySelectorAll('tbody tr')].map(tr =>
                Object.fromEntries([...tr.querySelectorAll('td')].map((td, i) => [heads[i], td.textContent.trim()])));
        }"""
    )


async def open_table(page: Page, title: str) -> Locator:
    await page.get_by_text(f"Table: {title}", exact=True).click()
    region = page.get_by_role("region", name=f"{title} (table)")
    await expect(region).to_be_visible()
    return region


async def test_deliveries_ladder_escalate_and_reassign_on_the_alert_page(
    browser: Browser, console: Console, receiver: WebhookReceiver
) -> None:
    ann = await person(console, "ann", receiver.url)
    ben = await person(console, "ben", receiver.url)
    await person(console, "cat", receiver.url)
    gone = await person(console, "dan", receiver.url)
    levels = [
        {"targets": [{"type": "user", "id": ann}], "delay_minutes": 30},
        {"targets": [{"type": "user", "id": ben}], "delay_minutes": 30},
    ]
    policy = await admin_post(console, "/api/v1/escalation-policies", {"name": "Payments", "levels": levels})
    routing = await console.http.put(
        "/api/v1/escalation-policies/routing",
        headers={"Authorization": f"Bearer {console.keys[Role.ADMIN]}"},
        json={"default_policy_id": policy["id"], "routes": []},
    )
    assert routing.status_code == 200, routing.text
    alert = await console.fire(
        f"Checkout errors {uuid.uuid4().hex[:6]}",
        severity="critical",
        annotations={"runbook_url": "https://wiki.example.com/checkout", "generator_url": "javascript:alert(1)"},
    )
    await receiver.wait_for(1)
    assert receiver.pages() == [("ann", "triggered")]

    page = await signed_in(browser, console, Role.RESPONDER)
    await page.goto(f"{console.url}/dashboard/alerts/{alert['id']}")
    await expect(page.get_by_role("heading", name=alert["title"])).to_be_visible()
    await expect(page.get_by_role("link", name="Runbook")).to_have_attribute(
        "href", "https://wiki.example.com/checkout"
    )
    assert await page.locator('a[href^="javascript:"]').count() == 0  # the generator_url stays text

    ladder = page.get_by_role("list", name="Escalation ladder")
    rungs = ladder.get_by_role("listitem")
    await expect(rungs).to_have_count(2)
    await expect(rungs.nth(0)).to_contain_text("Level 1 · level now")
    await expect(rungs.nth(0)).to_contain_text("Pages ann")  # the target, named
    await expect(rungs.nth(0)).to_contain_text("ann (user)")  # whom it paged
    await expect(rungs.nth(1)).to_contain_text("Level 2 · next")
    await expect(rungs.nth(1)).to_contain_text("unless acknowledged")  # the next escalation and when
    await expect(page.get_by_text("Next escalation: level 2 at")).to_be_visible()
    deliveries = page.get_by_role("list", name="Deliveries", exact=True)
    to_ann = deliveries.get_by_role("listitem").filter(has_text="To ann by webhook")
    await expect(to_ann).to_contain_text("1 message, 1 attempt: 1 delivered, 0 failed")
    await expect(to_ann).to_contain_text("provider: HTTP 200")
    assert await serious_violations(page) == []

    await page.get_by_role("button", name="Escalate now").click()
    await expect(rungs.nth(1)).to_contain_text("Level 2 · level now")
    await expect(rungs.nth(1)).to_contain_text("ben (user)")
    await receiver.wait_for(2)
    assert receiver.pages()[-1] == ("ben", "escalated")
    to_ben = deliveries.get_by_role("listitem").filter(has_text="To ben by webhook")
    await expect(to_ben).to_contain_text("escalated", timeout=15000)  # re-read while the alert is open
    await page.screenshot(path=str(IMAGES / "console-alert-escalation.png"), full_page=True)

    reassign = page.get_by_role("form", name="Reassign")
    await reassign.get_by_label("an escalation policy").check()
    await expect(reassign.get_by_label("Escalation policy", exact=True)).to_contain_text("Payments")
    await reassign.get_by_label("a person").check()
    choose = reassign.get_by_label("Person", exact=True)
    await choose.select_option(label="dan")
    deleted = await console.http.delete(
        f"/api/v1/users/{gone}", headers={"Authorization": f"Bearer {console.keys[Role.ADMIN]}"}
    )
    assert deleted.status_code == 204, deleted.text
    await reassign.get_by_role("button", name="Reassign").click()  # dan is gone since the list was read
    await expect(reassign.get_by_role("alert")).to_contain_text("user_id")  # the API's 422 names the field
    await expect(choose).to_have_attribute("aria-invalid", "true")
    await choose.select_option(label="cat")
    await expect(choose).not_to_have_attribute("aria-invalid", "true")  # a new choice clears the mark
    await reassign.get_by_role("button", name="Reassign").click()
    await expect(reassign.get_by_role("status")).to_contain_text("Reassigned")
    await receiver.wait_for(3)
    assert receiver.pages()[-1] == ("cat", "triggered")
    after = (await console.http.get(f"/api/v1/alerts/{alert['id']}")).json()
    assert after["escalation"]["pages"][-1]["users"][0]["name"] == "cat"
    await expect(rungs).to_have_count(1)  # a person's one-level policy
    await expect(rungs.nth(0)).to_contain_text("cat (user)")
    await expect(page.get_by_text("reassigned", exact=False).first).to_be_visible()  # on the timeline

    dark = await signed_in(browser, console, Role.VIEWER, color_scheme="dark", viewport=PHONE)
    await dark.goto(f"{console.url}/dashboard/alerts/{alert['id']}")
    await expect(dark.get_by_role("list", name="Deliveries", exact=True)).to_be_visible()  # a viewer reads it all...
    assert await dark.get_by_role("form", name="Reassign").count() == 0  # ...but cannot reassign
    await expect(dark.get_by_role("list", name="Escalation ladder")).to_be_visible()
    assert await dark.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    assert await serious_violations(dark) == []
    await dark.screenshot(path=str(IMAGES / "console-alert-escalation-phone-dark.png"), full_page=True)


async def test_statistics_charts_show_the_alerts_the_test_created(
    browser: Browser, console: Console, receiver: WebhookReceiver
) -> None:
    await admin_post(
        console,
        "/api/v1/channels",
        {"name": "ops-hook", "type": "webhook", "config": {"url": receiver.url}, "is_default": True},
    )
    tag = uuid.uuid4().hex[:6]
    await console.post_events(
        [
            {"title": f"DB down {tag}", "severity": "critical", "labels": {"alertname": "db"}},
            {"title": f"API 5xx {tag}", "severity": "critical", "labels": {"alertname": "api"}},
            {"title": f"Disk 80% {tag}", "severity": "low", "labels": {"alertname": "disk"}},
        ]
    )
    db = await console.alert_titled(f"DB down {tag}")
    await console.alert_titled(f"Disk 80% {tag}")
    acked = await console.http.post(f"/api/v1/alerts/{db['id']}/acknowledge")
    assert acked.status_code == 200, acked.text
    sent = 4  # the default channel is told of the three triggers and of the acknowledgement
    await receiver.wait_for(sent)
    await eventually(
        lambda: console.http.get("/api/v1/notifications", params={"limit": 500}),
        lambda r: len(r.json()["items"]) == sent and all(n["status"] == "delivered" for n in r.json()["items"]),
    )

    page = await signed_in(browser, console, Role.VIEWER)
    await page.goto(f"{console.url}/dashboard/statistics?range=24h&bucket=day&group=severity")
    await expect(page.get_by_role("heading", name="Statistics")).to_be_visible()
    totals = page.get_by_role("definition")
    await expect(totals.first).to_have_text("3")  # Alerts
    await expect(page.locator(".recharts-surface").first).to_be_visible()  # charts are drawn, not just tables

    counts = await table_rows(await open_table(page, "Alerts per day by severity"))
    assert sum(int(r["critical"]) for r in counts) == 2
    assert sum(int(r["low"]) for r in counts) == 1
    assert sum(int(r["total"]) for r in counts) == 3
    mtta = await table_rows(await open_table(page, "Time to acknowledge (MTTA)"))
    assert sum(int(r["alerts"]) for r in mtta) == 1  # one alert acknowledged
    noisy = await open_table(page, "Noisiest alerts")
    await expect(noisy.get_by_role("link", name=f"DB down {tag}")).to_be_visible()
    [hook] = await table_rows(await open_table(page, "Delivery success and latency per channel"))
    assert hook["channel"] == "ops-hook (webhook)"
    assert (hook["sent"], hook["delivered"], hook["failed"], hook["success"]) == (str(sent), str(sent), "0", "100%")
    assert hook["latency p50"].endswith(" ms")

    await page.get_by_label("Group by", exact=True).select_option("")
    await expect(page.get_by_text("Table: Alerts per day", exact=True)).to_be_visible()
    await page.get_by_label("Range", exact=True).select_option("custom")
    await page.get_by_label("From", exact=True).fill("2026-01-02T00:00")
    await page.get_by_label("To", exact=True).fill("2026-01-01T00:00")
    await expect(page.get_by_role("alert")).to_contain_text("from")  # the API's 422 names the field
    await expect(page.get_by_label("From", exact=True)).to_have_attribute("aria-invalid", "true")
    await page.get_by_label("Range", exact=True).select_option("24h")
    await expect(page.get_by_text("Table: Alerts per hour", exact=True)).to_be_visible()
    assert await serious_violations(page) == []
    await page.screenshot(path=str(IMAGES / "console-statistics.png"), full_page=True)

    dark = await signed_in(browser, console, Role.VIEWER, color_scheme="dark", viewport=PHONE)
    await dark.goto(f"{console.url}/dashboard/statistics?range=7d&bucket=day&group=severity")
    await expect(dark.locator(".recharts-surface").first).to_be_visible()
    assert await dark.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    assert await serious_violations(dark) == []
    await dark.screenshot(path=str(IMAGES / "console-statistics-phone-dark.png"), full_page=True)
