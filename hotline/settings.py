"""The one typed settings object, built once at the edge (CLI / server start) and passed down.

Values come from ``HOTLINE_*`` environment variables and, optionally, a ``KEY=VALUE`` file named by
``HOTLINE_CONFIG_FILE`` (or ``--config`` on the CLI). The ``dev`` profile has convenient defaults;
``prod`` refuses default secrets and an implicit database.
"""

from __future__ import annotations

import os
from datetime import time
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-insecure-secret"
DEFAULT_SQLITE_PATH = Path("var/hotline.sqlite3")


class Profile(StrEnum):
    """Deployment profile."""

    DEV = "dev"
    PROD = "prod"


class SettingsError(ValueError):
    """Settings are unusable for the chosen profile (raised with a message that names the fix)."""


class Settings(BaseSettings):
    """All configuration of one hotline12345 process."""

    model_config = SettingsConfigDict(env_prefix="HOTLINE_", extra="ignore", frozen=True)

    profile: Profile = Field(
        default=Profile.DEV, description="`prod` refuses default secrets and a missing database URL."
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; dev defaults to a SQLite file under ./var, prod requires it.",
    )
    secret_key: SecretStr = Field(
        default=SecretStr(DEV_SECRET), description="Signs API tokens; private and ≥ 16 characters in prod."
    )
    timezone: str = Field(default="Asia/Shanghai", description="Time zone the 12345 rules count in.")
    http_host: str = Field(default="127.0.0.1", description="Where `hotline serve` listens.")
    http_port: int = Field(default=8000, ge=1, le=65535, description="Port of `hotline serve`.")
    token_ttl_hours: int = Field(default=12, ge=1, le=24 * 30, description="Lifetime of a bearer token.")
    due_soon_hours: int = Field(default=24, ge=1, description="A ticket is 'due soon' within this window.")
    max_text_length: int = Field(default=20_000, ge=100, description="Longest accepted ticket content.")
    sql_echo: bool = Field(default=False, description="Log every SQL statement (debugging).")
    attachments_dir: Path = Field(
        default=Path("var/attachments"), description="Where files attached to tickets are kept."
    )

    hotline_city: str = Field(
        default="北京市",
        min_length=2,
        max_length=20,
        description="The centre's city (full name, e.g. 成都市): drafts prefer its districts.",
    )
    hotline_area_code: str | None = Field(
        default=None,
        pattern=r"^0[1-9][0-9]{1,2}$",
        description="Its telephone area code for local landlines (default: known for large cities).",
    )

    # -- telephony: the ARI (IVR) side ------------------------------------------------------------
    ari_url: str | None = Field(
        default=None, description="ARI base URL, e.g. http://127.0.0.1:8088/ari; unset = no IVR."
    )
    ari_username: str = Field(default="hotline", description="ARI user (ari.conf).")
    ari_password: SecretStr | None = Field(default=None, description="ARI password; required with ari_url.")
    ari_app: str = Field(
        default="hotline-ivr", description="Stasis app of the IVR; the audio taps use `<app>-media`."
    )
    recordings_dir: Path = Field(
        default=Path("/var/spool/asterisk/recording"),
        description="Where Asterisk's ARI recordings appear on this host (the drafts point there).",
    )
    ivr_opens: time | None = Field(default=None, description="Agent floor opens (None: around the clock).")
    ivr_closes: time | None = Field(default=None, description="Agent floor closes (out of hours: a message).")
    ivr_workdays_only: bool = Field(
        default=False, description="Closed on holidays and weekends (调休 aware)."
    )
    ivr_speech_menu: bool = Field(
        default=False,
        description="Also take the menu choice by voice (grammar recognition with asr_menu_model).",
    )
    ivr_speech_language: str = Field(
        default="zh",
        pattern=r"^[a-z]{2,3}$",
        description="Language of the speech-menu phrase list in the prompt catalogue (zh; ko for tests).",
    )
    ivr_speech_min_confidence: float = Field(
        default=0.0, ge=0.0, le=1.0, description="A recognised phrase less sure than this is a miss."
    )
    ivr_emergency_screen: bool = Field(
        default=True,
        description="Read each description for an emergency (110/119/120/122) before the caller waits "
        "(needs the transcript model): redirect notice, front of the queue.",
    )
    ivr_callback_offer_seconds: float = Field(
        default=0,
        ge=0,
        le=3600,
        description="Offer 按1保留排队位置，稍后回电 when the estimated wait reaches this (s; 0: never; "
        "needs the outbound dialer).",
    )
    ivr_callback_handle_seconds: float = Field(
        default=180, gt=0, le=3600, description="Talk time per call the wait estimate assumes before history."
    )

    # -- telephony: the AMI side (agents, queues, screen pop) --------------------------------------
    ami_host: str | None = Field(
        default=None, description="AMI host of the Asterisk; unset = no agent bridge."
    )
    ami_port: int = Field(default=5038, ge=1, le=65535, description="AMI port.")
    ami_username: str = Field(default="hotline", description="AMI user (manager.conf).")
    ami_secret: SecretStr | None = Field(default=None, description="AMI secret; required with ami_host.")
    service_level_seconds: float = Field(
        default=20.0, gt=0, le=600, description="Answered within this long counts for the service level."
    )

    # -- outbound calls: 回访 surveys and callbacks ------------------------------------------------
    outbound: bool = Field(
        default=False,
        description="Run the outbound dialer (回访 surveys, missed-call callbacks) inside `hotline serve`.",
    )
    outbound_provider: str = Field(
        default="ami", pattern="^(ami|twilio)$", description="Who places survey calls: ami | twilio."
    )
    outbound_windows: str = Field(
        default="09:00-12:00,14:00-20:00", description="Calling windows (Asia/Shanghai), comma separated."
    )
    outbound_workdays_only: bool = Field(
        default=True, description="Call only on working days of the calendar (holidays and 调休 honoured)."
    )
    outbound_pace: float = Field(default=1.0, gt=0, le=50, description="Originates per second, at most.")
    outbound_max_concurrent: int = Field(default=10, ge=1, le=500, description="Outbound calls at once.")
    outbound_max_attempts: int = Field(default=3, ge=1, le=10, description="Attempts before the manual list.")
    outbound_retry_minutes: float = Field(default=30, ge=0, le=24 * 60, description="Spacing of attempts.")
    outbound_schedule_seconds: float = Field(
        default=30, gt=0, le=3600, description="How often new survey and missed-call jobs are made."
    )
    outbound_callback_hold_minutes: int = Field(
        default=30, ge=1, le=240, description="How long a kept queue place waits for an agent per attempt."
    )
    outbound_ring_seconds: int = Field(
        default=45, ge=5, le=120, description="How long a citizen's phone rings."
    )
    survey_delay_workdays: int = Field(
        default=1, ge=0, le=10, description="回访 from this many working days after 办结 (0: at once)."
    )
    survey_app: str = Field(default="hotline-survey", description="Stasis app of the 回访 survey (dialplan).")
    survey_answer_seconds: float = Field(default=8, gt=0, le=60, description="Time for a key per question.")
    survey_comment: bool = Field(default=True, description="Offer a spoken comment after the questions.")
    twilio_account_sid: str | None = Field(default=None, description="Twilio account (provider twilio).")
    twilio_auth_token: SecretStr | None = Field(
        default=None, description="Twilio auth token: signs webhooks and authenticates the REST calls."
    )
    twilio_from: str | None = Field(default=None, description="The hotline's Twilio number (E.164).")
    twilio_public_url: str | None = Field(
        default=None, description="Public base URL of this server as Twilio reaches it (webhooks)."
    )
    twilio_api_url: str | None = Field(
        default=None, description="Twilio REST base URL override (a stand-in server for tests)."
    )
    sms_receipts: bool = Field(default=False, description="Text the ticket number after 登记 (Twilio).")

    # -- offline speech recognition (Vosk) --------------------------------------------------------
    asr_models_dir: Path = Field(
        default=Path("var/asr-models"), description="Where `hotline asr models install` puts Vosk models."
    )
    asr_transcript_model: str = Field(
        default="vosk-model-cn-0.22", description="Model name (in asr_models_dir) or a directory path."
    )
    asr_menu_model: str = Field(default="vosk-model-small-cn-0.22", description="Model for grammar menus.")
    asr_workers: int = Field(default=2, ge=1, le=64, description="Recognizer threads (one stream each).")
    asr_departments_file: Path | None = Field(
        default=None, description="Keyword → department table for suggestions (TOML); None = built-in."
    )
    asr_live: bool = Field(
        default=False,
        description="Live transcript of queued calls (ARI snoop + externalMedia → Vosk), stored on the call.",
    )
    asr_poll_seconds: float = Field(
        default=2.0, gt=0, le=300, description="How often the draft recognizer looks for pending drafts."
    )

    @model_validator(mode="after")
    def _refuse_unsafe_prod(self) -> Settings:
        if self.profile is Profile.PROD:
            problems = []
            if self.secret_key.get_secret_value() in ("", DEV_SECRET):
                problems.append("HOTLINE_SECRET_KEY must be set to a private value in prod")
            elif len(self.secret_key.get_secret_value()) < 16:
                problems.append("HOTLINE_SECRET_KEY must be at least 16 characters in prod")
            if self.ari_url and not (self.ari_password and self.ari_password.get_secret_value()):
                problems.append("HOTLINE_ARI_PASSWORD must be set when HOTLINE_ARI_URL is set in prod")
            if self.ami_host and not (self.ami_secret and self.ami_secret.get_secret_value()):
                problems.append("HOTLINE_AMI_SECRET must be set when HOTLINE_AMI_HOST is set in prod")
            if not self.database_url:
                problems.append("HOTLINE_DATABASE_URL must be set in prod (e.g. postgresql+psycopg://…)")
            twilio_used = self.outbound_provider == "twilio" or self.sms_receipts
            if twilio_used and not (self.twilio_auth_token and self.twilio_auth_token.get_secret_value()):
                problems.append("HOTLINE_TWILIO_AUTH_TOKEN must be set when Twilio is used in prod")
            if problems:
                raise SettingsError("; ".join(problems))
        return self

    @property
    def effective_database_url(self) -> str:
        """The database URL, with the dev default (a SQLite file) filled in."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> Settings:
    """Build the settings from the environment, an optional ``KEY=VALUE`` file and explicit overrides.

    Environment variables win over the file; explicit overrides win over both.
    """
    path = config_file or os.environ.get("HOTLINE_CONFIG_FILE")
    file_values: dict[str, Any] = {}
    if path:
        file_values = _read_config_file(Path(path))
    env_keys = {k[len("HOTLINE_") :].lower() for k in os.environ if k.startswith("HOTLINE_")}
    merged = {k: v for k, v in file_values.items() if k not in env_keys}
    merged.update(overrides)
    try:
        return Settings(**merged)
    except ValidationError as exc:
        raise SettingsError(_describe(exc)) from None


def _describe(exc: ValidationError) -> str:
    """The problems, each naming its ``HOTLINE_*`` variable, and never echoing a value (secrets!)."""
    problems = []
    for error in exc.errors(include_input=False, include_url=False):
        cause = error.get("ctx", {}).get("error")
        if isinstance(cause, SettingsError):
            problems.append(str(cause))
        else:
            field = ".".join(str(part) for part in error["loc"])
            problems.append(f"HOTLINE_{field.upper()}: {error['msg']}")
    return "; ".join(problems)


def _read_config_file(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise SettingsError(f"config file {path} does not exist")
    values: dict[str, Any] = {}
    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if "=" not in line:
            raise SettingsError(f"{path}:{lineno}: expected KEY=VALUE, got {raw!r}")
        key, value = (part.strip() for part in line.split("=", 1))
        key = key.lower().removeprefix("hotline_")
        values[key] = value.strip('"').strip("'")
    return values
