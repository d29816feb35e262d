"""SMS receipts after 登记: the citizen gets the ticket number by text message, through Twilio.

:meth:`SmsReceipts.schedule` queues a receipt for every newly registered ticket with a mobile number
(never for a caller who asked for 保密); :func:`send_due` sends the queued ones, one short transaction
per message; Twilio's status callbacks (:mod:`.webhooks`) then say ``sent``/``delivered``/``failed``.
A receipt whose send failed stays queued and is tried again, :data:`MAX_SEND_ATTEMPTS` times at most.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from requests.exceptions import RequestException
from sqlalchemy import exists, select
from sqlalchemy.orm import Session, sessionmaker
from twilio.base.exceptions import TwilioException  # type: ignore[import-untyped]

from ticketing.clock import Clock, utcnow
from ticketing.errors import NotFound
from ticketing.surveys.twilio.config import TwilioConfig, error_text
from ticketing.surveys.twilio.models import SmsReceipt
from ticketing.tickets.lifecycle import Action
from ticketing.tickets.models import Ticket, TicketEvent

log = logging.getLogger(__name__)

BODY = "【12345热线】您反映的诉求已受理，工单号{number}，可凭工单号查询办理进度。"
MAX_SEND_ATTEMPTS = 3
MAX_AGE = timedelta(hours=24)  # older registrations get no receipt (e.g. when receipts are switched on)
MOBILE_PATTERN = "+861__________"  # SQL LIKE: +86 and an 11-digit mobile; landlines cannot get texts

QUEUED, SENT, DELIVERED, FAILED = "queued", "sent", "delivered", "failed"
# Twilio's MessageStatus → ours (statuses on the way, such as ``sending``, change nothing).
_STATUSES = {
    "sent": SENT,
    "delivered": DELIVERED,
    "read": DELIVERED,
    "undelivered": FAILED,
    "failed": FAILED,
    "canceled": FAILED,
}
_RANK = {QUEUED: 0, SENT: 1, DELIVERED: 2, FAILED: 2}  # callbacks come in any order: never go back


class SmsReceipts:
    """The receipts in the database (see the module docstring)."""

    def __init__(self, session: Session, *, now: Clock = utcnow) -> None:
        self._session = session
        self._now = now

    def schedule(self, limit: int = 500, *, max_age: timedelta = MAX_AGE) -> list[SmsReceipt]:
        """Queue a receipt for each ticket registered within ``max_age`` that has a mobile caller number,
        is not confidential (保密) and has no receipt yet; returns the receipts made."""
        registered = exists().where(
            TicketEvent.ticket_id == Ticket.id,
            TicketEvent.action == Action.REGISTER.value,
            TicketEvent.at >= self._now() - max_age,
        )
        has_receipt = exists().where(SmsReceipt.ticket_id == Ticket.id)
        tickets = self._session.scalars(
            select(Ticket)
            .where(
                registered,
                ~has_receipt,
                Ticket.caller_phone.like(MOBILE_PATTERN),
                Ticket.confidential.is_(False),
            )
            .order_by(Ticket.created_at, Ticket.number)
            .limit(limit)
        ).all()
        made = []
        for ticket in tickets:
            assert ticket.caller_phone is not None
            receipt = SmsReceipt(
                id=uuid.uuid4(), ticket_id=ticket.id, phone=ticket.caller_phone,
                body=BODY.format(number=ticket.number), state=QUEUED, attempts=0, created_at=self._now(),
            )  # fmt: skip
            self._session.add(receipt)
            made.append(receipt)
        self._session.flush()
        return made

    def due(self, limit: int) -> Sequence[SmsReceipt]:
        """Queued receipts, oldest first."""
        return self._session.scalars(
            select(SmsReceipt)
            .where(SmsReceipt.state == QUEUED)
            .order_by(SmsReceipt.created_at, SmsReceipt.id)
            .limit(limit)
        ).all()

    def sent(self, receipt_id: uuid.UUID, sid: str) -> SmsReceipt:
        """Twilio took the message (its MessageSid ``sid``)."""
        receipt = self.receipt(receipt_id)
        receipt.provider_ref = sid[:64]
        receipt.attempts += 1
        receipt.sent_at = receipt.sent_at or self._now()
        receipt.error = None
        if receipt.state == QUEUED:  # a status callback may have been quicker
            receipt.state = SENT
        self._session.flush()
        return receipt

    def failed(self, receipt_id: uuid.UUID, error: str, *, final: bool = False) -> SmsReceipt:
        """A send failed: tried again later unless ``final`` or out of attempts."""
        receipt = self.receipt(receipt_id)
        receipt.attempts += 1
        receipt.error = error[:2000]
        if receipt.state == QUEUED and (final or receipt.attempts >= MAX_SEND_ATTEMPTS):
            receipt.state = FAILED
        self._session.flush()
        return receipt

    def status(
        self, receipt_id: uuid.UUID, twilio_status: str, error: str | None = None, *, sid: str | None = None
    ) -> SmsReceipt:
        """Twilio's news of a message (``MessageStatus``; ``error``: its ErrorCode; ``sid``: its
        MessageSid). Repeated or late news never moves a receipt back (``delivered`` stays delivered)."""
        receipt = self.receipt(receipt_id)
        if sid and not receipt.provider_ref:
            receipt.provider_ref = sid[:64]
        state = _STATUSES.get(twilio_status.strip().lower())
        if state is not None and _RANK[state] > _RANK[receipt.state]:
            receipt.state = state
            if state == FAILED:
                receipt.error = f"Twilio: {twilio_status}" + (f" (error {error})" if error else "")
        self._session.flush()
        return receipt

    def receipt(self, receipt_id: uuid.UUID) -> SmsReceipt:
        """One receipt."""
        receipt = self._session.get(SmsReceipt, receipt_id)
        if receipt is None:
            raise NotFound(f"SMS receipt {receipt_id} does not exist", receipt=str(receipt_id))
        return receipt


def sms_status_url(config: TwilioConfig, receipt_id: uuid.UUID) -> str:
    """Where Twilio reports a receipt's delivery."""
    return config.public_url(f"/twilio/sms/{receipt_id}")


def send_due(
    sessions: sessionmaker[Session],
    client: Any,
    config: TwilioConfig,
    limit: int = 50,
    *,
    now: Clock = utcnow,
) -> int:
    """Send up to ``limit`` queued receipts through ``client`` (a ``twilio.rest.Client``); returns how
    many Twilio took. Blocking; run it in one process only (two senders would text twice)."""
    with sessions.begin() as session:
        batch = [(r.id, r.phone, r.body) for r in SmsReceipts(session, now=now).due(limit)]
    taken = 0
    for receipt_id, phone, body in batch:
        try:
            message = client.messages.create(
                to=phone,
                from_=config.from_number,
                body=body,
                status_callback=sms_status_url(config, receipt_id),
            )
        except (TwilioException, RequestException, OSError) as exc:
            # A 4xx is Twilio refusing this message (bad number, blocked…): trying again will not help;
            # 429 (too many requests) will.
            status = getattr(exc, "status", None) or 0
            final = 400 <= status < 500 and status != 429
            log.warning("sms receipt %s not sent: %s", receipt_id, error_text(exc))
            with sessions.begin() as session:
                SmsReceipts(session, now=now).failed(receipt_id, error_text(exc), final=final)
            continue
        with sessions.begin() as session:
            SmsReceipts(session, now=now).sent(receipt_id, str(message.sid))
        taken += 1
    return taken
