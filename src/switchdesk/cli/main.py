"""The ``switchdesk`` command line."""

from __future__ import annotations

import gc
import getpass
import json
import os
import secrets
import shutil
import signal
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from switchdesk.bootstrap import Runtime, build_runtime, migrate
from switchdesk.cli.demo import (
    DatabaseOption,
    DemoFakes,
    demo_database,
    demo_mail,
    demo_marker,
    demo_outbox,
    demo_whatsapp,
    print_try_it,
    refuse_taken_port,
    state_path,
)
from switchdesk.cli.nlp import intents_app, sentiment
from switchdesk.cli.sim import sim_app
from switchdesk.cli.wfm import wfm_app
from switchdesk.config import DEFAULT_DATABASE as DEFAULT_DATABASE_URL
from switchdesk.config import Settings, sqlite_file
from switchdesk.domain.accounts.permissions import parse_role
from switchdesk.domain.errors import SwitchdeskError, ValidationFailed
from switchdesk.usecases.demo_center import DemoChannels, seed_demo_center
from switchdesk.usecases.principal import Principal

app = typer.Typer(
    help="switchdesk: self-hosted omnichannel contact center.",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
users_app = typer.Typer(help="People and roles.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens for integrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(wfm_app, name="wfm")
app.add_typer(sim_app, name="sim")
app.add_typer(intents_app, name="intents")
app.command("sentiment", help="Sentiment of messages read from stdin, one per line.")(sentiment)


JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _settings(**overrides: Any) -> Settings:
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except Exception as exc:  # pydantic's ValidationError, or a missing config file
        typer.echo(f"error: bad settings: {exc}", err=True)
        raise typer.Exit(2) from None


def _operator() -> Principal:
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = "unknown"
    return Principal.operator(name)


def _refuse_missing_database(settings: Settings) -> None:
    """Never create an empty SQLite file by opening it: say where we looked instead."""
    path = sqlite_file(settings.database)
    if path is None or path.is_file():
        return
    named = (
        "SWITCHDESK_DATABASE_URL"
        if "SWITCHDESK_DATABASE_URL" in os.environ
        else f"the default, {DEFAULT_DATABASE_URL}"
    )
    typer.echo(
        f"error: no database at {path.absolute()} (from {named}). Run this command in the "
        "directory of the demo or server, set SWITCHDESK_DATABASE_URL to the database "
        "(e.g. sqlite:////path/to/switchdesk.db), or create one with `switchdesk db upgrade`.",
        err=True,
    )
    raise typer.Exit(1)


def _runtime() -> Runtime:
    settings = _settings()
    _refuse_missing_database(settings)
    runtime = build_runtime(settings)
    ok, reason = runtime.ready()
    if not ok:
        typer.echo(f"error: {reason}", err=True)
        raise typer.Exit(1)
    return runtime


def _fail(exc: SwitchdeskError) -> typer.Exit:
    typer.echo(f"error: {exc.detail} [{exc.code}]", err=True)
    return typer.Exit(2 if isinstance(exc, ValidationFailed) else 1)


def _table(rows: list[dict[str, Any]], columns: list[str]) -> None:
    widths = {c: max([len(c)] + [len(str(r.get(c, ""))) for r in rows]) for c in columns}
    typer.echo("  ".join(c.ljust(widths[c]) for c in columns))
    for r in rows:
        typer.echo("  ".join(str(r.get(c, "")).ljust(widths[c]) for c in columns))


def _serve(settings: Settings) -> None:
    import uvicorn

    from switchdesk.adapters.redaction.logs import install_log_redaction
    from switchdesk.web.app import create_app

    install_log_redaction()
    _refuse_missing_database(settings)
    runtime = build_runtime(settings)
    ok, reason = runtime.ready()
    if not ok:
        typer.echo(f"error: {reason}", err=True)
        raise typer.Exit(1)
    typer.echo(f"switchdesk serving on http://{settings.host}:{settings.port}")
    app_ = create_app(runtime)
    _tune_garbage_collector()
    uvicorn.run(
        app_,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        # Forwarded headers are believed from the trusted proxies only (the client's
        # address for the sign-in limits; the scheme for Secure cookies).
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=[str(n) for n in settings.trusted_proxies] or None,
        ws_ping_interval=settings.heartbeat_seconds,
        ws_ping_timeout=settings.heartbeat_seconds,
    )


GC_THRESHOLDS = (50_000, 20, 100)
"""The cyclic garbage collector's thresholds for the server: a full collection of a busy
server's heap (a thousand sockets, the live cache) stops every thread for 300-400 ms, and
the defaults ran one every few seconds under load (docs/performance.md)."""


def _tune_garbage_collector() -> None:
    """Collect young objects less often (a few ms each) and the whole heap far less often;
    what was loaded at start is frozen out of the collector's sight for good."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    upgrade: Annotated[bool, typer.Option("--migrate", help="Upgrade the schema first.")] = False,
) -> None:
    """Serve the web application and API."""
    settings = _settings(host=host, port=port)
    if upgrade:
        migrate(settings)
    _serve(settings)


def _exit_quietly(signum: int, frame: object) -> None:
    raise SystemExit(0)


@app.command()
def demo(
    database: DatabaseOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    smtp_port: Annotated[int, typer.Option(help="The demo inbox's SMTP port.")] = 2525,
    sink_port: Annotated[int, typer.Option(help="The local SMTP sink's port.")] = 2526,
    whatsapp_port: Annotated[int, typer.Option(help="The fake WhatsApp API's port.")] = 2527,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Seed only; do not serve.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """A fresh SQLite demo center, seeded, then served with local fakes for email and
    WhatsApp (an SMTP sink and a fake provider, on 127.0.0.1). Passwords are printed once.
    The database is recreated: only one the demo made before, never another."""
    database = demo_database(database)
    if database.exists() and not demo_marker(database).exists():
        typer.echo(
            f"error: {database.absolute()} holds a database the demo did not make, and the "
            "demo recreates its database: pass --database PATH for another file",
            err=True,
        )
        raise typer.Exit(1)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    database.parent.mkdir(parents=True, exist_ok=True)
    state_path(database).unlink(missing_ok=True)
    database_url = f"sqlite:///{database.absolute()}"
    if not as_json:
        typer.echo(f"Demo database: {database_url}")
        if database != demo_database(None):
            typer.echo(f"  (for other commands: export SWITCHDESK_DATABASE_URL={database_url})")
    settings = _settings(database_url=database_url, host=host, port=port)
    migrate(settings)
    demo_marker(database).write_text("made by switchdesk demo\n")
    fakes = None
    if no_serve:
        channels = DemoChannels(
            sink_port=sink_port, whatsapp_api_base_url=f"http://127.0.0.1:{whatsapp_port}"
        )
    else:
        try:
            # The inbox itself starts with the server: fail now, not in its log, if taken.
            refuse_taken_port(settings.smtp_inbox_host, smtp_port)
            fakes = DemoFakes.start(database, sink_port=sink_port, whatsapp_port=whatsapp_port)
        except OSError as exc:
            typer.echo(
                "error: a port of the demo's email and WhatsApp fakes is taken "
                f"(see --smtp-port, --sink-port, --whatsapp-port): {exc}",
                err=True,
            )
            raise typer.Exit(1) from None
        channels = fakes.channels()
    try:
        runtime = build_runtime(settings)
        runtime.live.start()
        logins = seed_demo_center(
            runtime.accounts, runtime.live, lambda: secrets.token_urlsafe(12), channels
        )
        runtime.close()
        rows = [
            {"username": x.username, "role": x.role.value, "password": x.password, "sees": x.scope}
            for x in logins
        ]
        url = f"http://{host}:{port}"
        if as_json:
            out: dict[str, Any] = {
                "database": str(database),
                "database_url": database_url,
                "url": url,
                "logins": rows,
            }
            if fakes is not None:
                out["fakes"] = fakes.summary(database, settings.smtp_inbox_host, smtp_port)
            typer.echo(json.dumps(out))
        else:
            typer.echo(f"Demo center seeded in {database}. Sign-ins (shown once):")
            _table(rows, ["username", "role", "password", "sees"])
            if fakes is not None:
                print_try_it(fakes, database, settings.smtp_inbox_host, smtp_port)
        if fakes is not None:
            fakes.write_state(database, url, settings.smtp_inbox_host, smtp_port)
            # uvicorn re-raises SIGTERM or SIGINT once it has shut down: end through the finally
            # below, so the fakes stop and the state file goes.
            signal.signal(signal.SIGTERM, _exit_quietly)
            signal.signal(signal.SIGINT, _exit_quietly)
            _serve(settings.model_copy(update={"smtp_inbox_port": smtp_port}))
    finally:
        if fakes is not None:
            fakes.stop()
            state_path(database).unlink(missing_ok=True)


app.command("demo-mail")(demo_mail)
app.command("demo-whatsapp")(demo_whatsapp)
app.command("demo-outbox")(demo_outbox)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration."""
    settings = _settings()
    migrate(settings)
    typer.echo("database schema is up to date")


@users_app.command("create")
def users_create(
    username: str,
    role: Annotated[str, typer.Option(help="agent, team_leader, qa_analyst, ..., admin")],
    display_name: Annotated[str, typer.Option(help="Full name.")] = "",
    client_account: Annotated[
        list[str] | None, typer.Option(help="Client account name the user may see (repeat).")
    ] = None,
    all_client_accounts: Annotated[bool, typer.Option(help="Sees every client account.")] = False,
    password_stdin: Annotated[
        bool, typer.Option(help="Read the password from standard input.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Create a user. Without --password-stdin a password is generated and printed once."""
    runtime = _runtime()
    operator = _operator()
    password = sys.stdin.readline().rstrip("\n") if password_stdin else secrets.token_urlsafe(12)
    try:
        by_name = {a.name: a.id for a in runtime.accounts.list_client_accounts(operator)}
        ids = []
        for name in client_account or []:
            if name not in by_name:
                raise ValidationFailed(f"no client account named {name!r}")
            ids.append(by_name[name])
        user = runtime.accounts.create_user(
            operator,
            username=username,
            password=password,
            role=parse_role(role),
            display_name=display_name,
            client_account_ids=ids,
            all_client_accounts=all_client_accounts,
        )
    except SwitchdeskError as exc:
        raise _fail(exc) from None
    out: dict[str, Any] = {"id": user.id, "username": user.username, "role": user.role.value}
    if not password_stdin:
        out["password"] = password
    if as_json:
        typer.echo(json.dumps(out))
    else:
        typer.echo(f"created {user.username} ({user.role.value})")
        if not password_stdin:
            typer.echo(f"password (shown once): {password}")


@users_app.command("list")
def users_list(as_json: JsonFlag = False) -> None:
    """List users."""
    runtime = _runtime()
    users = runtime.accounts.list_users(_operator())
    rows = [
        {
            "id": u.id,
            "username": u.username,
            "display_name": u.display_name,
            "role": u.role.value,
            "active": u.active,
            "client_accounts": "all"
            if u.sees_every_client_account()
            else len(u.client_account_ids),
        }
        for u in users
    ]
    if as_json:
        typer.echo(json.dumps(rows))
    else:
        _table(rows, ["username", "display_name", "role", "active", "client_accounts"])


@users_app.command("set-role")
def users_set_role(username: str, role: str) -> None:
    """Change a user's role (their sessions end)."""
    runtime = _runtime()
    operator = _operator()
    try:
        user = runtime.accounts.find_user(operator, username)
        runtime.accounts.set_role(operator, user.id, parse_role(role))
    except SwitchdeskError as exc:
        raise _fail(exc) from None
    typer.echo(f"{username} is now {role}")


@users_app.command("unlock")
def users_unlock(username: str) -> None:
    """Let USERNAME sign in again right away: their failed sign-ins stop counting."""
    runtime = _runtime()
    operator = _operator()
    try:
        user = runtime.accounts.find_user(operator, username)
        runtime.accounts.unlock_user(operator, user.id)
    except SwitchdeskError as exc:
        raise _fail(exc) from None
    typer.echo(f"{user.username} may sign in again")


@users_app.command("reset-link")
def users_reset_link(username: str, as_json: JsonFlag = False) -> None:
    """A one-time link where USERNAME sets a new password (printed once; earlier links stop
    working). Its address starts with SWITCHDESK_PUBLIC_URL."""
    from switchdesk.web.sign_in_links import reset_url

    runtime = _runtime()
    operator = _operator()
    try:
        user = runtime.accounts.find_user(operator, username)
        issued = runtime.accounts.create_password_reset(operator, user.id)
    except SwitchdeskError as exc:
        raise _fail(exc) from None
    settings = runtime.settings
    url = reset_url(settings.public_url or f"http://{settings.host}:{settings.port}", issued.secret)
    if as_json:
        typer.echo(
            json.dumps(
                {"username": user.username, "url": url, "expires_at": issued.expires_at.isoformat()}
            )
        )
    else:
        typer.echo(
            f"reset link for {user.username} (shown once, works once, until "
            f"{issued.expires_at:%Y-%m-%d %H:%M} UTC):"
        )
        typer.echo(url)


@tokens_app.command("issue")
def tokens_issue(
    username: str,
    name: Annotated[str, typer.Option(help="What the token is for.")],
    as_json: JsonFlag = False,
) -> None:
    """Issue an API token acting as USERNAME. The secret is printed once."""
    runtime = _runtime()
    operator = _operator()
    try:
        user = runtime.accounts.find_user(operator, username)
        issued = runtime.accounts.issue_token(operator, user.id, name)
    except SwitchdeskError as exc:
        raise _fail(exc) from None
    if as_json:
        typer.echo(
            json.dumps(
                {"id": issued.token.id, "user": username, "name": name, "secret": issued.secret}
            )
        )
    else:
        typer.echo(f"token {issued.token.id} for {username}")
        typer.echo(f"secret (shown once): {issued.secret}")


@tokens_app.command("revoke")
def tokens_revoke(token_id: str) -> None:
    """Revoke an API token by its id."""
    runtime = _runtime()
    try:
        runtime.accounts.revoke_token(_operator(), token_id)
    except SwitchdeskError as exc:
        raise _fail(exc) from None
    typer.echo(f"token {token_id} revoked")


@tokens_app.command("list")
def tokens_list(as_json: JsonFlag = False) -> None:
    """List API tokens (never their secrets)."""
    runtime = _runtime()
    tokens = runtime.accounts.list_tokens(_operator())
    rows = [
        {
            "id": t.id,
            "user_id": t.user_id,
            "name": t.name,
            "active": t.active,
            "created_at": t.created_at.isoformat(),
            "last_used_at": t.last_used_at.isoformat() if t.last_used_at else "",
        }
        for t in tokens
    ]
    if as_json:
        typer.echo(json.dumps(rows))
    else:
        _table(rows, ["id", "name", "active", "created_at", "last_used_at"])


def main() -> None:
    # Wide help tables do not depend on the caller's terminal.
    os.environ.setdefault("COLUMNS", str(max(100, shutil.get_terminal_size().columns)))
    app()
