"""User and team bodies: who can be paged, and how."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from api.schemas.zones import TimeZoneName
from channels.config import EMAIL, PHONE
from models.contacts import ContactType

STRICT = ConfigDict(extra="forbid")
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
HTTP_URL = TypeAdapter(AnyHttpUrl)
SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,20}$")
ContactId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,35}$")]  # fits a delivery row


def _check(pattern: re.Pattern[str], value: str, what: str) -> str:
    if not pattern.match(value):
        raise ValueError(f"{value!r} is not {what}")
    return value


class ContactMethodIn(BaseModel):
    model_config = STRICT
    id: ContactId | None = Field(None, description="Referenced by notification rules; default `<type>-<n>`")
    type: ContactType
    address: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)] = Field(
        description="email: an address; sms: E.164 number; slack: a Slack user id; webhook: http(s) URL; "
        "push: a device token"
    )
    label: Annotated[str, StringConstraints(max_length=100)] = ""

    @model_validator(mode="after")
    def _address(self) -> ContactMethodIn:
        if self.type == "email":
            _check(EMAIL, self.address, "an email address")
        elif self.type == "sms":
            _check(PHONE, self.address, "an E.164 phone number like +447700900123")
        elif self.type == "slack":
            _check(SLACK_USER, self.address, "a Slack user id like U024BE7LH")
        elif self.type == "webhook":
            try:
                HTTP_URL.validate_python(self.address)
            except ValidationError as err:
                raise ValueError(f"{self.address!r} is not an http(s) URL") from err
        return self


class NotificationRuleIn(BaseModel):
    """PagerDuty-style personal rule: notify this contact method this long after being paged."""

    model_config = STRICT
    contact_method_id: ContactId
    delay_minutes: int = Field(0, ge=0, le=1440)


class UserIn(BaseModel):
    model_config = STRICT
    name: Name
    email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=320)]
    phone: str | None = None
    slack_user_id: str | None = None
    time_zone: TimeZoneName = "UTC"
    manager_id: str | None = None
    contact_methods: list[ContactMethodIn] = Field(default_factory=list, max_length=20)
    notification_rules: list[NotificationRuleIn] = Field(
        default_factory=list, max_length=50, description="Default: every contact method at once"
    )
    enabled: bool = True

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return _check(EMAIL, value, "an email address")

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return None if value is None else _check(PHONE, value, "an E.164 phone number like +447700900123")

    @field_validator("slack_user_id")
    @classmethod
    def _slack(cls, value: str | None) -> str | None:
        return None if value is None else _check(SLACK_USER, value, "a Slack user id like U024BE7LH")

    @field_validator("contact_methods")
    @classmethod
    def _method_ids(cls, methods: list[ContactMethodIn]) -> list[ContactMethodIn]:
        counts: dict[str, int] = {}
        for method in methods:
            if method.id is None:
                counts[method.type] = counts.get(method.type, 0) + 1
                method.id = f"{method.type}-{counts[method.type]}"
        ids = [method.id for method in methods]
        duplicates = sorted({i for i in ids if i is not None and ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"contact method ids must be unique: {', '.join(duplicates)}")
        return methods

    @field_validator("notification_rules")
    @classmethod
    def _rule_targets(cls, rules: list[NotificationRuleIn], info: ValidationInfo) -> list[NotificationRuleIn]:
        ids = {method.id for method in info.data.get("contact_methods", [])}
        seen: set[tuple[str, int]] = set()
        for rule in rules:
            if rule.contact_method_id not in ids:
                raise ValueError(f"notification rule names unknown contact method {rule.contact_method_id!r}")
            if (rule.contact_method_id, rule.delay_minutes) in seen:
                raise ValueError(f"two rules page {rule.contact_method_id!r} after {rule.delay_minutes} min")
            seen.add((rule.contact_method_id, rule.delay_minutes))
        return rules

    def stored(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class UserOut(UserIn):
    model_config = ConfigDict(extra="ignore")
    id: str
    created_at: datetime
    updated_at: datetime


class TeamIn(BaseModel):
    model_config = STRICT
    name: Name
    description: Annotated[str, StringConstraints(max_length=2000)] = ""
    member_ids: list[str] = Field(default_factory=list, max_length=500, description="User ids, in paging order")

    @field_validator("member_ids")
    @classmethod
    def _unique(cls, ids: list[str]) -> list[str]:
        if len(set(ids)) != len(ids):
            raise ValueError("a user is listed twice")
        return ids


class TeamOut(TeamIn):
    id: str
    created_at: datetime
    updated_at: datetime
