"""A local stand-in for the providers' send APIs (WhatsApp Cloud API, Messenger Send API,
Twilio Messages), on 127.0.0.1, speaking their documented request and answer formats.

It checks the path, the auth header and the body fields; a request that breaks the format
gets a 422 (which the senders turn into a permanent failure, so a contract test fails
loudly). ``mode`` makes it refuse (400 with the provider's error object), fail (500) or
hang (for a client timeout).
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

WA_TOKEN = "wa-token"
PAGE_TOKEN = "page-token"
TWILIO_SID = "ACtest0123456789"
TWILIO_TOKEN = "tw-token"
PHONE_NUMBER_ID = "106540352242922"

META_WINDOW_ERROR = {
    "error": {
        "message": "(#131047) Re-engagement message",
        "type": "OAuthException",
        "code": 131047,
        "error_data": {
            "messaging_product": "whatsapp",
            "details": "Message failed to send because more than 24 hours have passed "
            "since the customer last replied to this number.",
        },
        "fbtrace_id": "Az8or2yhqkZfEZ-_4Qn_Bam",
    }
}
META_THROTTLED = {
    "error": {
        "message": "(#130429) Rate limit hit",
        "type": "OAuthException",
        "code": 130429,
        "error_data": {
            "messaging_product": "whatsapp",
            "details": "Cloud API message throughput has been reached.",
        },
        "fbtrace_id": "Az8or2yhqkZfEZ-_4Qn_Bam",
    }
}
MESSENGER_WINDOW_ERROR = {
    "error": {
        "message": "(#10) This message is sent outside of allowed window.",
        "type": "OAuthException",
        "code": 10,
        "error_subcode": 2018278,
        "fbtrace_id": "BLBz/WZt8dN",
    }
}
TWILIO_OPTED_OUT = {
    "code": 21610,
    "message": "Attempt to send to unsubscribed recipient",
    "more_info": "https://www.twilio.com/docs/errors/21610",
    "status": 400,
}


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class ProviderServer:
    provider: str  # "whatsapp" | "messenger" | "twilio"
    mode: str = "ok"  # "ok" | "refuse" | "throttle" | "fail" | "hang"
    requests: list[Seen] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _httpd: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self._httpd is not None
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> ProviderServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                url = urlsplit(self.path)
                seen = Seen(
                    "POST",
                    url.path,
                    parse_qs(url.query),
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length),
                )
                server.requests.append(seen)
                status, answer = server.answer(seen)
                if status == 0:
                    server.release.wait(5)
                    status, answer = 200, {}
                data = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up (timeout)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        self.release.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def answer(self, seen: Seen) -> tuple[int, Any]:
        if self.mode == "hang":
            return 0, None
        if self.mode == "fail":
            if self.provider == "twilio":
                return 500, {"code": 20500, "message": "Internal Server Error", "status": 500}
            return 500, {"error": {"message": "An unknown error occurred", "code": 1}}
        problems = getattr(self, f"_check_{self.provider}")(seen)
        if problems:
            return 422, {
                "error": {"message": "; ".join(problems), "code": 100},
                "code": 99999,
                "message": "; ".join(problems),
            }
        if self.mode == "throttle":
            return 400, META_THROTTLED
        if self.mode == "refuse":
            return 400, {
                "whatsapp": META_WINDOW_ERROR,
                "messenger": MESSENGER_WINDOW_ERROR,
                "twilio": TWILIO_OPTED_OUT,
            }[self.provider]
        n = next(self._ids)
        if self.provider == "whatsapp":
            to = seen.json()["to"]
            return 200, {
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": to}],
                "messages": [{"id": f"wamid.TEST{n:04d}"}],
            }
        if self.provider == "messenger":
            return 200, {"recipient_id": seen.json()["recipient"]["id"], "message_id": f"m_TEST{n}"}
        form = seen.form()
        return 201, {
            "sid": f"SM{n:032x}",
            "status": "queued",
            "to": form["To"],
            "from": form.get("From"),
            "body": form["Body"],
            "account_sid": TWILIO_SID,
        }

    def _check_whatsapp(self, seen: Seen) -> list[str]:
        problems = []
        if seen.path != f"/v21.0/{PHONE_NUMBER_ID}/messages":
            problems.append(f"path {seen.path}")
        if seen.headers.get("authorization") != f"Bearer {WA_TOKEN}":
            problems.append("authorization")
        if not seen.headers.get("content-type", "").startswith("application/json"):
            problems.append("content-type")
        body = seen.json()
        if body.get("messaging_product") != "whatsapp" or not body.get("to"):
            problems.append("messaging_product/to")
        if body.get("type") == "text":
            if not isinstance(body.get("text", {}).get("body"), str):
                problems.append("text.body")
        elif body.get("type") == "template":
            template = body.get("template", {})
            if not template.get("name") or not template.get("language", {}).get("code"):
                problems.append("template name/language")
        else:
            problems.append("type")
        return problems

    def _check_messenger(self, seen: Seen) -> list[str]:
        problems = []
        if seen.path != "/v21.0/me/messages":
            problems.append(f"path {seen.path}")
        if "access_token" in seen.query:
            problems.append("token in the URL")
        if seen.headers.get("authorization") != f"Bearer {PAGE_TOKEN}":
            problems.append("authorization")
        body = seen.json()
        if not body.get("recipient", {}).get("id"):
            problems.append("recipient.id")
        kind = body.get("messaging_type")
        if kind not in ("RESPONSE", "UPDATE", "MESSAGE_TAG"):
            problems.append("messaging_type")
        if (kind == "MESSAGE_TAG") != ("tag" in body):
            problems.append("tag")
        if not isinstance(body.get("message", {}).get("text"), str):
            problems.append("message.text")
        return problems

    def _check_twilio(self, seen: Seen) -> list[str]:
        problems = []
        if seen.path != f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json":
            problems.append(f"path {seen.path}")
        basic = base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
        if seen.headers.get("authorization") != f"Basic {basic}":
            problems.append("authorization")
        if seen.headers.get("content-type") != "application/x-www-form-urlencoded":
            problems.append("content-type")
        form = seen.form()
        if not form.get("To") or not form.get("Body"):
            problems.append("To/Body")
        if not (form.get("From") or form.get("MessagingServiceSid")):
            problems.append("From")
        return problems
