"""Email over SMTP (`aiosmtplib`): STARTTLS, implicit TLS or plain; optional auth.

A multipart/alternative message (text and HTML, from the template) with a link to the
alert's page. Its `Message-ID` is derived from the idempotency key, so a retry after a lost
reply carries the same id (mail clients thread, some relays deduplicate) and is recorded as
the provider id. SMTP 4xx replies and connection failures retry; 5xx replies (unknown
recipient, authentication refused) are permanent.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import re
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from typing import Annotated, Literal

import aiosmtplib
from pydantic import Field, StringConstraints

from channels.base import (
    ChannelTarget,
    Message,
    PermanentDeliveryError,
    RetryableDeliveryError,
    Sent,
    recipients,
)
from channels.config import ChannelConfig, EmailAddress, Secret
from channels.fit import cut
from egress.policy import EgressDenied, EgressPolicy
from workflows.ids import email_message_id


class EmailConfig(ChannelConfig):
    SECRETS = ("password",)
    host: Annotated[str, StringConstraints(min_length=1, max_length=255)] = Field(description="SMTP server")
    port: int = Field(587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = Field(
        "starttls", description="starttls: upgrade a plain connection (port 587); tls: implicit TLS (port 465)"
    )
    username: str | None = Field(None, max_length=255)
    password: Secret | None = Field(None, description="SMTP password; write-only")
    from_address: EmailAddress
    to: list[EmailAddress] = Field(default_factory=list, max_length=100, description="Recipients of channel mail")
    verify_tls: bool = Field(True, description="Check the server's certificate (turn off only for a test relay)")


SUBJECT = 900  # characters; folded into lines of at most 998 bytes (RFC 5322 2.1.1) when sent
ENHANCED_STATUS = re.compile(r"^([245]\.\d{1,3}\.\d{1,3})\b")


def smtp_reason(code: int, text: str) -> str:
    """`550 5.1.1`: the reply code and its enhanced status code, without the server's words."""
    enhanced = ENHANCED_STATUS.match(text.strip())
    return f"{code} {enhanced.group(1)}" if enhanced else str(code)


def message_id(message: Message) -> str:
    return email_message_id(message.idempotency_key)


def build_email(target: ChannelTarget, message: Message) -> EmailMessage:
    email = EmailMessage()
    email["Subject"] = cut(" ".join(message.rendered.subject.split()), SUBJECT)
    email["From"] = target.config["from_address"]
    email["To"] = ", ".join(recipients(target))
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = message_id(message)
    email["X-Herald-Alert"] = message.alert.alert_id
    email["X-Herald-Event"] = message.event.value
    link = message.links.dashboard
    email.set_content(f"{message.rendered.text}\n\nAcknowledge or resolve: {link}\n")
    body_html = message.rendered.html or f"<pre>{html.escape(message.rendered.text)}</pre>"
    email.add_alternative(
        f'{body_html}\n<p><a href="{html.escape(link)}">Acknowledge or resolve in Herald</a></p>\n', subtype="html"
    )
    return email


class EmailSender:
    def __init__(self, egress: EgressPolicy) -> None:
        self._egress = egress

    async def send(self, target: ChannelTarget, message: Message) -> Sent:
        if not recipients(target):
            raise PermanentDeliveryError("email channel has no recipients")
        config = target.config
        security = config.get("security", "starttls")
        context = ssl.create_default_context()
        if not config.get("verify_tls", True):
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        email = build_email(target, message)
        client = aiosmtplib.SMTP(
            hostname=config["host"],  # for TLS: the certificate is checked against the name
            username=config.get("username"),
            password=target.secrets.get("password"),
            use_tls=security == "tls",
            start_tls=True if security == "starttls" else False,
            tls_context=context,
            timeout=target.timeout,
        )
        try:
            # Connected here, to an address the egress policy allows; the host name stays for TLS.
            async with asyncio.timeout(target.timeout):
                sock = await self._egress.open_socket(config["host"], int(config.get("port", 587)))
        except EgressDenied as err:
            raise PermanentDeliveryError(str(err)) from err
        except (OSError, TimeoutError) as err:
            raise RetryableDeliveryError(f"smtp: cannot connect: {type(err).__name__}: {err}") from err
        try:
            await client.connect(sock=sock)  # the client owns the socket from here (TLS, login)
            errors, reply = await client.send_message(email)
            with contextlib.suppress(aiosmtplib.SMTPException):  # sent: a failed goodbye changes nothing
                await client.quit()
        except aiosmtplib.SMTPRecipientsRefused as err:
            refused = "; ".join(f"{r.recipient}: {smtp_reason(r.code, r.message)}" for r in err.recipients)
            raise PermanentDeliveryError(f"smtp refused every recipient: {refused}", provider_status=550) from err
        except aiosmtplib.SMTPResponseException as err:
            text = f"smtp {smtp_reason(err.code, err.message)}"
            if 400 <= err.code < 500:
                raise RetryableDeliveryError(text, provider_status=err.code) from err
            raise PermanentDeliveryError(text, provider_status=err.code) from err
        except (aiosmtplib.SMTPException, OSError) as err:  # connect, TLS and timeout failures
            raise RetryableDeliveryError(f"smtp: {type(err).__name__}") from err
        finally:
            client.close()  # after a refused login or recipient too (a no-op after quit)
        detail = f"accepted ({smtp_reason(250, reply)})"
        if errors:  # accepted for the others: delivered, and the refusals are on record
            detail += "; refused: " + "; ".join(
                f"{address}: {smtp_reason(code, text)}" for address, (code, text) in errors.items()
            )
        return Sent(provider_status=250, provider_id=message_id(message), detail=detail)
