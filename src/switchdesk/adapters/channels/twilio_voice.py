"""Twilio voice: signed webhooks in, TwiML out, for the same IVR flow and queue as every
other voice adapter.

Twilio POSTs a form to ``/webhooks/voice/<slug>`` when a call comes in, and to the URLs
our TwiML names as it goes on (``?on=input`` for a gather's digits, ``?on=record``,
``?on=wait`` for the hold loop, ``?on=answered`` when the agent's leg picks up,
``?on=dial`` when it ends); status callbacks go to ``/webhooks/voice-status/<slug>``.
Every request must carry ``X-Twilio-Signature`` over the CONFIGURED public URL (with its
query) and the sorted form: otherwise 403, nothing done. Each URL carries the call's
turn number ``n``, so a retried request (same call, same event) is answered with the
TwiML given the first time and nothing happens twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from urllib.parse import parse_qsl, urlencode
from xml.etree import ElementTree as ET

from switchdesk.adapters.channels.sms import SIGNATURE_HEADER, verify_twilio_signature
from switchdesk.domain.conversations.model import Channel, ChannelKind
from switchdesk.domain.errors import SwitchdeskError
from switchdesk.domain.voice.actions import (
    Answer,
    Bridge,
    CallEvent,
    DigitsEntered,
    Gather,
    GatherTimedOut,
    HangUp,
    Hold,
    Play,
    Record,
    RecordingDone,
    RingAgent,
    Say,
    Transfer,
)
from switchdesk.usecases.channel_ports import ChannelEndpoint, WebhookAnswer, WebhookRequest
from switchdesk.usecases.voice.calls import CallReply, VoiceCalls

log = logging.getLogger("switchdesk.voice.twilio")

VOICES = {"en": "en-US", "fr": "fr-FR", "de": "de-DE", "es": "es-ES", "it": "it-IT"}
SID_MAX_CHARS = 128
EVENTS = ("input", "record", "wait", "answered", "dial")


def _say(parent: ET.Element, action: Say | Play) -> None:
    if isinstance(action, Play):
        ET.SubElement(parent, "Play").text = action.url
        return
    say = ET.SubElement(parent, "Say", language=VOICES.get(action.language, action.language))
    say.text = action.text


def _agent_noun(dial: ET.Element, target: str, answered_url: str) -> None:
    if target.startswith("sip:"):
        ET.SubElement(dial, "Sip", url=answered_url).text = target
    elif target.startswith("client:"):
        ET.SubElement(dial, "Client", url=answered_url).text = target.removeprefix("client:")
    else:
        ET.SubElement(dial, "Number", url=answered_url).text = target


def render_twiml(reply: CallReply, url: Callable[[str], str]) -> str:
    """TwiML for ``reply``'s actions; ``url(event)`` is our URL for the call's next
    request of that kind (``input``, ``wait``...), turn number included."""
    root = ET.Element("Response")
    gather_to = "input" if reply.phase == "ivr" else "wait"
    for action in reply.actions:
        if isinstance(action, Say | Play):
            _say(root, action)
        elif isinstance(action, Gather):
            attrs = {
                "input": "dtmf",
                "numDigits": str(action.max_digits),
                "timeout": str(action.timeout_seconds),
                "action": url(gather_to),
                "method": "POST",
            }
            if action.finish_on_key:
                attrs["finishOnKey"] = action.finish_on_key
            gather = ET.SubElement(root, "Gather", attrs)
            for prompt in action.prompts:
                _say(gather, prompt)
            # Nothing entered: Twilio goes on to the next verb.
            ET.SubElement(root, "Redirect", method="POST").text = url(gather_to) + "&timeout=1"
        elif isinstance(action, Record):
            ET.SubElement(
                root,
                "Record",
                maxLength=str(action.max_seconds),
                finishOnKey=action.finish_on_key,
                action=url("record"),
                method="POST",
            )
        elif isinstance(action, Hold):
            if action.music_url:
                ET.SubElement(root, "Play").text = action.music_url
            else:
                ET.SubElement(root, "Pause", length=str(action.seconds))
            ET.SubElement(root, "Redirect", method="POST").text = url("wait")
        elif isinstance(action, RingAgent):
            dial = ET.SubElement(
                root,
                "Dial",
                action=url("dial"),
                method="POST",
                timeout=str(action.timeout_seconds),
            )
            _agent_noun(dial, action.target, url("answered"))
        elif isinstance(action, Transfer):
            dial = ET.SubElement(root, "Dial")
            ET.SubElement(dial, "Number").text = action.number
        elif isinstance(action, HangUp):
            ET.SubElement(root, "Hangup")
        elif isinstance(action, Answer | Bridge):
            pass  # Twilio answers with the first TwiML and bridges a <Dial> itself
    return '<?xml version="1.0" encoding="UTF-8"?>' + ET.tostring(root, encoding="unicode")


def _tokens(endpoint: ChannelEndpoint) -> list[str]:
    names = ("auth_token", "auth_token_previous")
    return [t for t in (endpoint.secret(n) for n in names) if t]


def _form(body: bytes) -> dict[str, str] | None:
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text))
    except (UnicodeDecodeError, ValueError):
        return None
    return dict(pairs)


class TwilioVoiceWebhooks:
    """Twilio's voice webhooks for voice channels (``status``: the status callbacks)."""

    def __init__(
        self,
        endpoint_by_slug: Callable[[ChannelKind, str], ChannelEndpoint | None],
        calls: VoiceCalls,
        *,
        status: bool,
    ) -> None:
        self._endpoint = endpoint_by_slug
        self._calls = calls
        self._status = status

    async def handle(self, slug: str, request: WebhookRequest) -> WebhookAnswer:
        endpoint = self._endpoint(ChannelKind.VOICE, slug)
        if endpoint is None:
            return WebhookAnswer(404, f"no voice channel {slug!r}", "not_found")
        if request.method != "POST":
            return WebhookAnswer(405, "webhooks are POSTed", "method_not_allowed")
        tokens = _tokens(endpoint)
        if not tokens or not request.public_url:
            return WebhookAnswer(
                403, "this channel has no auth token or public URL configured", "not_configured"
            )
        header = request.headers.get(SIGNATURE_HEADER.lower())
        if not header:
            return WebhookAnswer(403, "the request is not signed", "signature_invalid")
        params = _form(request.body)
        if params is None:
            return WebhookAnswer(400, "the body is not a UTF-8 form", "voice_form_invalid")
        if not verify_twilio_signature(request.public_url, params, header, tokens):
            return WebhookAnswer(
                403, "the signature does not match this URL and form", "signature_invalid"
            )
        sid = params.get("CallSid", "")
        on = request.query.get("on", "")
        if on == "answered":  # the agent's leg: its own CallSid, the caller's in our URL
            sid = request.query.get("call", "")
        if not sid or len(sid) > SID_MAX_CHARS or (on and on not in EVENTS):
            return WebhookAnswer(400, "a voice webhook needs its CallSid", "voice_form_invalid")
        try:
            return await asyncio.to_thread(self._answer, endpoint.channel, request, params, sid, on)
        except SwitchdeskError as exc:
            log.warning("voice webhook refused: %s", exc.code)
            return WebhookAnswer(409 if exc.code == "call_unknown" else 503, exc.detail, exc.code)

    def _answer(
        self,
        channel: Channel,
        request: WebhookRequest,
        params: Mapping[str, str],
        sid: str,
        on: str,
    ) -> WebhookAnswer:
        if self._status:
            status = params.get("CallStatus", "")
            key = f"status:{status}"

            def ended() -> str:
                duration = params.get("CallDuration", "0")
                seconds = int(duration) if duration.isdigit() else 0
                self._calls.ended(channel, sid, status, seconds)
                return "<Response/>"

            body = self._calls.answer_once(channel.id, sid, key, ended)
            return WebhookAnswer(200, body, media_type="application/xml")
        base = request.public_url.split("?", 1)[0]
        turn = request.query.get("n", "0")
        key = f"{on or 'incoming'}:{turn}"

        def compute() -> str:
            reply = self._reply(channel, params, sid, on, request.query)
            return render_twiml(
                reply,
                lambda event: f"{base}?{urlencode({'on': event, 'n': reply.turn, 'call': sid})}",
            )

        body = self._calls.answer_once(channel.id, sid, key, compute)
        return WebhookAnswer(200, body, media_type="application/xml")

    def _reply(
        self,
        channel: Channel,
        params: Mapping[str, str],
        sid: str,
        on: str,
        query: Mapping[str, str],
    ) -> CallReply:
        calls = self._calls
        if not on:
            return calls.incoming(channel, sid, params.get("From", ""), params.get("To", ""))
        if on == "input":
            return calls.ivr_input(channel, sid, self._input(params, query))
        if on == "record":
            duration = params.get("RecordingDuration", "0")
            event: CallEvent = RecordingDone(
                params.get("RecordingUrl", ""),
                int(duration) if duration.isdigit() else 0,
                calls.now(),
            )
            return calls.ivr_input(channel, sid, event)
        if on == "wait":
            return calls.waiting(channel, sid, params.get("Digits") or None)
        if on == "answered":
            return calls.agent_answered(channel, sid)
        return calls.dial_ended(channel, sid, params.get("DialCallStatus", ""))

    def _input(self, params: Mapping[str, str], query: Mapping[str, str]) -> CallEvent:
        digits = params.get("Digits", "")
        now = self._calls.now()
        if query.get("timeout") or not digits:
            return GatherTimedOut(now)
        return DigitsEntered(digits[:64], now)
