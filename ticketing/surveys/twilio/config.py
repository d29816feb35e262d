"""The Twilio account as the hotline uses it, and the REST client built from it.

``api_base_url`` points the REST client at another server (a stand-in for tests, a recording proxy):
the twilio library always builds ``https://api.twilio.com/…`` URLs, so the client's HTTP transport
rewrites that prefix before sending.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from twilio.base.exceptions import (  # type: ignore[import-untyped]
    TwilioRestException,
    TwilioServiceException,
)
from twilio.http.http_client import TwilioHttpClient  # type: ignore[import-untyped]
from twilio.http.response import Response  # type: ignore[import-untyped]
from twilio.rest import Client  # type: ignore[import-untyped]

TWILIO_API = "https://api.twilio.com"


@dataclass(frozen=True)
class TwilioConfig:
    """One Twilio account: who we are, the number we call and text from, and where Twilio reaches us.

    ``public_base_url`` is this server as Twilio sees it (``https://hotline.example.gov.cn``, no trailing
    slash needed); webhook URLs are built from it and signatures are checked against it.
    """

    account_sid: str
    auth_token: str
    from_number: str  # E.164, a Twilio number of the account
    public_base_url: str
    api_base_url: str | None = None

    def __post_init__(self) -> None:
        if not self.account_sid or not self.auth_token:
            raise ValueError("a Twilio account needs its account SID and auth token")
        if not self.public_base_url.startswith(("http://", "https://")):
            raise ValueError(f"public_base_url {self.public_base_url!r} is not an http(s) URL")
        object.__setattr__(self, "public_base_url", self.public_base_url.rstrip("/"))
        if self.api_base_url is not None:
            object.__setattr__(self, "api_base_url", self.api_base_url.rstrip("/"))

    def public_url(self, path: str) -> str:
        """The public URL of one of our paths (``/twilio/…``)."""
        return self.public_base_url + path


class RedirectingHttpClient(TwilioHttpClient):  # type: ignore[misc]
    """The library's own HTTP transport, sending ``https://api.twilio.com/…`` to ``base_url`` instead."""

    def __init__(self, base_url: str, *, timeout: float | None = 10.0) -> None:
        super().__init__(timeout=timeout)
        self.base_url = base_url.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        if url.startswith(TWILIO_API):
            url = self.base_url + url[len(TWILIO_API) :]
        return super().request(method, url, *args, **kwargs)


def make_client(config: TwilioConfig, *, timeout: float = 10.0) -> Client:
    """A REST client for ``config`` (through ``api_base_url`` when set). ``timeout``: seconds per request
    (the library waits forever by default)."""
    http_client = (
        RedirectingHttpClient(config.api_base_url, timeout=timeout)
        if config.api_base_url
        else TwilioHttpClient(timeout=timeout)
    )
    return Client(config.account_sid, config.auth_token, http_client=http_client)


def error_text(exc: BaseException) -> str:
    """What went wrong with a REST request, in one line. (``str()`` of the library's exceptions is a
    coloured multi-line banner whenever stderr is a terminal, so it is never used for them.)"""
    if isinstance(exc, TwilioRestException):
        return f"HTTP {exc.status}, Twilio error {exc.code}: {exc.msg}"
    if isinstance(exc, TwilioServiceException):
        detail = f": {exc.detail}" if exc.detail else ""
        return f"HTTP {exc.status}, Twilio error {exc.code}: {exc.title}{detail}"
    return f"{type(exc).__name__}: {exc}"
