"""`models.alert_trends.Trends` as the trend fields of `StatisticsOut`."""

from __future__ import annotations

from typing import Any

from api.schemas.alerts import DurationStats, NoisyAlertOut, NoisyKeyOut, TrendBucketOut
from models.alert_trends import Trends


def trend_fields(trend: Trends) -> dict[str, Any]:
    """The keyword arguments of StatisticsOut's trend fields."""
    return {
        "buckets": [
            TrendBucketOut(
                start=b.start,
                group=b.group,
                count=b.count,
                acknowledged=b.acknowledged,
                escalated=b.escalated,
                time_to_acknowledge=DurationStats(**vars(b.to_acknowledge)),
                time_to_resolve=DurationStats(**vars(b.to_resolve)),
            )
            for b in trend.buckets
        ],
        "noisiest_by_refires": [NoisyAlertOut(**vars(n)) for n in trend.by_refires],
        "noisiest_by_incidents": [NoisyKeyOut(**vars(n)) for n in trend.by_incidents],
        "acknowledgement_rate": trend.acknowledgement_rate,
        "escalation_rate": trend.escalation_rate,
    }
