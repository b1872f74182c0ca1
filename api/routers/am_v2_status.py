"""Alertmanager API v2, status: `GET /api/v2/status` (version, uptime, the tenant's configuration as
Alertmanager YAML: amapi/config.py) and `GET /api/v2/receivers`."""

from __future__ import annotations

import platform
from typing import Any

from fastapi import APIRouter
from sqlalchemy import select

from amapi.config import TenantConfig, render
from amapi.shapes import AlertmanagerConfig, AlertmanagerStatus, ClusterStatus, Receiver, VersionInfo
from api.am_read import channel_names
from api.am_tenant import tenant_am_settings
from api.deps import ResourcesDep, SessionDep, Viewer
from models.tables import InhibitRule, TimeInterval
from noise.durations import format_duration
from noise.route_store import stored_tree

router = APIRouter(prefix="/api/v2", tags=["alertmanager v2"])
VERSION = "0.1.0"  # Herald's version (pyproject.toml), as Alertmanager reports its own


async def tenant_config(session: SessionDep, tenant_id: str) -> tuple[str, list[str]]:
    """(alertmanager.yml text, receiver names) of the tenant's routing tree, inhibit rules and time intervals."""
    _, tree = await stored_tree(session, tenant_id)
    names = await channel_names(session=session, tenant_id=tenant_id)
    settings = await tenant_am_settings(session=session, tenant_id=tenant_id)
    rules = await session.scalars(
        select(InhibitRule).where(InhibitRule.tenant_id == tenant_id).order_by(InhibitRule.id)
    )
    intervals = await session.scalars(
        select(TimeInterval).where(TimeInterval.tenant_id == tenant_id).order_by(TimeInterval.name)
    )
    config = TenantConfig(
        tree=tree,
        channel_names=names,
        resolve_timeout=format_duration(settings.resolve_timeout),
        inhibit_rules=[
            {
                "source_matchers": list(r.source_matchers),
                "target_matchers": list(r.target_matchers),
                "equal": list(r.equal),
            }
            for r in rules
        ],
        time_intervals={i.name: list(i.time_intervals) for i in intervals},
    )
    text = render(config)
    receivers = [line.removeprefix("- name: ") for line in text.splitlines() if line.startswith("- name: ")]
    return text, receivers


@router.get(
    "/status",
    response_model=AlertmanagerStatus,
    summary="Version, uptime and the tenant's configuration, as Alertmanager reports them",
    description="`cluster.status` is `disabled` (Herald is not an Alertmanager cluster); `versionInfo` is "
    "Herald's; `uptime` is when this API process started; `config.original` is the tenant's routing tree, "
    "inhibit rules and time intervals as an alertmanager.yml (each route's channels as one receiver: `ops+mail`, "
    "the root's `default` for the tenant's default channels). A viewer key suffices.",
)
async def get_status(principal: Viewer, session: SessionDep, resources: ResourcesDep) -> Any:
    text, _ = await tenant_config(session, principal.tenant_id)
    status = AlertmanagerStatus(
        cluster=ClusterStatus(status="disabled", peers=[]),
        versionInfo=VersionInfo(
            branch="herald",
            buildDate="",
            buildUser="herald",
            goVersion=f"python{platform.python_version()}",
            revision=VERSION,
            version=VERSION,
        ),
        config=AlertmanagerConfig(original=text),
        uptime=resources.started_at,
    )
    return status.model_dump(mode="json")


@router.get(
    "/receivers",
    response_model=list[Receiver],
    summary="The receivers of the tenant's configuration, and each channel",
    description="The receivers `GET /api/v2/status` renders, then every channel's own name. A viewer key suffices.",
)
async def get_receivers(principal: Viewer, session: SessionDep) -> list[Receiver]:
    _, receivers = await tenant_config(session, principal.tenant_id)
    names = await channel_names(session=session, tenant_id=principal.tenant_id)
    for name in sorted(names.values()):
        if name not in receivers:
            receivers.append(name)
    return [Receiver(name=name) for name in receivers]
