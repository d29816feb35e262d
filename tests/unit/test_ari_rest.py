"""The REST adapter on an in-memory transport: the requests it builds and the errors it maps.

Response bodies are the ones the real Asterisk 22 sandbox sent (see tests/fixtures/ari).
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from ivr.ari import (
    AriClient,
    AriConflict,
    AriConnectionError,
    AriError,
    AriHttpError,
    AriNotFound,
    AriParseError,
    events_url,
)
from ivr.ari.client import encode_params, media_param
from ivr.ari.errors import http_error
from ivr.ari.websocket import basic_auth_header

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ari"
BASE = "http://127.0.0.1:28088/ari"


# --------------------------------------------------------------------------------------------- pure
def test_error_tree() -> None:
    for cls in (AriConnectionError, AriHttpError, AriNotFound, AriConflict, AriParseError):
        assert issubclass(cls, AriError)
    gone = http_error(404, '{"message":"Channel not found"}', "POST", "/channels/x/answer")
    assert isinstance(gone, AriNotFound)
    assert (gone.status, gone.message) == (404, "Channel not found")
    assert "POST /channels/x/answer" in str(gone)
    assert isinstance(http_error(409, '{"message":"Channel not in Stasis application"}'), AriConflict)
    other = http_error(422, "specified format is unknown")
    assert type(other) is AriHttpError
    assert other.message == ""
    assert other.body == "specified format is unknown"


def test_events_url() -> None:
    assert events_url(BASE, "hotline-ivr") == (
        "ws://127.0.0.1:28088/ari/events?app=hotline-ivr&subscribeAll=false"
    )
    assert events_url("https://pbx.example/ari/", ["a", "b"], subscribe_all=True) == (
        "wss://pbx.example/ari/events?app=a%2Cb&subscribeAll=true"
    )


def test_basic_auth_header() -> None:
    header = basic_auth_header("hotline", "s3:cret")
    assert base64.b64decode(header.removeprefix("Basic ")) == b"hotline:s3:cret"


def test_params_encoding() -> None:
    assert encode_params({"a": None, "b": True, "c": False, "d": 3, "e": "x"}) == {
        "b": "true",
        "c": "false",
        "d": "3",
        "e": "x",
    }
    assert media_param(["sound:hello-world", "sound:beep"]) == "sound:hello-world,sound:beep"
    assert media_param("sound:beep") == "sound:beep"


# --------------------------------------------------------------------------------------------- adapter
Handler = Callable[[httpx.Request], httpx.Response]


def with_client(handler: Handler, body: Callable[[AriClient], Any]) -> Any:
    async def scenario() -> Any:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
            client = AriClient(BASE, "hotline", "pw", "hotline-ivr", http=http)
            result = await body(client)
            await client.aclose()
            assert not http.is_closed  # a shared pool is not ours to close
            return result

    return asyncio.run(scenario())


def test_play_joins_media_and_returns_the_playback_id() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = {"id": "pb-1", "media_uri": "sound:beep", "target_uri": "channel:c.1", "state": "queued"}
        return httpx.Response(201, json=body)

    got = with_client(
        handler, lambda c: c.play("c.1", ["sound:hello-world", "sound:beep"], playback_id="pb-1", lang="en")
    )
    assert got == "pb-1"
    request = seen[0]
    assert request.method == "POST"
    assert request.url.path == "/ari/channels/c.1/play"
    assert request.url.params.get_list("media") == ["sound:hello-world,sound:beep"]
    assert request.url.params["playbackId"] == "pb-1"
    assert request.headers["authorization"] == basic_auth_header("hotline", "pw")


def test_record_parameters() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = {"name": "r1", "format": "wav16", "state": "queued", "target_uri": "channel:c.1"}
        return httpx.Response(201, json=body)

    rec = with_client(
        handler,
        lambda c: c.record("c.1", "r1", max_duration=30, max_silence=4, beep=True, terminate_on="#"),
    )
    assert rec.name == "r1"
    assert rec.state == "queued"
    assert dict(seen[0].url.params) == {
        "name": "r1",
        "format": "wav16",
        "maxDurationSeconds": "30",
        "maxSilenceSeconds": "4",
        "beep": "true",
        "terminateOn": "#",
        "ifExists": "fail",
    }


def test_not_found_and_conflict_are_distinct() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/answer"):
            return httpx.Response(404, json={"message": "Channel not found"})
        exists = "Recording 'r' already exists and can not be overwritten"
        return httpx.Response(409, json={"message": exists})

    with pytest.raises(AriNotFound, match="Channel not found"):
        with_client(handler, lambda c: c.answer("gone.1"))
    with pytest.raises(AriConflict):
        with_client(handler, lambda c: c.record("c.1", "r"))


def test_transport_failure_is_a_connection_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(AriConnectionError):
        with_client(handler, lambda c: c.list_channels())


def test_non_json_body_is_a_parse_error() -> None:
    with pytest.raises(AriParseError):
        with_client(lambda r: httpx.Response(200, text="<html>"), lambda c: c.get_channel("c.1"))


def test_list_channels_and_application_from_recorded_bodies() -> None:
    channels = json.loads((FIXTURES / "rest_channels.json").read_text(encoding="utf-8"))
    app = json.loads((FIXTURES / "rest_application.json").read_text(encoding="utf-8"))

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/ari/channels":
            return httpx.Response(200, json=channels)
        assert request.url.path == "/ari/applications/hotline-ivr"
        return httpx.Response(200, json=app)

    async def both(c: AriClient) -> Any:
        return await c.list_channels(), await c.get_application()

    listed, application = with_client(handler, both)
    assert len(listed) == 4
    assert set(application.channel_ids) == {"1795934157.8", "em-1", "snoop-1"}


def test_originate_into_the_app_with_variables() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"id": "orig-1", "name": "PJSIP/citizens-00000003", "state": "Down"})

    channel = with_client(
        handler,
        lambda c: c.originate(
            "PJSIP/13900000000@citizens",
            app_args=["survey", "T-1"],
            caller_id="12345",
            channel_id="orig-1",
            variables={"SURVEY_TICKET": "T-1"},
        ),
    )
    assert channel.id == "orig-1"
    params = seen[0].url.params
    assert params["app"] == "hotline-ivr"
    assert params["appArgs"] == "survey,T-1"
    assert "context" not in params
    assert json.loads(seen[0].content) == {"variables": {"SURVEY_TICKET": "T-1"}}


def test_path_segments_are_quoted() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    with_client(handler, lambda c: c.delete_stored_recording("calls/2026/r 1"))
    assert seen[0].url.raw_path == b"/ari/recordings/stored/calls%2F2026%2Fr%201"


def test_get_variable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params["variable"] == "HOTLINE_DRAFT_ID":
            return httpx.Response(200, json={"value": "d-42"})
        return httpx.Response(404, json={"message": "Provided variable was not found"})

    assert with_client(handler, lambda c: c.get_variable("c.1", "HOTLINE_DRAFT_ID")) == "d-42"
    with pytest.raises(AriNotFound, match="variable"):
        with_client(handler, lambda c: c.get_variable("c.1", "NOPE"))
