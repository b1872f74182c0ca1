"""A real SMTP server (aiosmtpd) on 127.0.0.1: STARTTLS with a self-signed certificate, AUTH
PLAIN/LOGIN, and scripted replies for chosen recipients."""

from __future__ import annotations

import ssl
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, cast

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from devstack.ports import free_port
from tests.support.providers import self_signed

USER, PASSWORD = "herald", "smtp-password"


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[Envelope, EmailMessage]] = []
        self.replies: dict[str, str] = {}  # recipient -> SMTP reply to RCPT TO (e.g. "550 5.1.1 no such user")
        self.data_replies: list[str] = []  # replies to DATA, consumed in order (e.g. "451 4.3.0 try later")

    async def handle_RCPT(
        self, server: Any, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.replies:
            return self.replies[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        if self.data_replies:
            return self.data_replies.pop(0)
        raw = cast(bytes, envelope.original_content or envelope.content)
        self.messages.append((envelope, message_from_bytes(raw, policy=policy.default)))
        return "250 2.0.0 Ok: queued as H1"


def _authenticate(server: Any, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and data.login.decode() == USER and data.password.decode() == PASSWORD
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 235 or 535 itself


class SmtpServer:
    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.mailbox = Mailbox()
        cert, key = self_signed(directory)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        self._controller = Controller(
            self.mailbox,
            hostname="127.0.0.1",
            port=self.port,
            tls_context=context,
            require_starttls=True,
            authenticator=_authenticate,
            auth_require_tls=True,
        )

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()
