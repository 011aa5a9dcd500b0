"""The sample IVR flow through the Twilio adapter, from outside, with signed synthetic
webhooks: a call navigates the IVR with DTMF, is enqueued, hears its position, an agent
accepts on the desk, the next TwiML dials the agent, the status callback completes it.
Unsigned, forged and foreign-URL requests are refused 403; replays are idempotent; a
malformed form gets problem+json; abandon and callback are recorded with their waits;
a call keeps the flow version it started with."""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from fastapi.testclient import TestClient

from switchdesk.adapters.channels.sms import twilio_signature
from switchdesk.bootstrap import Runtime, build_runtime, migrate
from switchdesk.config import Settings
from switchdesk.domain.conversations.model import ChannelKind
from switchdesk.usecases.demo_center import seed_demo_center
from switchdesk.usecases.principal import Principal
from switchdesk.web.app import create_app
from tests.conftest import FAST_HASHER
from tests.domain.voice.sample_flow import ALLOW_LIST, sample_flow
from tests.live.conftest import HandClock

AUTH_TOKEN = "twilio-auth-token"
PUBLIC = "https://center.example.net"
OUR_NUMBER = "+15557654321"
CALLER = "+15551234567"
VALID_ACCOUNT = "79927398713"


@dataclass
class Line:
    client: TestClient
    runtime: Runtime
    clock: HandClock
    admin: dict[str, str]
    agents: dict[str, dict[str, str]]
    channel_id: str

    def post(
        self, url: str, params: dict[str, str], *, token: str = AUTH_TOKEN, signed_url: str = ""
    ) -> Any:
        """POST a form to one of our URLs (absolute, as our TwiML names them), signed the
        way Twilio signs it (over ``signed_url``, default: the URL itself)."""
        path = url.removeprefix(PUBLIC)
        signature = twilio_signature(signed_url or url, params, token)
        return self.client.post(
            path,
            content=urllib.parse.urlencode(params).encode(),
            headers={
                "content-type": "application/x-www-form-urlencoded",
                "x-twilio-signature": signature,
            },
        )

    def call(self, sid: str) -> Any:
        return self.post(f"{PUBLIC}/webhooks/voice/line", call_params(sid))

    def status(self, sid: str, status: str, duration: str = "0") -> Any:
        params = {**call_params(sid), "CallStatus": status, "CallDuration": duration}
        return self.post(f"{PUBLIC}/webhooks/voice-status/line", params)

    def available(self, agent: str) -> None:
        answer = self.client.put(
            "/api/v1/desk/presence", json={"presence": "available"}, headers=self.agents[agent]
        )
        assert answer.status_code == 200, answer.text

    def accept_offer(self, agent: str) -> str:
        desk = self.client.get("/api/v1/desk", headers=self.agents[agent]).json()
        (offer,) = desk["offers"]
        accepted = self.client.post(
            f"/api/v1/desk/offers/{offer['id']}/accept", headers=self.agents[agent]
        )
        assert accepted.status_code == 200, accepted.text
        return str(offer["conversation_id"])

    def log(self, sid: str) -> list[tuple[str, dict[str, Any]]]:
        return [(e.event, dict(e.data)) for e in self.runtime.voice.log_of(self.channel_id, sid)]

    def waiting(self) -> list[str]:
        op = Principal.operator("t")
        live = self.runtime.live
        return [c for q in live.queues(op) for c in live.waiting(q.id)]


def call_params(sid: str, **more: str) -> dict[str, str]:
    return {
        "CallSid": sid,
        "AccountSid": "AC0123456789abcdef0123456789abcdef",
        "From": CALLER,
        "To": OUR_NUMBER,
        "CallStatus": "ringing",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
        **more,
    }


def twiml(answer: Any) -> ET.Element:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/xml")
    return ET.fromstring(answer.text)


def spoken(root: ET.Element) -> str:
    return " ".join(e.text or "" for e in root.iter("Say"))


def gather_url(root: ET.Element) -> str:
    gather = root.find("Gather")
    assert gather is not None, ET.tostring(root)
    return str(gather.get("action"))


def redirect_url(root: ET.Element) -> str:
    redirect = root.find("Redirect")
    assert redirect is not None and redirect.text, ET.tostring(root)
    return redirect.text


def press(line: Line, root: ET.Element, sid: str, digits: str) -> ET.Element:
    return twiml(line.post(gather_url(root), call_params(sid, Digits=digits)))


@pytest.fixture
def line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Line]:
    monkeypatch.setenv("SWITCHDESK_SECRET_TWILIO", AUTH_TOKEN)
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'voice.db'}",
        public_url=PUBLIC,
        voice_transfer_allow_list=sorted(ALLOW_LIST),
    )
    migrate(settings)
    clock = HandClock()  # Monday 23 November 2026, 11:00 in Paris: open
    runtime = build_runtime(settings, hasher=FAST_HASHER, clock=clock)
    runtime.live.start()
    seed_demo_center(runtime.accounts, runtime.live, lambda: "demo password 1")
    op = Principal.operator("t")
    support = next(q for q in runtime.live.queues(op) if q.name == "Northwind support")
    channel = runtime.live.create_channel(
        op,
        slug="line",
        name="Northwind phone line",
        queue_id=support.id,
        kind=ChannelKind.VOICE,
        address=OUR_NUMBER,
        settings={
            "secrets": {"auth_token": "TWILIO"},
            "flow": "support-line",
            "agent_dial": "sip:{agent_id}@agents.example.net",
            "hold_seconds": 15,
        },
    )
    acc = runtime.accounts

    def bearer(username: str) -> dict[str, str]:
        token = acc.issue_token(op, acc.find_user(op, username).id, "t").secret
        return {"authorization": f"Bearer {token}"}

    with TestClient(create_app(runtime)) as client:
        world = Line(
            client,
            runtime,
            clock,
            bearer("ops"),
            {"agent": bearer("agent"), "agent3": bearer("agent3")},
            channel.id,
        )
        stored = client.put(
            "/api/v1/voice/flows/support-line", json=sample_flow(), headers=world.admin
        )
        assert stored.status_code == 200, stored.text
        yield world
    runtime.close()


def test_a_signed_call_goes_through_the_ivr_and_queue_to_the_agent_and_completes(
    line: Line,
) -> None:
    sid = "CA00000000000000000000000000000001"
    root = twiml(line.call(sid))
    assert "For English press 1" in spoken(root)
    gather = root.find("Gather")
    assert gather is not None and gather.get("input") == "dtmf" and gather.get("numDigits") == "1"
    root = press(line, root, sid, "1")  # English
    root = press(line, root, sid, "1")  # billing
    assert "account number" in spoken(root)
    root = press(line, root, sid, "79927398710")  # a typo: the check digit is wrong
    assert "not valid" in spoken(root)
    root = press(line, root, sid, VALID_ACCOUNT)
    assert "7 9 9 2 7 3 9 8 7 1 3" in spoken(root)  # read back
    confirm_url = gather_url(root)
    confirmed = line.post(confirm_url, call_params(sid, Digits="1"))
    root = twiml(confirmed)  # confirmed: into the billing queue
    # Nobody of the billing queue is available yet: the caller hears so, not a guess.
    assert "You are number 1 in line" in spoken(root)
    assert "No agent is available right now" in spoken(root)
    assert "estimated wait" not in spoken(root)
    assert root.find("Pause") is not None  # hold, then ask again
    (conv_id,) = line.waiting()

    # Twilio retries the confirmation (same URL, same form): same TwiML, not enqueued twice.
    again = line.post(confirm_url, call_params(sid, Digits="1"))
    assert again.status_code == 200 and again.text == confirmed.text
    assert line.waiting() == [conv_id]
    assert line.call(sid).text.count("For English press 1") == 1  # the incoming call, replayed
    assert line.waiting() == [conv_id]

    line.clock.move(40)
    line.available("agent3")  # billing skill
    assert line.accept_offer("agent3") == conv_id
    root = twiml(line.post(redirect_url(root), call_params(sid, CallStatus="in-progress")))
    dial = root.find("Dial")
    assert dial is not None and "Connecting you" in spoken(root)
    sip = dial.find("Sip")
    agent3 = line.runtime.accounts.find_user(Principal.operator("t"), "agent3").id
    assert sip is not None and sip.text == f"sip:{agent3}@agents.example.net"

    # The agent's leg answers (its own CallSid; the caller's is in our URL): bridged.
    answered = line.post(str(sip.get("url")), call_params("CA_AGENT_LEG", CallStatus="in-progress"))
    assert twiml(answered).find("Hangup") is None
    line.clock.move(95)
    assert line.status(sid, "completed", "160").status_code == 200
    assert line.status(sid, "completed", "160").status_code == 200  # a retried callback

    events = [e for e, _ in line.log(sid)]
    assert events[0] == "INCOMING" and "IVR" in events
    assert [e for e in events if e != "IVR"] == [
        "INCOMING",
        "ENTERQUEUE",
        "CONNECT",
        "COMPLETECALLER",
    ]
    data = dict(line.log(sid))
    assert data["CONNECT"]["wait_seconds"] == 40.0
    assert data["COMPLETECALLER"]["talk_seconds"] == 95.0
    detail = line.runtime.live.conversation_detail(Principal.operator("t"), conv_id)
    kinds = [e["kind"] for e in detail["timeline"]]
    assert "ivr_step" in kinds and "call_connected" in kinds and "call_ended" in kinds
    assert detail["channel_kind"] == "voice" and detail["queue_name"] == "Northwind billing"
    assert VALID_ACCOUNT in detail["messages"][0]["text"]


def test_unsigned_forged_and_foreign_url_requests_are_refused_403(line: Line) -> None:
    url = f"{PUBLIC}/webhooks/voice/line"
    params = call_params("CA_FORGED")
    body = urllib.parse.urlencode(params).encode()
    form = {"content-type": "application/x-www-form-urlencoded"}
    unsigned = line.client.post("/webhooks/voice/line", content=body, headers=form)
    forged = line.post(url, params, token="not-the-auth-token")
    foreign = line.post(url, params, signed_url="https://attacker.example.com/webhooks/voice/line")
    tampered = line.client.post(
        "/webhooks/voice/line",
        content=urllib.parse.urlencode({**params, "From": "+19005550000"}).encode(),
        headers={**form, "x-twilio-signature": twilio_signature(url, params, AUTH_TOKEN)},
    )
    for answer in (unsigned, forged, foreign, tampered):
        assert answer.status_code == 403
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["code"] == "signature_invalid"
    assert line.runtime.voice.call(line.channel_id, "CA_FORGED") is None


def test_a_malformed_form_gets_problem_json(line: Line) -> None:
    headers = {
        "content-type": "application/x-www-form-urlencoded",
        "x-twilio-signature": "c2lnbmF0dXJl",
    }
    bad = line.client.post("/webhooks/voice/line", content=b"\xff\xfe=%%", headers=headers)
    assert bad.status_code == 400 and bad.json()["code"] == "voice_form_invalid"
    no_sid = line.post(f"{PUBLIC}/webhooks/voice/line", {"From": CALLER, "To": OUR_NUMBER})
    assert no_sid.status_code == 400 and no_sid.json()["code"] == "voice_form_invalid"


def test_a_caller_who_hangs_up_in_the_queue_abandons_with_the_time_waited(line: Line) -> None:
    sid = "CA_ABANDON"
    root = twiml(line.call(sid))
    root = press(line, root, sid, "1")
    root = press(line, root, sid, "2")  # support
    assert "number 1 in line" in spoken(root)
    (conv_id,) = line.waiting()
    line.clock.move(42)
    assert line.status(sid, "completed", "50").status_code == 200
    assert line.waiting() == []
    data = dict(line.log(sid))
    assert data["ABANDON"]["wait_seconds"] == 42.0
    timeline = line.runtime.live.conversation_detail(Principal.operator("t"), conv_id)["timeline"]
    assert "abandoned" in [e["kind"] for e in timeline]


def test_a_caller_who_takes_the_callback_keeps_the_place_and_leaves_the_line(line: Line) -> None:
    op = Principal.operator("t")
    channel = line.runtime.live.channel_by_id(line.channel_id)
    assert channel is not None
    settings = {**channel.settings, "offer_callback": True}
    line.runtime.live.update_channel(op, line.channel_id, settings=settings)
    first, second = "CA_FIRST", "CA_SECOND"
    for sid in (first, second):
        root = press(line, press(line, twiml(line.call(sid)), sid, "1"), sid, "2")
    assert "number 2 in line" in spoken(root) and "called back" in spoken(root)
    order = line.waiting()
    root = press(line, root, second, "1")  # the callback key, while waiting
    assert "call you back" in spoken(root) and root.find("Hangup") is not None
    assert line.status(second, "completed", "30").status_code == 200
    assert line.waiting() == order  # the place in line is kept
    status = line.runtime.live.engine.interaction_status(f"{order[1]}/1")
    assert status["channel_kind"] == "callback"
    assert [e for e, _ in line.log(second) if e != "IVR"] == ["INCOMING", "ENTERQUEUE", "CALLBACK"]


def test_a_call_keeps_the_flow_version_it_started_with(line: Line) -> None:
    old = "CA_OLD"
    twiml(line.call(old))
    flow = sample_flow()
    flow["nodes"]["language"]["prompt"] = "Welcome to version two. For English press 1."
    stored = line.client.put("/api/v1/voice/flows/support-line", json=flow, headers=line.admin)
    assert stored.status_code == 200 and stored.json()["version"] == 2
    # The call in progress times out of its menu and hears version 1's prompt again.
    root = twiml(
        line.post(
            f"{PUBLIC}/webhooks/voice/line?on=input&n=2&call={old}&timeout=1", call_params(old)
        )
    )
    assert "did not hear" in spoken(root) and "version two" not in spoken(root)
    assert "version two" in spoken(twiml(line.call("CA_NEW")))


def test_an_agent_phone_that_does_not_answer_puts_the_call_back_in_line(line: Line) -> None:
    sid = "CA_NO_ANSWER"
    root = press(line, press(line, twiml(line.call(sid)), sid, "1"), sid, "2")  # support
    (conv_id,) = line.waiting()
    line.available("agent")
    assert line.accept_offer("agent") == conv_id
    root = twiml(line.post(redirect_url(root), call_params(sid)))
    dial = root.find("Dial")
    assert dial is not None
    back = twiml(line.post(str(dial.get("action")), call_params(sid, DialCallStatus="no-answer")))
    # Back in line: the caller holds while the call is offered again (to the same agent,
    # the only one available with the skill), who answers this time, then hangs up.
    assert back.find("Pause") is not None and back.find("Dial") is None
    assert line.accept_offer("agent") == conv_id
    root = twiml(line.post(redirect_url(back), call_params(sid)))
    dial = root.find("Dial")
    assert dial is not None
    sip = dial.find("Sip")
    assert sip is not None
    twiml(line.post(str(sip.get("url")), call_params("CA_LEG_2")))
    line.clock.move(30)
    bye = twiml(line.post(str(dial.get("action")), call_params(sid, DialCallStatus="completed")))
    assert bye.find("Hangup") is not None
    assert line.status(sid, "completed", "80").status_code == 200
    events = [e for e, _ in line.log(sid) if e != "IVR"]
    assert events == ["INCOMING", "ENTERQUEUE", "RINGNOANSWER", "CONNECT", "COMPLETEAGENT"]
    assert dict(line.log(sid))["COMPLETEAGENT"]["talk_seconds"] == 30.0
