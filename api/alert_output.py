"""Alert responses: the projection row and the workflow's live view, in one shape."""

from __future__ import annotations

from api.schemas.alerts import AlertOut, EscalationOut, LadderLevelOut, LadderTargetOut, LevelPageOut, PagedOut
from models.tables import Alert
from settings import Settings
from workflows.ids import alert_api_link, alert_dashboard_link, temporal_ui_link
from workflows.payloads import AlertStatus, AlertView, Category, Escalation, Severity


def links(settings: Settings, alert_id: str, workflow_id: str) -> dict[str, str]:
    return {
        "self": alert_api_link(settings.public_url, alert_id),
        "dashboard": alert_dashboard_link(settings.public_url, alert_id),
        "temporal_ui": temporal_ui_link(settings.temporal_ui_url, settings.temporal_namespace, workflow_id),
    }


def escalation_out(escalation: Escalation | None) -> EscalationOut | None:
    if escalation is None:
        return None
    return EscalationOut(
        policy_id=escalation.policy.id,
        policy_name=escalation.policy.name,
        reason=escalation.reason,
        level=escalation.level + 1,
        levels=len(escalation.policy.levels),
        pass_number=escalation.loop + 1,
        next_escalation_at=escalation.next_escalation_at,
        exhausted=escalation.exhausted,
        ack_timeout_at=escalation.ack_timeout_at,
        pages=[
            LevelPageOut(
                level=page.level,
                pass_number=page.loop,
                at=page.at,
                users=[PagedOut(id=u.id, name=u.name, via=u.via) for u in page.users],
                channels=[c.name for c in page.channels],
                gaps=page.gaps,
            )
            for page in escalation.pages
        ],
        ladder=[
            LadderLevelOut(
                level=number,
                delay_seconds=int(level.delay.total_seconds()),
                targets=[LadderTargetOut(type=t.type, id=t.id) for t in level.targets],
            )
            for number, level in enumerate(escalation.policy.levels, start=1)
        ],
        repeat=escalation.policy.repeat,
    )


def alert_out(row: Alert, settings: Settings) -> AlertOut:
    return AlertOut(
        id=row.id,
        dedup_key=row.dedup_key,
        title=row.title,
        description=row.description,
        severity=Severity(row.severity),
        category=Category(row.category),
        source=row.source,
        status=AlertStatus(row.status),
        labels=row.labels,
        annotations=row.annotations,
        event_count=row.event_count,
        created_at=row.created_at,
        last_seen=row.last_seen,
        acknowledged_at=row.acknowledged_at,
        acknowledged_by=row.acknowledged_by,
        resolved_at=row.resolved_at,
        resolved_by=row.resolved_by,
        next_notification_at=row.next_notification_at,
        snoozed_until=row.snoozed_until,
        escalation=escalation_out(Escalation.model_validate(row.escalation) if row.escalation else None),
        workflow_id=row.workflow_id,
        links=links(settings, row.id, row.workflow_id),
        firing_members=row.firing_members,
        resolved_members=row.resolved_members,
    )


def view_out(view: AlertView, settings: Settings) -> AlertOut:
    content = view.content
    return AlertOut(
        id=view.alert_id,
        dedup_key=view.key,
        title=content.title,
        description=content.description,
        severity=content.severity,
        category=content.category,
        source=content.source,
        status=view.status,
        labels=content.labels,
        annotations=content.annotations,
        event_count=view.event_count,
        created_at=view.first_seen,
        last_seen=view.last_seen,
        acknowledged_at=view.acknowledged_at,
        acknowledged_by=view.acknowledged_by,
        resolved_at=view.resolved_at,
        resolved_by=view.resolved_by,
        next_notification_at=view.next_notification_at,
        snoozed_until=view.snoozed_until,
        escalation=escalation_out(view.escalation),
        workflow_id=view.workflow_id,
        links=links(settings, view.alert_id, view.workflow_id),
        firing_members=view.firing_members,
        resolved_members=view.resolved_members,
    )
