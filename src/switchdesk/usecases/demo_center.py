"""The demo center: two client accounts, sites, teams and one person per role.

Later capabilities extend this seed (queues, channels, skills...).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from switchdesk.domain.accounts.model import SiteKind
from switchdesk.domain.accounts.permissions import Role
from switchdesk.usecases.accounts import Accounts
from switchdesk.usecases.live_center import LiveCenter
from switchdesk.usecases.principal import Principal


@dataclass(frozen=True, slots=True)
class DemoLogin:
    username: str
    role: Role
    password: str
    scope: str


def seed_demo_center(
    accounts: Accounts, live: LiveCenter, new_password: Callable[[], str]
) -> list[DemoLogin]:
    """Seed an empty database. Returns the sign-ins, passwords in clear: print them once."""
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
    return logins
