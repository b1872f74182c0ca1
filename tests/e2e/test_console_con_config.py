"""The console's configuration sections in Debian's Chromium against a real stack (tests/e2e/conftest.py): a webhook
channel created and tested against a real receiver, a template's preview following the typing, an escalation policy
of two levels, a route edited (and a concurrent edit refused with a reload offered) and a routing test answered; a
viewer's read-only view.

Screenshots (console-channels.png, console-templates.png, console-policies.png, console-routing.png) land in a
temporary directory; with HERALD_SCREENSHOTS=docs/images they refresh the guide's.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from playwright.async_api import Browser, Page, expect

from models.api_keys import Role
from tests.e2e.console_support import IMAGES, PHONE, Console, serious_violations, signed_in
from tests.support.alerts import eventually
from tests.support.receiver import WebhookReceiver


def _admin(console: Console) -> dict[str, str]:
    return {"Authorization": f"Bearer {console.keys[Role.ADMIN]}"}


async def _create(console: Console, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = await console.http.post(path, headers=_admin(console), json=body)
    assert answer.status_code == 201, answer.text
    result: dict[str, Any] = answer.json()
    return result


async def _fits(page: Page) -> None:
    """No horizontal page scroll, no serious axe-core violation."""
    assert await page.evaluate("() => document.documentElement.scrollWidth") <= page.viewport_size["width"]  # type: ignore[index]
    assert await serious_violations(page) == []


async def test_a_webhook_channel_is_created_and_its_test_reaches_the_receiver(
    browser: Browser, console: Console, receiver: WebhookReceiver
) -> None:
    page = await signed_in(browser, console, Role.ADMIN)
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Channels").click()
    await expect(page.get_by_text("No channels yet")).to_be_visible()
    await page.get_by_role("link", name="New channel").click()
    await page.get_by_label("Name", exact=True).fill("ops hook")
    await page.get_by_label("URL (required)").fill("not a url")
    await page.get_by_role("button", name="Save channel").click()
    url_field = page.get_by_label("URL (required)")
    await expect(url_field).to_have_attribute("aria-invalid", "true")  # the API's 422 lands on the field
    await url_field.fill(receiver.url)
    await page.get_by_label("Headers").fill("X-Team: ops")
    await page.get_by_role("button", name="Save channel").click()
    await expect(page.get_by_role("heading", name="ops hook")).to_be_visible()
    await expect(page.get_by_text("set (hidden)").first).to_be_visible()  # the URL is write-only
    assert receiver.url not in await page.content()

    await page.get_by_role("button", name="Send test notification").click()
    await expect(page.get_by_role("status")).to_contain_text("Delivered (provider answered 200)")
    [sent] = await receiver.wait_for(1)
    assert sent.headers["x-team"] == "ops"
    assert json.loads(sent.body)["alert"]["title"] == "CPU usage above 90% on db1"  # the sample alert
    await _fits(page)
    await page.screenshot(path=str(IMAGES / "console-channels.png"), full_page=True)

    await page.get_by_role("link", name="Edit").click()  # the secret stays unless replaced
    await expect(page.get_by_role("button", name="Replace URL")).to_be_visible()
    await _fits(page)
    await page.get_by_label("Name", exact=True).fill("ops hook 2")
    await page.get_by_label("Default channel").check()
    await page.get_by_role("button", name="Save channel").click()
    await expect(page.get_by_role("heading", name="ops hook 2")).to_be_visible()
    await page.get_by_role("button", name="Send test notification").click()
    await expect(page.get_by_role("status")).to_contain_text("Delivered")
    await receiver.wait_for(2)

    # A real notification through the default channel: the list shows it as the channel's last delivery.
    alert = await console.fire(f"Disk full {uuid.uuid4().hex[:6]}")
    await receiver.wait_for(3)
    await eventually(
        lambda: console.http.get("/api/v1/notifications", params={"alert_id": alert["id"]}),
        lambda r: [d["status"] for d in r.json()["items"]] == ["delivered"],
    )
    dark = await signed_in(browser, console, Role.ADMIN, viewport=PHONE, color_scheme="dark")
    await dark.goto(console.url + "/dashboard/channels")
    await expect(dark.get_by_role("link", name="ops hook 2")).to_be_visible()
    await expect(dark.get_by_text("last: delivered")).to_be_visible()
    await dark.get_by_role("link", name="ops hook 2").click()
    await expect(dark.get_by_role("link", name="Open alert")).to_have_attribute(
        "href", f"/dashboard/alerts/{alert['id']}"
    )
    await _fits(dark)
    await dark.screenshot(path=str(IMAGES / "console-channels-phone-dark.png"), full_page=True)


async def test_a_template_preview_follows_the_typing_and_names_a_render_error(
    browser: Browser, console: Console
) -> None:
    page = await signed_in(browser, console, Role.ADMIN)
    await page.goto(console.url + "/dashboard/templates")
    await expect(page.get_by_text("No templates")).to_be_visible()
    await page.get_by_role("link", name="New template").click()
    await expect(page.get_by_test_id("preview-subject")).to_contain_text("[CRITICAL]")
    subject = page.get_by_label("Subject", exact=True)
    await subject.fill("")
    await subject.press_sequentially("Paged: {{ alert.title }} ({{ event }})")
    await expect(page.get_by_test_id("preview-subject")).to_have_text("Paged: CPU usage above 90% on db1 (triggered)")
    await page.get_by_label("Sample event").select_option("resolved")
    await expect(page.get_by_test_id("preview-subject")).to_contain_text("(resolved)")
    await subject.press_sequentially(" {{ alert.nosuch")
    await expect(page.get_by_role("alert")).to_contain_text("The template does not render")
    await subject.fill("Paged: {{ alert.title }}")
    await expect(page.get_by_role("alert")).to_have_count(0)
    await page.get_by_label("Name", exact=True).fill("terse webhook")
    await page.get_by_role("button", name="Save template").click()
    await expect(page.get_by_role("heading", name="terse webhook")).to_be_visible()
    await expect(page.get_by_text("Paged: {{ alert.title }}")).to_be_visible()
    await page.get_by_role("link", name="Edit").click()
    await expect(page.get_by_test_id("preview-subject")).to_contain_text("Paged: ")
    await _fits(page)
    await page.screenshot(path=str(IMAGES / "console-templates.png"), full_page=True)


async def test_a_policy_of_two_levels_is_created_and_shown(browser: Browser, console: Console) -> None:
    ana = await _create(console, "/api/v1/users", {"name": "Ana Ortiz", "email": "ana@example.com"})
    await _create(console, "/api/v1/users", {"name": "Bo Chen", "email": "bo@example.com"})
    page = await signed_in(browser, console, Role.ADMIN)
    await page.goto(console.url + "/dashboard/policies")
    await page.get_by_role("link", name="New policy").click()
    await page.get_by_label("Name", exact=True).fill("Payments")
    await page.get_by_label("Level 1 target 1 user").select_option(label="Ana Ortiz")
    await page.get_by_label("Level 1: wait (minutes)").fill("0")
    await page.get_by_role("button", name="Add a level").click()
    await page.get_by_label("Level 2 target 1 type").select_option("manager")
    await page.get_by_role("button", name="Save policy").click()
    # The API refuses a wait under a minute, on that level's field.
    await expect(page.get_by_label("Level 1: wait (minutes)")).to_have_attribute("aria-invalid", "true")
    await page.get_by_label("Level 1: wait (minutes)").fill("5")
    await page.get_by_label("Level 2 target 1 type").select_option("user")
    await page.get_by_label("Level 2 target 1 user").select_option(label="Bo Chen")
    await page.get_by_label("Level 2: wait (minutes)").fill("15")
    await page.get_by_label("Repeat (extra passes)").fill("1")
    await page.get_by_role("button", name="Save policy").click()
    await expect(page.get_by_role("heading", name="Payments")).to_be_visible()
    await expect(page.get_by_text("Level 1")).to_be_visible()
    await expect(page.get_by_text("Level 2")).to_be_visible()
    await expect(page.get_by_text("Ana Ortiz")).to_be_visible()
    await expect(page.get_by_text("Bo Chen")).to_be_visible()
    await expect(page.get_by_text("at 5 min")).to_be_visible()  # level 2 starts when level 1's wait ends
    policies = (await console.http.get("/api/v1/escalation-policies")).json()
    [stored] = [p for p in policies if p["name"] == "Payments"]
    assert stored["levels"][0] == {"targets": [{"type": "user", "id": ana["id"]}], "delay_minutes": 5}
    assert stored["repeat"] == 1
    await _fits(page)
    await page.screenshot(path=str(IMAGES / "console-policies.png"), full_page=True)

    # A policy the routing uses cannot be deleted: the 409 says what uses it.
    tree = await console.http.get("/api/v1/routes")
    put = await console.http.put(
        "/api/v1/routes",
        headers={**_admin(console), "If-Match": tree.headers["etag"]},
        json={"tree": {"routes": [{"matchers": ['team="pay"'], "escalation_policy_id": stored["id"]}]}},
    )
    assert put.status_code == 200, put.text
    await page.get_by_role("button", name="Delete").click()
    await page.get_by_role("button", name="Yes, delete").click()
    await expect(page.get_by_role("alert")).to_contain_text("Still used by")


async def test_a_route_is_edited_a_stale_edit_is_refused_and_the_routing_test_answers(
    browser: Browser, console: Console
) -> None:
    channel = await _create(
        console, "/api/v1/channels", {"name": "db pager", "type": "webhook", "config": {"url": "http://127.0.0.1:9/x"}}
    )
    policy = await _create(
        console,
        "/api/v1/escalation-policies",
        {"name": "Databases", "levels": [{"targets": [{"type": "channel", "id": channel["id"]}], "delay_minutes": 5}]},
    )
    tree = await console.http.get("/api/v1/routes")
    put = await console.http.put(
        "/api/v1/routes",
        headers={**_admin(console), "If-Match": tree.headers["etag"]},
        json={
            "tree": {"group_by": ["alertname"], "routes": [{"matchers": ['team="db"']}, {"matchers": ['team="web"']}]}
        },
    )
    assert put.status_code == 200, put.text

    page = await signed_in(browser, console, Role.ADMIN)
    await page.goto(console.url + "/dashboard/policies/routing")
    routing = page.get_by_role("list", name="Routing tree")
    await expect(routing.get_by_role("region", name="Route 0")).to_contain_text('team="db"')
    await page.get_by_role("link", name="Edit route 0", exact=True).click()
    await page.get_by_label("Matchers").fill('team="db"\nenv=~"prod|dr"')
    await page.get_by_label("Escalation policy").select_option(label="Databases")
    await page.get_by_label("Group wait").fill("ten seconds")
    await page.get_by_role("button", name="Save route").click()
    await expect(page.get_by_label("Group wait")).to_have_attribute("aria-invalid", "true")
    await _fits(page)
    await page.get_by_label("Group wait").fill("10s")
    await page.get_by_role("button", name="Save route").click()
    await expect(routing.get_by_role("region", name="Route 0")).to_contain_text('env=~"prod|dr"')
    await expect(routing.get_by_role("region", name="Route 0")).to_contain_text("Databases")
    await expect(routing.get_by_role("region", name="Route 0")).to_contain_text("wait 10s")

    # Someone else writes while this page edits route 1: the save is refused, the reload shows their tree.
    await page.get_by_role("link", name="Edit route 1", exact=True).click()
    await expect(page.get_by_label("Matchers")).to_have_value('team="web"')
    current = await console.http.get("/api/v1/routes/1")
    other = await console.http.put(
        "/api/v1/routes/1",
        headers={**_admin(console), "If-Match": current.headers["etag"]},
        json={"route": {"matchers": ['team="frontend"']}},
    )
    assert other.status_code == 200, other.text
    await page.get_by_label("Matchers").fill('team="www"')
    await page.get_by_role("button", name="Save route").click()
    await expect(page.get_by_role("alert")).to_contain_text("Someone else changed the routing")
    await page.get_by_role("button", name="Reload the current tree").click()
    await expect(page.get_by_label("Matchers")).to_have_value('team="frontend"')

    await page.goto(console.url + "/dashboard/policies/routing")
    await page.get_by_role("textbox", name="Labels").fill("team=db, env=prod, alertname=DiskFull")
    await page.get_by_role("button", name="Test the routing").click()
    await expect(page.get_by_text("1 route (tree version")).to_be_visible()
    await expect(page.get_by_text("1. Route 0")).to_be_visible()
    answer = await console.http.post(
        "/api/v1/routes/test", json={"labels": {"team": "db", "env": "prod", "alertname": "DiskFull"}}
    )
    await expect(page.get_by_test_id("group-key")).to_have_text(answer.json()["matches"][0]["group_key"])
    assert answer.json()["matches"][0]["escalation_policy_id"] == policy["id"]
    await _fits(page)
    await page.screenshot(path=str(IMAGES / "console-routing.png"), full_page=True)

    dark = await signed_in(browser, console, Role.ADMIN, viewport=PHONE, color_scheme="dark")
    await dark.goto(console.url + "/dashboard/policies/routing")
    await expect(dark.get_by_role("region", name="Route 1")).to_contain_text('team="frontend"')
    await _fits(dark)
    await dark.screenshot(path=str(IMAGES / "console-routing-phone-dark.png"), full_page=True)

    await page.goto(console.url + "/dashboard/policies/routing/edit/1")  # delete a route (and its children)
    await page.get_by_role("button", name="Delete").click()
    await page.get_by_role("button", name="Yes, delete").click()
    await expect(routing.get_by_role("region", name="Route 0")).to_be_visible()
    await expect(routing.get_by_role("region", name="Route 1")).to_have_count(0)


async def test_a_viewer_sees_the_configuration_read_only_and_no_secret(browser: Browser, console: Console) -> None:
    channel = await _create(
        console,
        "/api/v1/channels",
        {"name": "hooked", "type": "webhook", "config": {"url": "http://127.0.0.1:9/hook?token=s3cr3t"}},
    )
    policy = await _create(
        console,
        "/api/v1/escalation-policies",
        {"name": "Night", "levels": [{"targets": [{"type": "channel", "id": channel["id"]}], "delay_minutes": 5}]},
    )
    template = await _create(
        console,
        "/api/v1/templates",
        {"name": "short", "channel_type": "webhook", "subject": "{{ alert.title }}", "body": "{{ alert.description }}"},
    )
    page = await signed_in(browser, console, Role.VIEWER)
    for path, heading in (
        (f"/dashboard/channels/{channel['id']}", "hooked"),
        (f"/dashboard/policies/{policy['id']}", "Night"),
        (f"/dashboard/templates/{template['id']}", "short"),
        ("/dashboard/policies/routing", "Routing"),
    ):
        await page.goto(console.url + path)
        await expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        for action in ("Edit", "New channel", "New policy", "New template"):
            assert await page.get_by_role("link", name=action, exact=True).count() == 0, (path, action)
        for action in ("Delete", "Send test notification"):
            assert await page.get_by_role("button", name=action).count() == 0, (path, action)
        assert "s3cr3t" not in await page.content()
        await _fits(page)
    await expect(page.get_by_role("link", name="Edit route 0")).to_have_count(0)
    await page.get_by_role("textbox", name="Labels").fill("team=db")  # reading the routing is every role's
    await page.get_by_role("button", name="Test the routing").click()
    await expect(page.get_by_text("Root route", exact=False).last).to_be_visible()
    await page.goto(f"{console.url}/dashboard/channels/{channel['id']}")
    await expect(page.get_by_text("set (hidden)")).to_be_visible()  # the URL is write-only: never shown


async def test_the_configuration_forms_fit_a_phone_in_the_dark(browser: Browser, console: Console) -> None:
    await _create(console, "/api/v1/users", {"name": "Ana Ortiz", "email": "ana@example.com"})
    page = await signed_in(browser, console, Role.ADMIN, viewport=PHONE, color_scheme="dark")
    for path, heading, name in (
        ("/dashboard/policies/new", "New escalation policy", "policy-form"),
        ("/dashboard/channels/new", "New channel", "channel-form"),
        ("/dashboard/templates/new", "New template", "template-form"),
    ):
        await page.goto(console.url + path)
        await expect(page.get_by_role("heading", name=heading)).to_be_visible()
        if name == "template-form":
            await expect(page.get_by_test_id("preview-subject")).to_be_visible()
        await _fits(page)
        await page.screenshot(path=str(IMAGES / f"console-{name}-phone-dark.png"), full_page=True)
