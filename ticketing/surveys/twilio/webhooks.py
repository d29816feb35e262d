"""The webhooks Twilio calls, under ``/twilio`` (outside ``/api/v1``: Twilio signs, nobody logs in).

- ``POST /twilio/survey/{attempt_id}`` — the survey's TwiML: fetched when the citizen answers, then
  posted to by every ``<Gather>`` with the key pressed (``Digits``) and the step in the query.
- ``POST /twilio/status/{attempt_id}`` — call progress: ``in-progress`` (answered), then ``completed``
  (the survey is finished: :meth:`SurveyService.finish`) or ``busy``/``no-answer``/``failed``/``canceled``.
- ``POST /twilio/sms/{receipt_id}`` — an SMS receipt's delivery news.

Every request must carry a valid ``X-Twilio-Signature`` for ``public_base_url`` + path + query and the
form parameters; anything else is refused with 403 (:class:`TwilioSignatureInvalid`). Twilio retries a
webhook that timed out or failed: each handler is idempotent (the same key records the same answer, an
attempt is ended once, a receipt never moves back).
"""

from __future__ import annotations

import logging
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from starlette.datastructures import FormData
from twilio.request_validator import (  # type: ignore[import-untyped]
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)

from ticketing.api.deps import Context
from ticketing.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ticketing.outbound.policy import OutboundPolicy
from ticketing.outbound.service import OutboundService
from ticketing.outbound.vocabulary import AttemptOutcome
from ticketing.surveys.service import SurveyService
from ticketing.surveys.twilio import twiml
from ticketing.surveys.twilio.config import TwilioConfig
from ticketing.surveys.twilio.sms import SmsReceipts

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Twilio-Signature"
TWIML = "application/xml"
ENDED = {
    "busy": AttemptOutcome.BUSY,
    "no-answer": AttemptOutcome.NO_ANSWER,
    "failed": AttemptOutcome.FAILED,
    "canceled": AttemptOutcome.FAILED,
}
"""Call statuses that end an unanswered attempt."""


class TwilioSignatureInvalid(PermissionDenied):
    """A webhook request without a valid ``X-Twilio-Signature`` (not from Twilio, or altered)."""

    error_id = "twilio_signature_invalid"


router = APIRouter(prefix="/twilio", tags=["twilio"])


def install(app: FastAPI, config: TwilioConfig, *, policy: OutboundPolicy | None = None) -> None:
    """Mount the webhooks on ``app`` (made by :func:`ticketing.api.app.create_app`: its error handler
    turns refusals into ``{error_id, message, details}``). ``policy``: the outbound rules attempts are
    ended by (default :class:`OutboundPolicy`; pass the one the dialer uses)."""
    if getattr(app.state, "twilio_config", None) is not None:
        raise ValueError("the Twilio webhooks are installed already")
    app.state.twilio_config = config
    app.state.twilio_policy = policy or OutboundPolicy()
    app.include_router(router)


def _config(request: Request) -> TwilioConfig:
    config: TwilioConfig = request.app.state.twilio_config
    return config


def _policy(request: Request) -> OutboundPolicy:
    policy: OutboundPolicy = request.app.state.twilio_policy
    return policy


def signed_url(config: TwilioConfig, request: Request) -> str:
    """The URL Twilio requested and signed: the public base, our path and the query as it came."""
    query = request.url.query
    return config.public_base_url + request.url.path + (f"?{query}" if query else "")


async def verified_params(request: Request) -> FormData:
    """The request's form parameters, once its signature is checked (else :class:`TwilioSignatureInvalid`)."""
    config = _config(request)
    signature = request.headers.get(SIGNATURE_HEADER)
    if not signature:
        raise TwilioSignatureInvalid(f"the request carries no {SIGNATURE_HEADER}")
    form = await request.form()
    if any(not isinstance(value, str) for _, value in form.multi_items()):
        raise TwilioSignatureInvalid("Twilio never uploads files")
    url = signed_url(config, request)
    settings = request.headers.get(SIGNATURE_SETTINGS_HEADER)
    # The validator reads repeated parameters through getlist(): the form itself is passed, not a dict.
    if not RequestValidator(config.auth_token).validate(
        url, form, signature, get_signature_algorithm(settings)
    ):
        if settings:
            log.warning(
                "twilio webhook signed with a shared key (%s): only the auth token is configured", settings
            )
        raise TwilioSignatureInvalid("the X-Twilio-Signature does not match the request", url=url)
    return form


Verified = Annotated[FormData, Depends(verified_params)]


def _text(params: FormData, name: str) -> str:
    value = params.get(name)
    return value.strip() if isinstance(value, str) else ""


@router.post("/survey/{attempt_id}", response_class=Response)
def survey(attempt_id: uuid.UUID, request: Request, params: Verified, ctx: Context) -> Response:
    """The survey's TwiML for the step in the query (none: the greeting) and the key in ``Digits``."""
    try:
        state = twiml.Step.from_query(request.query_params)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="query") from None
    config = _config(request)
    with ctx.unit_of_work() as session:
        surveys = SurveyService(session, ctx.calendar(session), now=ctx.now)
        outbound = OutboundService(session, now=ctx.now)
        try:
            call = surveys.call_for(attempt_id)
            answer, _, xml = twiml.step(
                call, state, _text(params, "Digits"), action_base=config.public_base_url
            )
        except (Conflict, NotFound, ValueError) as exc:  # over, unknown, or a step it never had
            log.info("twilio survey %s: %s", attempt_id, exc)
            return Response(twiml.closing(), media_type=TWIML)
        outbound.answered(attempt_id)  # the first fetch is the answer; a lost one is made up for
        if sid := _text(params, "CallSid"):
            outbound.set_provider_ref(attempt_id, sid)
        if answer is not None:
            surveys.record_answer(
                attempt_id, answer.ticket_id, solved=answer.solved, satisfaction=answer.satisfaction
            )
    return Response(xml, media_type=TWIML)


@router.post("/status/{attempt_id}", status_code=204, response_class=Response)
def call_status(attempt_id: uuid.UUID, request: Request, params: Verified, ctx: Context) -> Response:
    """Call progress. News of an attempt already ended (retries, late or out-of-order callbacks) is
    acknowledged and changes nothing."""
    status = _text(params, "CallStatus").lower()
    policy = _policy(request)
    with ctx.unit_of_work() as session:
        outbound = OutboundService(session, now=ctx.now)
        attempt = outbound.attempt(attempt_id)
        if (sid := _text(params, "CallSid")) and attempt.provider_ref != sid:
            outbound.set_provider_ref(attempt_id, sid)
        if attempt.outcome is None:
            if status in ("in-progress", "answered"):
                outbound.answered(attempt_id)
            elif status == "completed":
                SurveyService(session, ctx.calendar(session), now=ctx.now).finish(attempt_id, policy)
            elif status in ENDED:
                outbound.end_attempt(
                    attempt_id, ENDED[status], policy, ctx.calendar(session), note=_call_note(status, params)
                )
    return Response(status_code=204)


@router.post("/sms/{receipt_id}", status_code=204, response_class=Response)
def sms_status(receipt_id: uuid.UUID, params: Verified, ctx: Context) -> Response:
    """An SMS receipt's ``MessageStatus`` (``sent``, ``delivered``, ``undelivered``, ``failed``…)."""
    with ctx.unit_of_work() as session:
        SmsReceipts(session, now=ctx.now).status(
            receipt_id,
            _text(params, "MessageStatus"),
            _text(params, "ErrorCode") or None,
            sid=_text(params, "MessageSid") or None,
        )
    return Response(status_code=204)


def _call_note(status: str, params: FormData) -> str:
    note = f"Twilio: {status}"
    if sip := _text(params, "SipResponseCode"):
        note += f", SIP {sip}"
    if code := _text(params, "ErrorCode"):
        note += f", error {code}"
    return note
