"""The Twilio voice adapter's pieces: the signature matches Twilio's own published
example, and each call-control action renders the TwiML verb it stands for."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from switchdesk.adapters.channels.sms import twilio_signature, verify_twilio_signature
from switchdesk.adapters.channels.twilio_voice import render_twiml
from switchdesk.domain.voice.actions import (
    Gather,
    HangUp,
    Hold,
    Play,
    Record,
    RingAgent,
    Say,
    Transfer,
)
from switchdesk.usecases.voice.calls import CallReply

# The voice request in twilio-ruby's spec/util/request_validator_spec.rb (an independent,
# published example: token, URL, form and the signature Twilio computed for them).
RUBY_TOKEN = "2bd9e9638872de601313dc77410d3b23"
RUBY_URL = "http://twiliotests.heroku.com/validate/voice"
RUBY_PARAMS = {
    "ToState": "California",
    "CalledState": "California",
    "Direction": "inbound",
    "FromState": "CA",
    "AccountSid": "ACba8bc05eacf94afdae398e642c9cc32d",
    "Caller": "+14153595711",
    "CallerZip": "94108",
    "CallerCountry": "US",
    "From": "+14153595711",
    "FromCity": "SAN FRANCISCO",
    "CallerCity": "SAN FRANCISCO",
    "To": "+14157669926",
    "FromZip": "94108",
    "FromCountry": "US",
    "ToCity": "",
    "CallStatus": "ringing",
    "CalledCity": "",
    "CallerState": "CA",
    "CalledZip": "",
    "ToZip": "",
    "ToCountry": "US",
    "CallSid": "CA136d09cd59a3c0ec8dbff44da5c03f31",
    "CalledCountry": "US",
    "Called": "+14157669926",
    "ApiVersion": "2010-04-01",
    "ApplicationSid": "AP44efecad51364e80b133bb7c07eb8204",
}
RUBY_SIGNATURE = "oVb2kXoVy8GEfwBDjR8bk/ZZ6eA="


def test_the_signature_matches_twilios_published_voice_example() -> None:
    assert twilio_signature(RUBY_URL, RUBY_PARAMS, RUBY_TOKEN) == RUBY_SIGNATURE
    assert verify_twilio_signature(RUBY_URL, RUBY_PARAMS, RUBY_SIGNATURE, [RUBY_TOKEN])
    other_url = RUBY_URL.replace("twiliotests", "elsewhere")
    assert not verify_twilio_signature(other_url, RUBY_PARAMS, RUBY_SIGNATURE, [RUBY_TOKEN])


def url(event: str) -> str:
    return f"https://c.example/webhooks/voice/line?on={event}&n=3"


def test_a_menu_renders_a_dtmf_gather_with_its_action_and_a_redirect_on_silence() -> None:
    reply = CallReply((Gather((Say("Press 1.", "fr"), Play("https://m/1.wav")), 1, 5),), "ivr", 3)
    root = ET.fromstring(render_twiml(reply, url))
    gather, redirect = list(root)
    assert gather.tag == "Gather" and gather.attrib == {
        "input": "dtmf",
        "numDigits": "1",
        "timeout": "5",
        "action": url("input"),
        "method": "POST",
    }
    say, play = list(gather)
    assert (say.tag, say.get("language"), say.text) == ("Say", "fr-FR", "Press 1.")
    assert (play.tag, play.text) == ("Play", "https://m/1.wav")
    assert redirect.tag == "Redirect" and redirect.text == url("input") + "&timeout=1"


def test_queue_actions_render_hold_loops_dial_record_transfer_and_hangup() -> None:
    waiting = ET.fromstring(render_twiml(CallReply((Say("Hold on."), Hold(15)), "queue", 3), url))
    assert [e.tag for e in waiting] == ["Say", "Pause", "Redirect"]
    assert waiting[1].get("length") == "15" and waiting[2].text == url("wait")
    music = ET.fromstring(
        render_twiml(CallReply((Hold(15, "https://m/hold.mp3"),), "queue", 3), url)
    )
    assert [e.tag for e in music] == ["Play", "Redirect"]
    ring = ET.fromstring(
        render_twiml(CallReply((RingAgent("u1", "sip:u1@agents.example"),), "ringing", 3), url)
    )
    dial = ring[0]
    assert dial.tag == "Dial" and dial.get("action") == url("dial")
    assert dial[0].tag == "Sip" and dial[0].text == "sip:u1@agents.example"
    assert dial[0].get("url") == url("answered")
    number = ET.fromstring(
        render_twiml(CallReply((RingAgent("u1", "+15550100"),), "ringing", 3), url)
    )
    assert number[0][0].tag == "Number"
    end = ET.fromstring(
        render_twiml(CallReply((Record(60), Transfer("+15550100"), HangUp()), "ended", 3), url)
    )
    assert [e.tag for e in end] == ["Record", "Dial", "Hangup"]
    assert end[0].get("maxLength") == "60" and end[0].get("action") == url("record")
    assert end[1][0].text == "+15550100"
