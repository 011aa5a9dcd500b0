"""What each role's landing page offers. Features not built yet say so plainly."""

from __future__ import annotations

from dataclasses import dataclass

from switchdesk.domain.accounts.permissions import Role


@dataclass(frozen=True, slots=True)
class Feature:
    title: str
    text: str
    href: str = ""
    """Empty while the feature is not built yet."""


ROLE_TITLES: dict[Role, str] = {
    Role.AGENT: "Agent desk",
    Role.TEAM_LEADER: "Team leader",
    Role.QA_ANALYST: "Quality assurance",
    Role.TRAINER: "Training",
    Role.OPERATIONS_MANAGER: "Operations",
    Role.EXECUTIVE: "Executive overview",
    Role.HR: "People",
    Role.ADMIN: "Administration",
}

_API = Feature("API reference", "Every endpoint with the permission it needs.", "/api/docs")

LANDING: dict[Role, list[Feature]] = {
    Role.AGENT: [
        Feature("Agent desktop", "Take chats; see the contact's card and history.", "/desk"),
        Feature("Shared inbox", "Email and messaging: status, assignee, SLA timers.", "/inbox"),
        Feature("My statistics", "Handled contacts, handle time and CSAT for today."),
    ],
    Role.TEAM_LEADER: [
        Feature("Team live view", "Queues, agents' states and conversations, live.", "/supervisor"),
        Feature("Agent desktop", "Take escalations and chats yourself.", "/desk"),
        Feature("Shared inbox", "Assign email and messaging; watch SLA timers.", "/inbox"),
        Feature("Coaching and break approvals", "Coach agents and approve breaks."),
        Feature("People", "The people of your client accounts.", "/admin/people"),
    ],
    Role.QA_ANALYST: [
        Feature("Scorecards", "Score interactions on weighted forms."),
        Feature("Calibration and disputes", "Align scores across analysts."),
    ],
    Role.TRAINER: [
        Feature("Training plans", "Plans, sessions and progress."),
        Feature("Certifications", "Certify agents; a certification can grant a skill."),
    ],
    Role.OPERATIONS_MANAGER: [
        Feature(
            "Queues and routing", "Queues, channels, agents' skills and capacity.", "/admin/center"
        ),
        Feature("Live view", "Queues and agents, live.", "/supervisor"),
        Feature("Workforce management", "Forecasts, Erlang staffing, schedules."),
        Feature("Organisation", "Client accounts, teams and sites.", "/admin/organisation"),
        Feature("People", "Who works here: roles, teams, sites.", "/admin/people"),
        _API,
    ],
    Role.EXECUTIVE: [
        Feature("Trends", "Service level, AHT and CSAT over weeks, by client and channel."),
        Feature("Client accounts", "The businesses this center serves.", "/admin/organisation"),
    ],
    Role.HR: [
        Feature("People", "Onboard and offboard people.", "/admin/people"),
        Feature("Training and wellbeing", "Training progress and wellbeing indicators."),
    ],
    Role.ADMIN: [
        Feature("Users and roles", "Every account and its role.", "/admin/people"),
        Feature("API tokens", "Tokens for integrations.", "/admin/tokens"),
        Feature("Audit log", "Sign-ins, role changes, tokens, exports.", "/admin/audit"),
        Feature("Organisation", "Client accounts, teams and sites.", "/admin/organisation"),
        Feature("Queues and channels", "Routing configuration of the center.", "/admin/center"),
        _API,
    ],
}

HEADLINE_ROLES: frozenset[Role] = frozenset({Role.EXECUTIVE})
"""Roles whose landing page opens with the live headline figures per client account."""
