"""Placing a 回访 survey call through Twilio's REST API: the dialer's ``SurveyCalls`` for provider
``twilio``. What happens on the call then comes back through the webhooks (:mod:`.webhooks`)."""

from __future__ import annotations

from typing import Any

from requests.exceptions import RequestException
from twilio.base.exceptions import TwilioException  # type: ignore[import-untyped]

from ticketing.outbound.service import Dial
from ticketing.surveys.twilio.config import TwilioConfig, error_text, make_client

STATUS_EVENTS = ["initiated", "ringing", "answered", "completed"]
RING_TIMEOUT_S = 45


class TwilioCallFailed(Exception):
    """Twilio did not take the call (refused it, or could not be reached); ``message`` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def survey_url(config: TwilioConfig, attempt_id: object) -> str:
    """The TwiML of an attempt's survey (fetched by Twilio when the citizen answers)."""
    return config.public_url(f"/twilio/survey/{attempt_id}")


def status_url(config: TwilioConfig, attempt_id: object) -> str:
    """Where Twilio reports an attempt's call progress."""
    return config.public_url(f"/twilio/status/{attempt_id}")


class TwilioSurveyCalls:
    """Survey calls through one Twilio account. ``client``: a ``twilio.rest.Client`` (default: made
    from ``config``, through ``config.api_base_url`` when set)."""

    def __init__(
        self, config: TwilioConfig, client: Any | None = None, *, ring_timeout_s: int = RING_TIMEOUT_S
    ) -> None:
        self._config = config
        self._client = client if client is not None else make_client(config)
        self._ring_timeout_s = ring_timeout_s

    def place(self, dial: Dial) -> str:
        """Ask Twilio to call ``dial.phone`` for the survey of ``dial.attempt_id``; returns the CallSid.
        Blocking (the dialer runs it in a thread); :class:`TwilioCallFailed` when no call was created."""
        try:
            call = self._client.calls.create(
                to=dial.phone,
                from_=self._config.from_number,
                url=survey_url(self._config, dial.attempt_id),
                method="POST",
                status_callback=status_url(self._config, dial.attempt_id),
                status_callback_event=STATUS_EVENTS,
                status_callback_method="POST",
                timeout=self._ring_timeout_s,
            )
        except (TwilioException, RequestException, OSError) as exc:
            raise TwilioCallFailed(error_text(exc)) from exc
        sid = getattr(call, "sid", None)
        if not isinstance(sid, str) or not sid:
            raise TwilioCallFailed("Twilio answered without a CallSid")
        return sid
