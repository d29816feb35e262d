"""The outbound side of one hotline process, from the settings: the calling rules, the dialer and the
survey Stasis app (``hotline serve`` with ``HOTLINE_OUTBOUND=true``, and ``hotline outbound run``)."""

from __future__ import annotations

from datetime import timedelta

from agent_bridge.dialer.dialer import DialerConfig, SurveyCalls
from agent_bridge.dialer.originate import DialPlan
from hotline.settings import Settings
from ivr.flows.survey import SurveyConfig
from ivr.survey_app import SurveyAppConfig
from ticketing.outbound.jobs import RetryPolicy
from ticketing.outbound.policy import OutboundPolicy, Provider
from ticketing.outbound.windows import CallingWindows
from ticketing.surveys.twilio.calls import TwilioSurveyCalls
from ticketing.surveys.twilio.config import TwilioConfig


def outbound_policy(settings: Settings) -> OutboundPolicy:
    """Calling windows, retries, the survey delay and the provider (``ValueError`` on bad windows)."""
    return OutboundPolicy(
        windows=CallingWindows.parse(
            settings.outbound_windows, workdays_only=settings.outbound_workdays_only
        ),
        retry=RetryPolicy(
            max_attempts=settings.outbound_max_attempts,
            spacing=timedelta(minutes=settings.outbound_retry_minutes),
        ),
        survey_delay_workdays=settings.survey_delay_workdays,
        provider=Provider(settings.outbound_provider),
    )


def dialer_config(settings: Settings) -> DialerConfig:
    """Pace, concurrency and where the calls go."""
    return DialerConfig(
        pace=settings.outbound_pace,
        max_concurrent=settings.outbound_max_concurrent,
        plan=DialPlan(
            ring_timeout_s=settings.outbound_ring_seconds,
            hold_timeout_s=settings.outbound_callback_hold_minutes * 60,
        ),
        schedule_s=settings.outbound_schedule_seconds,
    )


def survey_app_config(settings: Settings) -> SurveyAppConfig:
    """How the survey call asks."""
    return SurveyAppConfig(
        survey=SurveyConfig(answer_timeout_s=settings.survey_answer_seconds, comment=settings.survey_comment),
        recordings_dir=settings.recordings_dir,
    )


def twilio_config(settings: Settings) -> TwilioConfig | None:
    """The Twilio account when one is configured (account, token, number and public URL), else ``None``
    (``ValueError`` when it is half configured)."""
    token = settings.twilio_auth_token.get_secret_value() if settings.twilio_auth_token else ""
    parts = (settings.twilio_account_sid, token, settings.twilio_from, settings.twilio_public_url)
    if not any(parts):
        return None
    if not all(parts):
        raise ValueError(
            "Twilio needs HOTLINE_TWILIO_ACCOUNT_SID, HOTLINE_TWILIO_AUTH_TOKEN, HOTLINE_TWILIO_FROM and "
            "HOTLINE_TWILIO_PUBLIC_URL together"
        )
    return TwilioConfig(
        account_sid=str(settings.twilio_account_sid),
        auth_token=token,
        from_number=str(settings.twilio_from),
        public_base_url=str(settings.twilio_public_url),
        api_base_url=settings.twilio_api_url,
    )


def twilio_survey_calls(settings: Settings) -> SurveyCalls | None:
    """Twilio places the survey calls when it is the provider and configured (else ``None``: the dialer
    then ends such an attempt as failed, saying no account is configured)."""
    if settings.outbound_provider != Provider.TWILIO.value:
        return None
    config = twilio_config(settings)
    return TwilioSurveyCalls(config, ring_timeout_s=settings.outbound_ring_seconds) if config else None
