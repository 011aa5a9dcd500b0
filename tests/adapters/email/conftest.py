"""A real Dovecot IMAP server for the email tests, started from Debian's dovecot-imapd in a
temporary directory. Missing Dovecot skips the IMAP tests, or fails them under
``SWITCHDESK_REQUIRE_ALL=1`` (as tests/conftest.py does for PostgreSQL and Chromium)."""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import free_port, missing

DOVECOT = os.environ.get("SWITCHDESK_DOVECOT", "/usr/sbin/dovecot")
USER = "agent"
PASSWORD = "s3cret-pw"


@dataclass(frozen=True)
class Dovecot:
    host: str
    port: int
    user: str
    password: str
    dir: Path

    def client(self) -> imaplib.IMAP4:
        conn = imaplib.IMAP4(self.host, self.port, timeout=10)
        conn.login(self.user, self.password)
        return conn


def _config(root: Path, port: int, uid: int, gid: int, internal: str, login: str) -> str:
    return f"""
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = {min(uid, 500)}
mail_location = maildir:~/Maildir
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
"""


def _users() -> tuple[int, int, str, str]:
    """(mail uid, gid, internal user, login user). Dovecot refuses to run mail as root, so
    as root the mail belongs to the ``dovecot`` system user."""
    if os.geteuid() != 0:
        me = pwd.getpwuid(os.geteuid())
        return me.pw_uid, me.pw_gid, me.pw_name, me.pw_name
    try:
        dv = pwd.getpwnam("dovecot")
    except KeyError:
        missing("the dovecot system user")
    login = "dovenull"
    try:
        pwd.getpwnam(login)
    except KeyError:
        login = "dovecot"
    return dv.pw_uid, dv.pw_gid, "dovecot", login


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    if not Path(DOVECOT).exists():
        missing(f"Dovecot at {DOVECOT} (Debian package dovecot-imapd)")
    uid, gid, internal, login = _users()
    root = Path(tempfile.mkdtemp(prefix="sd-dovecot-"))
    os.chmod(root, 0o755)
    for d in ("run", "state", "home"):
        (root / d).mkdir()
    os.chown(root / "home", uid, gid)
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    port = free_port()
    conf = root / "dovecot.conf"
    conf.write_text(_config(root, port, uid, gid, internal, login))
    log = root / "dovecot.log"

    def fail(why: str) -> None:
        detail = log.read_text() if log.exists() else ""
        check = subprocess.run(
            [DOVECOT, "-n", "-c", str(conf)], capture_output=True, text=True, timeout=30
        )
        shutil.rmtree(root, ignore_errors=True)
        msg = f"could not start Dovecot: {why}\n{check.stderr}\n{detail}"
        if os.environ.get("SWITCHDESK_REQUIRE_ALL") == "1":
            pytest.fail(msg)
        pytest.skip(msg)

    # The master daemonises: its children inherit no pipe of ours, or run() would wait.
    with open(root / "start.err", "w") as err:
        started = subprocess.run(
            [DOVECOT, "-c", str(conf)], stdin=subprocess.DEVNULL, stdout=err, stderr=err, timeout=30
        )
    if started.returncode != 0:
        fail((root / "start.err").read_text())
    server = Dovecot("127.0.0.1", port, USER, PASSWORD, root)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                server.client().logout()
                break
            except (OSError, imaplib.IMAP4.error) as exc:
                if time.monotonic() > deadline:
                    fail(str(exc))
                time.sleep(0.1)
        yield server
    finally:
        subprocess.run(
            [DOVECOT, "-c", str(conf), "stop"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=30,
        )
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class Mailbox:
    """One fresh mailbox on the Dovecot server, for one test."""

    server: Dovecot
    name: str

    def append(self, *raws: bytes, seen: bool = False) -> None:
        conn = self.server.client()
        try:
            for raw in raws:
                flags = "(\\Seen)" if seen else None
                typ, data = conn.append(f'"{self.name}"', flags, None, raw)
                assert typ == "OK", data
        finally:
            conn.logout()

    def recreate(self) -> None:
        conn = self.server.client()
        try:
            assert conn.delete(f'"{self.name}"')[0] == "OK"
            assert conn.create(f'"{self.name}"')[0] == "OK"
        finally:
            conn.logout()

    def flags(self) -> dict[int, str]:
        conn = self.server.client()
        try:
            conn.select(f'"{self.name}"', readonly=True)
            _, data = conn.uid("FETCH", "1:*", "(FLAGS)")
            out: dict[int, str] = {}
            for line in data or []:
                if isinstance(line, bytes) and b"UID" in line:
                    text = line.decode()
                    uid = int(text.split("UID ")[1].split()[0].rstrip(")"))
                    out[uid] = text.split("FLAGS (")[1].split(")")[0]
            return out
        finally:
            conn.logout()


@pytest.fixture
def mailbox(dovecot: Dovecot) -> Mailbox:
    name = f"Support-{uuid.uuid4().hex[:8]}"
    conn = dovecot.client()
    try:
        assert conn.create(f'"{name}"')[0] == "OK"
    finally:
        conn.logout()
    return Mailbox(dovecot, name)
