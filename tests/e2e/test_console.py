"""The web console's main flows in Debian's Chromium against a real stack (tests/e2e/conftest.py): sign in, the
live list, acknowledge, bulk resolve, a viewer's view, a notification's link at phone width.

Screenshots (console-*.png) land in a temporary directory; with HERALD_SCREENSHOTS=docs/images they
refresh the README's and the guide's (a plain test run never changes tracked files).
"""

from __future__ import annotations

import json
import time
import uuid

from playwright.async_api import Browser, expect

from models.api_keys import Role
from tests.e2e.console_support import IMAGES, PHONE, Console, serious_violations, signed_in
from tests.support.receiver import WebhookReceiver


async def test_sign_in_then_an_event_appears_on_the_open_list_within_2_s(browser: Browser, console: Console) -> None:
    page = await (await browser.new_context()).new_page()
    await page.goto(console.url + "/")
    assert await serious_violations(page) == []
    cookies_before = await page.context.cookies()
    await page.get_by_label("API key").fill(console.keys[Role.RESPONDER])
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Alerts")).to_be_visible()
    assert page.url == console.url + "/dashboard/alerts"
    [cookie] = [c for c in await page.context.cookies() if c not in cookies_before]
    assert cookie["name"] == "herald_session" and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert console.keys[Role.RESPONDER] not in json.dumps(
        await page.evaluate("() => [localStorage, sessionStorage, location.href].map(String)")
    )
    await expect(page.get_by_text("● live")).to_be_visible()

    title = f"Disk full {uuid.uuid4().hex[:6]}"
    posted = time.monotonic()
    await console.post_events([{"title": title, "severity": "critical", "labels": {"host": "db-1"}}])
    await expect(page.get_by_role("link", name=title)).to_be_visible(timeout=2000)
    print(f"event to row on the open list: {time.monotonic() - posted:.2f} s")
    await console.fire(f"Latency high {uuid.uuid4().hex[:6]}", severity="medium", labels={"svc": "api"})
    await expect(page.get_by_role("list", name="Alerts").get_by_role("listitem")).to_have_count(2)
    await expect(page).to_have_title("(2) Alerts · Herald")  # the triggered count, on the browser tab
    assert await serious_violations(page) == []
    await page.screenshot(path=str(IMAGES / "console-alerts.png"), full_page=True)
    await page.emulate_media(color_scheme="dark")  # the theme follows the OS
    assert await page.evaluate("() => getComputedStyle(document.body).backgroundColor") != "rgb(255, 255, 255)"
    assert await serious_violations(page) == []
    await page.screenshot(path=str(IMAGES / "console-alerts-dark.png"), full_page=True)


async def test_acknowledge_from_the_alert_page(browser: Browser, console: Console) -> None:
    alert = await console.fire(f"Queue stuck {uuid.uuid4().hex[:6]}", severity="high")
    page = await signed_in(browser, console, Role.RESPONDER)
    await page.goto(f"{console.url}/dashboard/alerts/{alert['id']}")
    await expect(page.get_by_role("heading", name=alert["title"])).to_be_visible()
    await page.get_by_role("button", name="Acknowledge").click()
    await expect(page.get_by_text("acknowledged", exact=True).first).to_be_visible()
    await expect(page.get_by_text("api-key:responder-key").first).to_be_visible()  # the timeline says who
    assert (await console.http.get(f"/api/v1/alerts/{alert['id']}")).json()["status"] == "acknowledged"
    await page.get_by_label("Note").fill("looking at the consumer")
    await page.get_by_role("button", name="Add note").click()
    await expect(page.get_by_text("looking at the consumer")).to_be_visible()
    assert await serious_violations(page) == []
    await page.screenshot(path=str(IMAGES / "console-alert.png"), full_page=True)


async def test_bulk_resolve_three(browser: Browser, console: Console) -> None:
    tag = uuid.uuid4().hex[:6]
    titles = [f"Node {n} down {tag}" for n in range(3)]
    await console.post_events([{"title": t, "labels": {"alertname": t}} for t in titles])
    for title in titles:
        await console.alert_titled(title)
    page = await signed_in(browser, console, Role.RESPONDER)
    for title in titles[:2]:
        await page.get_by_role("checkbox", name=f"Select {title}").check()
    await page.keyboard.press("?")  # the keyboard: help, then select the third from its row
    await expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    await page.keyboard.press("Escape")
    await expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_have_count(0)
    await page.get_by_role("link", name=titles[2]).focus()
    await page.keyboard.press("x")
    await expect(page.get_by_role("checkbox", name=f"Select {titles[2]}")).to_be_checked()
    await page.get_by_role("button", name="Resolve 3").click()
    for title in titles:  # a resolved row leaves the open list once it has been refetched
        await expect(page.get_by_role("link", name=title)).to_have_count(0, timeout=15000)
    for title in titles:
        assert (await console.alert_titled(title))["status"] == "resolved"


async def test_a_viewer_sees_no_action_buttons(browser: Browser, console: Console) -> None:
    alert = await console.fire(f"Cert expiring {uuid.uuid4().hex[:6]}")
    page = await signed_in(browser, console, Role.VIEWER)
    await expect(page.get_by_role("link", name=alert["title"])).to_be_visible()
    assert await page.get_by_role("checkbox").count() == 0
    assert await page.get_by_role("button", name="Resolve", exact=True).count() == 0
    assert await page.get_by_role("button", name="Acknowledge", exact=True).count() == 0
    await page.goto(f"{console.url}/dashboard/alerts/{alert['id']}")
    await expect(page.get_by_role("heading", name=alert["title"])).to_be_visible()
    for action in ("Acknowledge", "Resolve", "Escalate now", "Snooze", "Add note"):
        assert await page.get_by_role("button", name=action, exact=True).count() == 0, action

    await page.get_by_role("button", name="Sign out").click()  # ends the session, not just the page
    await expect(page.get_by_label("API key")).to_be_visible()
    await page.reload()
    await expect(page.get_by_label("API key")).to_be_visible()
    assert [c for c in await page.context.cookies() if c["name"] == "herald_session"] == []


async def test_a_notifications_link_opens_its_alert_page_at_phone_width(
    browser: Browser, console: Console, receiver: WebhookReceiver
) -> None:
    admin = {"Authorization": f"Bearer {console.keys[Role.ADMIN]}"}
    created = await console.http.post(
        "/api/v1/channels",
        headers=admin,
        json={"name": "chat", "type": "discord", "config": {"webhook_url": receiver.url}, "is_default": True},
    )
    assert created.status_code == 201, created.text
    alert = await console.fire(f"Payments failing {uuid.uuid4().hex[:6]}", severity="critical")
    [sent] = await receiver.wait_for(1)
    link = sent.json["embeds"][0]["url"]
    assert link == f"{console.url}/dashboard/alerts/{alert['id']}"

    page = await (await browser.new_context(viewport=PHONE)).new_page()
    await page.goto(link)  # signed out: the sign-in form, then the very page the link named
    await page.get_by_label("API key").fill(console.keys[Role.RESPONDER])
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name=alert["title"])).to_be_visible()
    assert page.url == link
    acknowledge = page.get_by_role("button", name="Acknowledge")
    await expect(acknowledge).to_be_in_viewport()  # no scrolling needed at 4 a.m.
    assert await page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    assert await serious_violations(page) == []
    await page.screenshot(path=str(IMAGES / "console-phone.png"))
    await acknowledge.click()
    await expect(page.get_by_text("acknowledged", exact=True).first).to_be_visible()

    await page.goto(console.url + "/dashboard/alerts")
    await expect(page.get_by_role("link", name=alert["title"])).to_be_visible()
    assert await page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    assert await serious_violations(page) == []
