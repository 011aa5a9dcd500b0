"""The demo center: two client accounts, sites, teams and one person per role.

Later capabilities extend this seed (queues, channels, skills...). With
:class:`DemoChannels` it also gains a Northwind email inbox and a WhatsApp number, wired to
the local fakes ``switchdesk demo`` runs (``adapters/demo_fakes.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from switchdesk.domain.accounts.model import SiteKind, User
from switchdesk.domain.accounts.permissions import Role
from switchdesk.domain.conversations.model import ChannelKind
from switchdesk.usecases.accounts import Accounts
from switchdesk.usecases.live.center import LiveCenter
from switchdesk.usecases.principal import Principal


@dataclass(frozen=True, slots=True)
class DemoChannels:
    """Where the demo's email channel sends (the local SMTP sink) and where its WhatsApp
    channel calls the provider (the local fake); secrets are named, never stored."""

    sink_host: str = "127.0.0.1"
    sink_port: int = 2526
    whatsapp_api_base_url: str = "http://127.0.0.1:2527"

    EMAIL_SLUG = "northwind-email"
    INBOX = "support@northwind.example"
    DOMAIN = "northwind.example"
    ACKNOWLEDGEMENT = (
        "Thank you for writing to Northwind Energy. We have your mail and will answer soon."
    )
    WHATSAPP_SLUG = "northwind-whatsapp"
    PHONE_NUMBER_ID = "555000111222333"
    SECRETS: ClassVar[dict[str, str]] = {
        "app_secret": "DEMO_WA_APP_SECRET",
        "verify_token": "DEMO_WA_VERIFY_TOKEN",
        "access_token": "DEMO_WA_ACCESS_TOKEN",
    }
    """The WhatsApp channel's secret names: ``SWITCHDESK_SECRET_<NAME>`` in the environment."""


@dataclass(frozen=True, slots=True)
class DemoLogin:
    username: str
    role: Role
    password: str
    scope: str


def seed_demo_center(
    accounts: Accounts,
    live: LiveCenter,
    new_password: Callable[[], str],
    channels: DemoChannels | None = None,
) -> list[DemoLogin]:
    """Seed an empty database. Returns the sign-ins, passwords in clear: print them once.
    ``channels`` adds the email and WhatsApp channels served by the demo's fakes."""
    operator = Principal.operator("demo-seed")
    northwind = accounts.create_client_account(operator, "Northwind Energy")
    bluebird = accounts.create_client_account(operator, "Bluebird Telecom")
    lisbon = accounts.create_site(operator, "Lisbon floor", SiteKind.ON_SITE, "Europe/Lisbon")
    remote = accounts.create_site(operator, "Remote", SiteKind.REMOTE, "UTC")

    people: list[tuple[str, str, Role, list[str], bool, str | None]] = [
        ("admin", "Ada Admin", Role.ADMIN, [], True, None),
        ("ops", "Omar Operations", Role.OPERATIONS_MANAGER, [], True, lisbon.id),
        ("exec", "Eva Executive", Role.EXECUTIVE, [], True, None),
        ("hr", "Hugo People", Role.HR, [northwind.id, bluebird.id], False, lisbon.id),
        ("lead", "Lena Leader", Role.TEAM_LEADER, [northwind.id], False, lisbon.id),
        ("qa", "Quinn Quality", Role.QA_ANALYST, [northwind.id, bluebird.id], False, remote.id),
        ("trainer", "Tariq Trainer", Role.TRAINER, [northwind.id], False, lisbon.id),
        ("agent", "Ana Agent", Role.AGENT, [northwind.id], False, lisbon.id),
        ("agent2", "Ben Agent", Role.AGENT, [bluebird.id], False, remote.id),
        ("agent3", "Carla Agent", Role.AGENT, [northwind.id], False, lisbon.id),
    ]
    logins: list[DemoLogin] = []
    created = {}
    for username, name, role, scope, everything, site in people:
        password = new_password()
        created[username] = accounts.create_user(
            operator,
            username=username,
            password=password,
            role=role,
            display_name=name,
            client_account_ids=scope,
            all_client_accounts=everything,
            site_id=site,
        )
        names = {northwind.id: northwind.name, bluebird.id: bluebird.name}
        scope_text = "all client accounts" if everything else ", ".join(names[s] for s in scope)
        logins.append(DemoLogin(username, role, password, scope_text))
    accounts.create_team(
        operator,
        "Northwind Care",
        leader_id=created["lead"].id,
        client_account_id=northwind.id,
        site_id=lisbon.id,
    )
    accounts.create_team(
        operator,
        "Bluebird Sales",
        leader_id=created["ops"].id,
        client_account_id=bluebird.id,
        site_id=remote.id,
    )
    seed_live_center(live, operator, northwind.id, bluebird.id, created)
    if channels is not None:
        seed_demo_channels(live, operator, channels)
    return logins


def seed_demo_channels(live: LiveCenter, operator: Principal, demo: DemoChannels) -> None:
    """The Northwind email inbox and WhatsApp number, into the Northwind support queue,
    checked like any channel an administrator adds."""
    support = next(q for q in live.queues(operator) if q.name == "Northwind support")
    live.add_channel(
        operator,
        kind=ChannelKind.EMAIL,
        slug=demo.EMAIL_SLUG,
        name="Northwind Energy support",
        queue_id=support.id,
        address=demo.INBOX,
        settings={
            "smtp_host": demo.sink_host,
            "smtp_port": demo.sink_port,
            "smtp_starttls": False,
            "our_domain": demo.DOMAIN,
            "from_name": "Northwind Energy support",
            "auto_acknowledge": demo.ACKNOWLEDGEMENT,
        },
    )
    live.add_channel(
        operator,
        kind=ChannelKind.WHATSAPP,
        slug=demo.WHATSAPP_SLUG,
        name="Northwind Energy WhatsApp",
        queue_id=support.id,
        address=demo.PHONE_NUMBER_ID,
        settings={"api_base_url": demo.whatsapp_api_base_url, "secrets": dict(demo.SECRETS)},
    )


def seed_live_center(
    live: LiveCenter, operator: Principal, northwind: str, bluebird: str, users: dict[str, User]
) -> None:
    """Queues, a web chat channel per client, skills and not-ready reasons."""
    live.set_not_ready_reasons(
        operator,
        [
            ("break", "Break"),
            ("lunch", "Lunch"),
            ("training", "Training"),
            ("meeting", "Meeting"),
            ("coaching", "Coaching"),
            ("technical", "Technical problem"),
        ],
    )
    codes = [
        ("resolved", "Resolved"),
        ("follow_up", "Needs follow-up"),
        ("not_resolved", "Not resolved"),
        ("spam", "Spam"),
    ]
    escalations = live.configure_queue(
        operator,
        name="Northwind escalations",
        client_account_id=northwind,
        eligibility="agent.skills.escalations >= 1",
        wrap_up_codes=codes,
    )
    support = live.configure_queue(
        operator,
        name="Northwind support",
        client_account_id=northwind,
        eligibility="agent.skills.support >= 1",
        wrap_up_codes=codes,
        wrap_up_required=True,
        offer_timeout_seconds=30,
        after_contact_work_seconds=60,
        escalation_queue_id=escalations.id,
    )
    live.configure_queue(
        operator,
        name="Northwind billing",
        client_account_id=northwind,
        eligibility="agent.skills.billing >= 1",
        wrap_up_codes=codes,
        wrap_up_required=True,
        offer_timeout_seconds=30,
        after_contact_work_seconds=60,
        escalation_queue_id=escalations.id,
    )
    blue_sales = live.configure_queue(
        operator,
        name="Bluebird sales",
        client_account_id=bluebird,
        eligibility="agent.skills.sales >= 1",
        wrap_up_codes=codes,
    )
    live.create_channel(
        operator,
        slug="northwind-chat",
        name="Northwind Energy",
        queue_id=support.id,
        greeting="Hi! How can we help with your energy contract?",
    )
    live.create_channel(
        operator,
        slug="bluebird-chat",
        name="Bluebird Telecom",
        queue_id=blue_sales.id,
        greeting="Hello from Bluebird. Ask us anything.",
    )
    skills = {
        "agent": {"support": 4},
        "agent3": {"billing": 4, "support": 2},
        "agent2": {"sales": 3},
        "lead": {"escalations": 5, "support": 5, "billing": 3},
    }
    for username, levels in skills.items():
        live.set_agent_profile(operator, users[username].id, skills=levels, languages=["en", "pt"])
