"""How the hotline calls back (from settings): calling windows, retries, the survey's delay after 办结 and
the provider that places survey calls."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from ticketing.outbound.jobs import RetryPolicy
from ticketing.outbound.windows import CallingWindows


class Provider(StrEnum):
    """Who places the survey calls."""

    AMI = "ami"  # our own Asterisk (AMI Originate)
    TWILIO = "twilio"  # Twilio Programmable Voice


@dataclass(frozen=True)
class OutboundPolicy:
    """The rules outbound jobs are made and retried by."""

    windows: CallingWindows = field(default_factory=CallingWindows)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    survey_delay_workdays: int = 1  # 办结 on a working day → 回访 from the next working day's window
    provider: Provider = Provider.AMI

    def __post_init__(self) -> None:
        if self.survey_delay_workdays < 0:
            raise ValueError("the survey delay must not be negative")
