"""How an email leaves: SMTP (``TENOHIRA_SMTP_URL``) or the embedded local mailbox (data_dir/mailbox)."""

from __future__ import annotations

import os
import uuid
from email.message import Message
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit


class PermanentFailure(Exception):
    """The email can never be delivered as it is (e.g. SMTP 5xx, recipient refused): do not retry."""


class TemporaryFailure(Exception):
    """Worth retrying later (connection refused, timeout, SMTP 4xx)."""


class MailTransport(Protocol):
    name: str

    async def send(self, message: Message) -> None: ...


class SMTPTransport:
    """``smtp://[user:pass@]host[:port]`` (STARTTLS if offered, ``?starttls=require`` to insist) or ``smtps://``."""

    name = "smtp"

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError("TENOHIRA_SMTP_URL must start with smtp:// or smtps://")
        self.hostname = parts.hostname or "127.0.0.1"
        self.use_tls = parts.scheme == "smtps"
        self.port = parts.port or (465 if self.use_tls else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.start_tls: bool | None = True if "starttls=require" in parts.query else None
        if "starttls=off" in parts.query:
            self.start_tls = False
        self.timeout = timeout

    async def send(self, message: Message) -> None:
        import aiosmtplib

        try:
            await aiosmtplib.send(
                message,
                hostname=self.hostname,
                port=self.port,
                username=self.username,
                password=self.password,
                use_tls=self.use_tls,
                start_tls=self.start_tls,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            if all(c >= 500 for c in codes):
                raise PermanentFailure(f"recipient refused: {exc}") from exc
            raise TemporaryFailure(f"recipient deferred: {exc}") from exc
        except aiosmtplib.SMTPResponseException as exc:
            if exc.code >= 500:
                raise PermanentFailure(f"SMTP {exc.code}: {exc.message}") from exc
            raise TemporaryFailure(f"SMTP {exc.code}: {exc.message}") from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc


class MailboxTransport:
    """The embedded default: each email is an RFC 5322 ``.eml`` file under ``data_dir/mailbox``."""

    name = "mailbox"

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def send(self, message: Message) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        # Named after the Message-ID: a re-send after a crash overwrites instead of duplicating.
        mid = str(message["Message-ID"]).strip("<>").split("@")[0] or uuid.uuid4().hex
        final = self.directory / f"{mid}.eml"
        tmp = self.directory / f".{mid}.tmp"
        tmp.write_bytes(bytes(message))
        os.replace(tmp, final)


def read_mailbox(directory: Path, limit: int = 100) -> list[dict[str, Any]]:
    """The newest emails of the local mailbox, parsed (for the demo view)."""
    if not directory.exists():
        return []
    files = sorted(directory.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns, reverse=True)[:limit]
    out = []
    for f in files:
        msg = BytesParser(policy=default_policy).parsebytes(f.read_bytes())
        body = msg.get_body(preferencelist=("plain",))
        out.append(
            {
                "id": f.stem,
                "to": str(msg["To"]),
                "from": str(msg["From"]),
                "subject": str(msg["Subject"]),
                "date": str(msg["Date"]),
                "message_id": str(msg["Message-ID"]),
                "body": body.get_content() if body is not None else "",
            }
        )
    return out
