"""Outbound email over SMTP (stdlib ``smtplib``): the :class:`ChannelSender` for email.

Settings come from ``endpoint.channel.settings`` (``smtp_host``, ``smtp_port``,
``smtp_starttls``, ``smtp_username``, optional ``smtp_timeout``, ``from_name``,
``our_domain``), the password from ``endpoint.secret("smtp_password")`` (never logged), the
from address from ``endpoint.channel.address``. A 5xx reply is a permanent
:class:`DeliveryFailed`; 4xx, connection errors and timeouts are temporary.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from typing import Any

from switchdesk.domain.conversations.channels import DeliveryFailed, OutboundMessage, SendResult
from switchdesk.domain.conversations.model import ChannelKind
from switchdesk.usecases.channel_ports import ChannelEndpoint

from .composing import compose_mail

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 30.0


def _flag(value: Any, default: bool) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _detail(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    return f"{code} {text}".strip()


class SmtpSender:
    """Sends one :class:`OutboundMessage` per SMTP session; returns its Message-ID."""

    kind: ChannelKind = ChannelKind.EMAIL

    def __init__(self, *, default_timeout: float = DEFAULT_TIMEOUT) -> None:
        self.default_timeout = default_timeout

    def send(self, message: OutboundMessage, endpoint: ChannelEndpoint) -> SendResult:
        channel = endpoint.channel
        settings = channel.settings
        host = str(settings.get("smtp_host") or "")
        if not host:
            raise DeliveryFailed("no smtp_host configured", permanent=True, code="smtp_config")
        port = int(settings.get("smtp_port") or 587)
        starttls = _flag(settings.get("smtp_starttls"), default=port == 587)
        username = str(settings.get("smtp_username") or "")
        password = endpoint.secret("smtp_password")
        timeout = float(settings.get("smtp_timeout") or self.default_timeout)
        from_address = channel.address
        our_domain = str(settings.get("our_domain") or from_address.rpartition("@")[2])
        from_name = str(settings.get("from_name") or channel.name)
        try:
            mail = compose_mail(
                message, from_address=from_address, from_name=from_name, our_domain=our_domain
            )
        except Exception as exc:  # an address or header the email package refuses
            raise DeliveryFailed(
                f"cannot compose mail: {exc}", permanent=True, code="smtp_compose"
            ) from exc
        external_id = str(mail["Message-ID"])
        try:
            with smtplib.SMTP(host, port, timeout=timeout) as smtp:
                if starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if username:
                    smtp.login(username, password)
                refused = smtp.send_message(
                    mail, from_addr=from_address, to_addrs=[message.to.value]
                )
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()), (550, b"recipient refused"))
            raise self._failed(code, reply) from None
        except smtplib.SMTPResponseException as exc:
            raise self._failed(exc.smtp_code, exc.smtp_error) from None
        except smtplib.SMTPServerDisconnected as exc:
            raise DeliveryFailed(
                f"SMTP server disconnected: {exc}", permanent=False, code="smtp_disconnected"
            ) from None
        except smtplib.SMTPException as exc:
            raise DeliveryFailed(f"SMTP error: {exc}", permanent=False, code="smtp_error") from None
        except (OSError, TimeoutError) as exc:
            raise DeliveryFailed(
                f"cannot reach SMTP server {host}:{port}: {exc}",
                permanent=False,
                code="smtp_unreachable",
            ) from None
        if refused:
            code, reply = next(iter(refused.values()))
            raise self._failed(code, reply)
        log.info("email sent to %s as %s via %s:%s", message.to.value, external_id, host, port)
        return SendResult(external_id=external_id)

    @staticmethod
    def _failed(code: int, reply: bytes | str) -> DeliveryFailed:
        permanent = 500 <= code < 600
        return DeliveryFailed(
            _detail(code, reply),
            permanent=permanent,
            code=f"smtp_{code}",
        )
