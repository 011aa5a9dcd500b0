"""The demo's local fakes and the helper commands that talk to a running ``switchdesk demo``.

While ``switchdesk demo`` serves, it runs in its own process an SMTP sink (the email
channel's outgoing server) and a fake WhatsApp provider (the WhatsApp channel's API), and
writes a state file next to the database (``var/switchdesk.fakes.json``, readable by its owner
only) naming the ports and the demo's WhatsApp app secret, so that ``demo-whatsapp`` can
sign its webhook like the provider would. ``serve`` never starts any of this.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import secrets
import smtplib
import socket
import time
from dataclasses import asdict, dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

from switchdesk import config
from switchdesk.adapters.channels.meta import SIGNATURE_HEADER, meta_signature
from switchdesk.adapters.demo_fakes import FakeWhatsApp, MailSink, outbox_entries
from switchdesk.adapters.security import EnvironmentSecrets
from switchdesk.config import sqlite_file
from switchdesk.usecases.demo_center import DemoChannels

SECRET_PREFIX = EnvironmentSecrets.PREFIX
DEFAULT_DATABASE = sqlite_file(config.DEFAULT_DATABASE) or Path("var/switchdesk.db")
"""The demo's database when neither ``--database`` nor ``SWITCHDESK_DATABASE_URL`` names
one: the same file every other command uses by default, so ``switchdesk users list`` run
in the same directory sees the demo's users."""

DatabaseOption = Annotated[
    Path | None,
    typer.Option(
        help="The demo's SQLite file (its state file sits next to it); default: the file "
        "SWITCHDESK_DATABASE_URL names, else var/switchdesk.db.",
        show_default=False,
    ),
]


def demo_database(database: Path | None) -> Path:
    """``--database`` if given, else the SQLite file of the settings' database URL."""
    if database is not None:
        return database
    url = os.environ.get("SWITCHDESK_DATABASE_URL")
    if url is None:
        return DEFAULT_DATABASE
    found = sqlite_file(url)
    if found is None:
        typer.echo(
            "error: the demo runs on SQLite, and SWITCHDESK_DATABASE_URL names another "
            "database: pass --database PATH",
            err=True,
        )
        raise typer.Exit(2)
    return found


def demo_marker(database: Path) -> Path:
    """Written next to a database the demo made: the demo only ever recreates those."""
    return database.with_suffix(".demo")


def state_path(database: Path) -> Path:
    return database.with_suffix(".fakes.json")


def outbox_path(database: Path) -> Path:
    return database.with_name(f"{database.stem}-outbox")


def refuse_taken_port(host: str, port: int) -> None:
    """Raise ``OSError`` when ``host:port`` cannot be listened on (another program has it;
    connections of an earlier run still closing do not count, as for the server itself)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))


@dataclass
class DemoFakes:
    """The running fakes of one demo process, and the secrets they were given."""

    sink: MailSink
    whatsapp: FakeWhatsApp
    app_secret: str

    @classmethod
    def start(cls, database: Path, *, sink_port: int, whatsapp_port: int) -> DemoFakes:
        """Start the sink and the provider, and put the WhatsApp channel's secrets (new
        each run) in this process's environment, where the server reads them."""
        outbox = outbox_path(database)
        outbox.mkdir(parents=True, exist_ok=True)
        for old in [*outbox.glob("*.eml"), *outbox.glob("*.jsonl")]:
            old.unlink()
        values = {role: secrets.token_urlsafe(24) for role in DemoChannels.SECRETS}
        for role, name in DemoChannels.SECRETS.items():
            os.environ[SECRET_PREFIX + name] = values[role]
        sink = MailSink(outbox, port=sink_port).start()
        try:
            fake = FakeWhatsApp(
                outbox, DemoChannels.PHONE_NUMBER_ID, values["access_token"], port=whatsapp_port
            ).start()
        except BaseException:
            sink.stop()
            raise
        return cls(sink, fake, values["app_secret"])

    def channels(self) -> DemoChannels:
        return DemoChannels(
            sink_host=self.sink.host,
            sink_port=self.sink.port,
            whatsapp_api_base_url=self.whatsapp.base_url,
        )

    def write_state(self, database: Path, url: str, inbox_host: str, inbox_port: int) -> Path:
        state = {
            "url": url,
            "inbox": {"host": inbox_host, "port": inbox_port, "address": DemoChannels.INBOX},
            "sink": {"host": self.sink.host, "port": self.sink.port},
            "outbox": str(outbox_path(database)),
            "whatsapp": {
                "webhook": f"{url}/webhooks/whatsapp/{DemoChannels.WHATSAPP_SLUG}",
                "phone_number_id": DemoChannels.PHONE_NUMBER_ID,
                "api_base_url": self.whatsapp.base_url,
                "app_secret": self.app_secret,
            },
        }
        path = state_path(database)
        path.unlink(missing_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(state, out)
        return path

    def summary(self, database: Path, inbox_host: str, inbox_port: int) -> dict[str, Any]:
        return {
            "inbox": f"{DemoChannels.INBOX} (SMTP {inbox_host}:{inbox_port})",
            "sink": f"{self.sink.host}:{self.sink.port}",
            "whatsapp_api": self.whatsapp.base_url,
            "outbox": str(outbox_path(database)),
            "state": str(state_path(database)),
        }

    def stop(self) -> None:
        self.whatsapp.stop()
        self.sink.stop()


def print_try_it(fakes: DemoFakes, database: Path, inbox_host: str, inbox_port: int) -> None:
    outbox = outbox_path(database)
    extra = "" if database == demo_database(None) else f" --database {database}"
    typer.echo(
        "\nEmail and WhatsApp, served by local fakes in this process:\n"
        f"  inbox     {DemoChannels.INBOX}: SMTP on {inbox_host}:{inbox_port}\n"
        f"  replies   the SMTP sink on {fakes.sink.host}:{fakes.sink.port} keeps them in "
        f"{outbox}/*.eml\n"
        f"  WhatsApp  number {DemoChannels.PHONE_NUMBER_ID}: the fake provider on "
        f"{fakes.whatsapp.base_url} keeps sends in {outbox}/whatsapp.jsonl\n"
        "Try them from another terminal (sign in as agent on /desk and go available):\n"
        f'  switchdesk demo-mail "My meter reading is 4711"{extra}\n'
        f'  switchdesk demo-mail --reply "Thanks, that helps"{extra}\n'
        f'  switchdesk demo-whatsapp "Is my contract renewed?"{extra}\n'
        f"  switchdesk demo-outbox{extra}\n"
    )


def _state(database: Path) -> dict[str, Any]:
    path = state_path(database)
    try:
        state: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError):
        typer.echo(
            f"error: no running demo found ({path} is missing): run switchdesk demo", err=True
        )
        raise typer.Exit(1) from None
    return state


def _newest_reply_to(outbox: Path, address: str) -> EmailMessage | None:
    """The newest mail in the outbox to ``address``, a person's reply before an automatic one."""
    mails: list[EmailMessage] = []
    for path in sorted(outbox.glob("*.eml")):
        mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        to = parseaddr(str(mail["To"] or ""))[1]
        if isinstance(mail, EmailMessage) and to.lower() == address.lower():
            mails.append(mail)
    people = [m for m in mails if not m["Auto-Submitted"]]
    newest = people or mails
    return newest[-1] if newest else None


def demo_mail(
    text: Annotated[str, typer.Argument(help="What the customer writes.")],
    sender: Annotated[str, typer.Option(help="The customer's address.")] = "zoe@example.com",
    name: Annotated[str, typer.Option(help="The customer's name.")] = "Zoe Customer",
    subject: Annotated[str, typer.Option(help="The subject of a new mail.")] = "My contract",
    reply: Annotated[
        bool, typer.Option("--reply", help="Answer the newest mail the center sent this sender.")
    ] = False,
    database: DatabaseOption = None,
) -> None:
    """Send a customer's mail to the running demo's inbox over SMTP."""
    state = _state(demo_database(database))
    inbox = state["inbox"]
    mail = EmailMessage()
    mail["From"] = formataddr((name, sender))
    mail["To"] = inbox["address"]
    mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "example.com")
    mail["Date"] = email.utils.formatdate(localtime=False)
    body = text
    answered = _newest_reply_to(Path(state["outbox"]), sender) if reply else None
    if reply and answered is None:
        typer.echo(f"error: the center has not written to {sender} yet", err=True)
        raise typer.Exit(1)
    if answered is not None:
        ours = str(answered["Message-ID"])
        mail["Subject"] = str(answered["Subject"])
        mail["In-Reply-To"] = ours
        mail["References"] = " ".join([*str(answered["References"] or "").split(), ours])
        part = answered.get_body(("plain",))
        quoted = part.get_content() if isinstance(part, EmailMessage) else ""
        body += "\n\n" + "\n".join(f"> {line}" for line in quoted.splitlines())
    else:
        mail["Subject"] = subject
    mail.set_content(body)
    try:
        with smtplib.SMTP(inbox["host"], int(inbox["port"]), timeout=10) as smtp:
            smtp.send_message(mail, from_addr=sender, to_addrs=[inbox["address"]])
    except (OSError, smtplib.SMTPException) as exc:
        typer.echo(f"error: the demo inbox did not take the mail: {exc}", err=True)
        raise typer.Exit(1) from None
    threaded = f" (a reply to {mail['In-Reply-To']})" if answered is not None else ""
    typer.echo(f"sent {mail['Message-ID']} to {inbox['address']}{threaded}")


def whatsapp_payload(phone_number_id: str, sender: str, name: str, text: str) -> dict[str, Any]:
    """A Cloud API webhook POST carrying one text message, as the provider sends it."""
    now = int(time.time())
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "demo-business-account",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "15550100100",
                                "phone_number_id": phone_number_id,
                            },
                            "contacts": [{"profile": {"name": name}, "wa_id": sender}],
                            "messages": [
                                {
                                    "from": sender,
                                    "id": f"wamid.DEMOIN{now}{secrets.token_hex(6)}",
                                    "timestamp": str(now),
                                    "type": "text",
                                    "text": {"body": text},
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }


def demo_whatsapp(
    text: Annotated[str, typer.Argument(help="What the customer writes.")],
    sender: Annotated[str, typer.Option(help="The customer's WhatsApp number.")] = "15550001234",
    name: Annotated[str, typer.Option(help="The customer's profile name.")] = "Zoe Customer",
    database: DatabaseOption = None,
) -> None:
    """Post a customer's WhatsApp message to the running demo, signed like the provider."""
    wa = _state(demo_database(database))["whatsapp"]
    body = json.dumps(whatsapp_payload(wa["phone_number_id"], sender, name, text)).encode()
    try:
        answer = httpx.post(
            wa["webhook"],
            content=body,
            headers={
                "Content-Type": "application/json",
                SIGNATURE_HEADER: meta_signature(body, wa["app_secret"]),
            },
            timeout=10,
        )
    except httpx.HTTPError as exc:
        typer.echo(f"error: the demo is not reachable: {exc}", err=True)
        raise typer.Exit(1) from None
    if answer.status_code != 200:
        typer.echo(f"error: the demo answered {answer.status_code}: {answer.text[:300]}", err=True)
        raise typer.Exit(1)
    status = answer.status_code
    typer.echo(f"delivered to {wa['webhook']} ({status})")


def demo_outbox(
    database: DatabaseOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a list.")] = False,
) -> None:
    """What the running demo sent: mail kept by the SMTP sink, WhatsApp sends by the fake."""
    entries = outbox_entries(outbox_path(demo_database(database)))
    if as_json:
        typer.echo(json.dumps([asdict(e) for e in entries]))
        return
    if not entries:
        typer.echo("nothing sent yet")
    for e in entries:
        head = f"{e.channel:8} {e.name}  to {e.to}" + (f"  {e.subject}" if e.subject else "")
        first = next((line for line in e.text.splitlines() if line.strip()), "")
        typer.echo(f"{head}\n         {first[:100]}")
