"""Twilio as the other provider, on a real database (SQLite and PostgreSQL).

- Webhooks: a request signed as Twilio signs (the library's ``RequestValidator`` with the account's auth
  token, over the public URL and the form) is taken; unsigned, a tampered body or a tampered URL is refused
  with a typed 403. A whole survey through the webhooks sends an unsolved matter back to its unit.
- REST: the Twilio cloud is not reachable here, so the library talks to a stand-in server on loopback that
  records what it actually sends (calls with the survey and status URLs, SMS receipts) and answers as
  Twilio does, or refuses as Twilio does.
"""

from __future__ import annotations

import base64
import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from apiharness import Api
from test_outbound_service import POLICY, dial, finished, schedule, session, state
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from ticketing.db.engine import make_sessionmaker
from ticketing.outbound.service import Dial, OutboundService
from ticketing.surveys.twilio import webhooks
from ticketing.surveys.twilio.calls import STATUS_EVENTS, TwilioCallFailed, TwilioSurveyCalls
from ticketing.surveys.twilio.config import TwilioConfig, make_client
from ticketing.surveys.twilio.models import SmsReceipt
from ticketing.surveys.twilio.sms import SmsReceipts, send_due

SID = "AC" + "1f" * 16
TOKEN = "twilio-test-auth-token-0123456789"
PUBLIC = "https://hotline.example.test"
CONFIG = TwilioConfig(account_sid=SID, auth_token=TOKEN, from_number="+861012345000", public_base_url=PUBLIC)


@pytest.fixture
def twilio_api(api: Api) -> Api:
    """The API with Twilio's webhooks mounted, as ``hotline serve`` mounts them when Twilio is configured."""
    webhooks.install(api.client.app, CONFIG, policy=POLICY)  # type: ignore[arg-type]
    return api


def post(
    api: Api,
    path: str,
    params: dict[str, str],
    *,
    signed_url: str | None = None,
    signed_params: dict[str, str] | None = None,
    signature: str | None = None,
) -> httpx.Response:
    """POST a form as Twilio does, signed over ``signed_url``/``signed_params`` (default: what is sent)."""
    if signature is None:
        url = signed_url or PUBLIC + path
        signature = RequestValidator(TOKEN).compute_signature(url, signed_params or params)
    headers = {"X-Twilio-Signature": signature} if signature else {}
    return api.client.post(path, data=params, headers=headers)


def begun(api: Api, phone: str = "13800138000") -> tuple[str, uuid.UUID, uuid.UUID]:
    """A finished ticket, its survey job and a begun attempt: ``(number, job_id, attempt_id)``."""
    number = finished(api, phone)
    (job_id,) = schedule(api)
    return number, job_id, dial(api, job_id)


def next_action(xml: str) -> str:
    """The path and query of the ``<Gather action=…>`` in a TwiML answer."""
    start = xml.index('action="') + len('action="')
    url = xml[start : xml.index('"', start)].replace("&amp;", "&")
    assert url.startswith(PUBLIC), url
    return url[len(PUBLIC) :]


# -- webhooks ------------------------------------------------------------------------------------------


def test_a_survey_through_the_webhooks_sends_an_unsolved_matter_back(twilio_api: Api) -> None:
    api = twilio_api
    number, job_id, attempt = begun(api)
    path = f"/twilio/survey/{attempt}"
    first = post(api, path, {"CallSid": "CA01", "CallStatus": "in-progress"})
    assert first.status_code == 200, first.text
    assert first.headers["content-type"].startswith("application/xml")
    assert "<Gather" in first.text
    assert "夜间施工噪音" in first.text  # the greeting names the matter
    q2 = post(api, next_action(first.text), {"CallSid": "CA01", "Digits": "2"})  # 2: not solved
    assert q2.status_code == 200, q2.text
    thanks = post(api, next_action(q2.text), {"CallSid": "CA01", "Digits": "3"})  # 3: unsatisfied
    assert thanks.status_code == 200, thanks.text
    assert "<Hangup" in thanks.text
    done = post(api, f"/twilio/status/{attempt}", {"CallSid": "CA01", "CallStatus": "completed"})
    assert done.status_code == 204, done.text
    again = post(api, f"/twilio/status/{attempt}", {"CallSid": "CA01", "CallStatus": "completed"})
    assert again.status_code == 204  # Twilio retries: the same news changes nothing

    ticket = api.ok("agent", "GET", f"/tickets/{number}")
    assert (ticket["status"], ticket["redo_count"], ticket["satisfaction"]) == (
        "dispatched",
        1,
        "unsatisfied",
    )
    assert state(api, job_id)[0] == "done"
    with session(api) as s:
        assert OutboundService(s).attempt(attempt).provider_ref == "CA01"


def test_unsigned_and_tampered_requests_are_refused_with_a_typed_403(twilio_api: Api) -> None:
    api = twilio_api
    number, _, attempt = begun(api)
    path = f"/twilio/status/{attempt}"
    busy = {"CallSid": "CA02", "CallStatus": "busy"}
    refused = [
        post(api, path, busy, signature=""),  # no signature at all
        post(api, path, busy, signature="bm90IGEgc2lnbmF0dXJl"),  # made up
        post(api, path, busy, signed_params={**busy, "CallStatus": "ringing"}),  # body changed after signing
        post(api, path, busy, signed_url=f"{PUBLIC}/twilio/status/{uuid.uuid4()}"),  # signed for another URL
        post(api, path, busy, signed_url=f"http://hotline.example.test{path}"),  # another scheme
    ]
    for response in refused:
        assert response.status_code == 403, response.text
        assert response.json()["error_id"] == "twilio_signature_invalid"
    with session(api) as s:
        assert OutboundService(s).attempt(attempt).outcome is None  # nothing was recorded
    assert api.ok("agent", "GET", f"/tickets/{number}")["status"] == "completed"

    taken = post(api, path, busy)
    assert taken.status_code == 204, taken.text
    with session(api) as s:
        assert OutboundService(s).attempt(attempt).outcome == "busy"


def test_signed_garbage_gets_typed_4xx_not_500(twilio_api: Api) -> None:
    api = twilio_api
    _, _, attempt = begun(api)
    bad_step = post(api, f"/twilio/survey/{attempt}?p=x&q=mood&t=9", {"Digits": "1"})
    assert bad_step.status_code == 422, bad_step.text
    assert bad_step.json()["error_id"] == "invalid_input"
    unknown = post(api, f"/twilio/status/{uuid.uuid4()}", {"CallStatus": "completed"})
    assert unknown.status_code == 404, unknown.text
    not_a_uuid = post(api, "/twilio/status/not-a-uuid", {"CallStatus": "completed"})
    assert not_a_uuid.status_code == 422, not_a_uuid.text


# -- the REST side against a stand-in ------------------------------------------------------------------


@dataclass
class StandIn:
    """A loopback server answering the Twilio REST paths the hotline uses, recording every request."""

    refuse: bool = False
    requests: list[dict[str, Any]] = field(default_factory=list)
    base: str = ""


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    record = StandIn()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            form = parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
            record.requests.append(
                {"path": urlsplit(self.path).path, "headers": dict(self.headers), "form": form}
            )
            if record.refuse:
                body = {
                    "code": 21211,
                    "message": "The 'To' number is not a valid phone number.",
                    "status": 400,
                }
                self._answer(400, body)
            elif self.path.endswith("/Calls.json"):
                self._answer(201, {"sid": f"CA{len(record.requests):032d}", "status": "queued"})
            elif self.path.endswith("/Messages.json"):
                self._answer(201, {"sid": f"SM{len(record.requests):032d}", "status": "queued"})
            else:
                self._answer(404, {"code": 20404, "message": "not found", "status": 404})

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    record.base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield record
    finally:
        server.shutdown()
        server.server_close()


def via(stand_in: StandIn) -> TwilioConfig:
    return TwilioConfig(SID, TOKEN, CONFIG.from_number, PUBLIC, api_base_url=stand_in.base)


def begun_dial(api: Api) -> Dial:
    number = finished(api)
    (job_id,) = schedule(api)
    with session(api) as s, s.begin():
        d = OutboundService(s, now=api.clock).begin_attempt(job_id)
    assert number
    return d


def test_a_survey_call_is_placed_with_the_urls_twilio_will_call(api: Api, stand_in: StandIn) -> None:
    d = begun_dial(api)
    sid = TwilioSurveyCalls(via(stand_in), ring_timeout_s=30).place(d)
    assert sid.startswith("CA")
    (sent,) = stand_in.requests
    assert sent["path"] == f"/2010-04-01/Accounts/{SID}/Calls.json"
    auth = base64.b64decode(sent["headers"]["Authorization"].split()[1]).decode()
    assert auth == f"{SID}:{TOKEN}"
    form = sent["form"]
    assert form["To"] == [d.phone]
    assert form["From"] == [CONFIG.from_number]
    assert form["Url"] == [f"{PUBLIC}/twilio/survey/{d.attempt_id}"]
    assert form["StatusCallback"] == [f"{PUBLIC}/twilio/status/{d.attempt_id}"]
    assert form["StatusCallbackEvent"] == STATUS_EVENTS
    assert form["Timeout"] == ["30"]


def test_a_call_twilio_refuses_is_a_clear_error(api: Api, stand_in: StandIn) -> None:
    stand_in.refuse = True
    with pytest.raises(TwilioCallFailed, match="HTTP 400, Twilio error 21211"):
        TwilioSurveyCalls(via(stand_in)).place(begun_dial(api))


def test_sms_receipts_are_sent_once_and_follow_the_delivery_news(api: Api, stand_in: StandIn) -> None:
    mobile = api.new_ticket(title="噪音扰民", caller={"name": "李四", "phone": "13900139000"})["number"]
    api.new_ticket(title="保密来电", caller={"name": "王五", "phone": "13700137000", "confidential": True})
    api.new_ticket(title="座机来电", caller={"name": "赵六", "phone": "010-6512 3456"})
    sessions = make_sessionmaker(api.engine)
    with sessions.begin() as s:
        made = SmsReceipts(s, now=api.clock).schedule()
        assert [r.phone for r in made] == ["+8613900139000"]  # no text to a 保密 caller or a landline
    client = make_client(via(stand_in))
    assert send_due(sessions, client, via(stand_in), now=api.clock) == 1
    assert send_due(sessions, client, via(stand_in), now=api.clock) == 0  # sent once
    (sent,) = stand_in.requests
    assert sent["path"] == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert sent["form"]["To"] == ["+8613900139000"]
    assert mobile in sent["form"]["Body"][0]
    with session(api) as s:
        (receipt,) = s.query(SmsReceipt).all()
        assert receipt.state == "sent"
        assert sent["form"]["StatusCallback"] == [f"{PUBLIC}/twilio/sms/{receipt.id}"]

    webhooks.install(api.client.app, CONFIG, policy=POLICY)  # type: ignore[arg-type]
    news = post(
        api,
        f"/twilio/sms/{receipt.id}",
        {"MessageSid": receipt.provider_ref or "", "MessageStatus": "delivered"},
    )
    assert news.status_code == 204, news.text
    late = post(
        api, f"/twilio/sms/{receipt.id}", {"MessageSid": receipt.provider_ref or "", "MessageStatus": "sent"}
    )
    assert late.status_code == 204
    with session(api) as s:
        assert s.get(SmsReceipt, receipt.id).state == "delivered"  # type: ignore[union-attr]  # never back
