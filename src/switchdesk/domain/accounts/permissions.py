"""The permission matrix: which role may do what. The one place that says so.

Routes and commands name a :class:`Permission`; :func:`role_allows` answers whether a role
holds it. Adding a permission means adding it here and granting it to the roles that need
it, nothing else.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    AGENT = "agent"
    TEAM_LEADER = "team_leader"
    QA_ANALYST = "qa_analyst"
    TRAINER = "trainer"
    OPERATIONS_MANAGER = "operations_manager"
    EXECUTIVE = "executive"
    HR = "hr"
    ADMIN = "admin"


class Permission(StrEnum):
    SELF_READ = "self.read"
    """See one's own profile and landing page."""
    USERS_READ = "users.read"
    USERS_MANAGE = "users.manage"
    """Create and deactivate people (onboarding, offboarding)."""
    ROLES_ASSIGN = "roles.assign"
    TOKENS_MANAGE = "tokens.manage"
    """Issue and revoke API tokens for integrations."""
    AUDIT_READ = "audit.read"
    DATA_EXPORT = "data.export"
    ORG_READ = "org.read"
    """Client accounts, teams and sites."""
    ORG_MANAGE = "org.manage"
    ROUTING_CONFIGURE = "routing.configure"
    CONTACTS_READ = "contacts.read"
    CONTACTS_MERGE = "contacts.merge"
    """Merge two contacts of a client account into one (team leaders and above)."""
    CONVERSATIONS_HANDLE = "conversations.handle"
    CONVERSATIONS_ASSIGN = "conversations.assign"
    """Assign a conversation to an agent, reassign, resolve anyone's (the inbox)."""
    TEAM_MONITOR = "team.monitor"
    TEAM_MANAGE = "team.manage"
    """Set an agent's state (with a reason) or sign them out, from the supervisor view."""
    QA_SCORE = "qa.score"
    TRAINING_MANAGE = "training.manage"
    WFM_MANAGE = "wfm.manage"
    REPORTS_READ = "reports.read"
    WELLBEING_READ = "wellbeing.read"
    MAIL_UNPARSED_READ = "mail.unparsed.read"
    """See and download the raw mail that could not be turned into a message."""
    KNOWLEDGE_READ = "knowledge.read"
    """Read and search the knowledge base's articles, internal ones included."""
    KNOWLEDGE_MANAGE = "knowledge.manage"
    """Write, change and archive articles (their owners: leads, trainers, operations)."""
    METRICS_READ = "metrics.read"
    """Scrape the Prometheus metrics (with an API token of an operations user)."""


_P = Permission

PERMISSION_MATRIX: dict[Role, frozenset[Permission]] = {
    Role.AGENT: frozenset(
        {_P.SELF_READ, _P.CONTACTS_READ, _P.CONVERSATIONS_HANDLE, _P.KNOWLEDGE_READ}
    ),
    Role.TEAM_LEADER: frozenset(
        {
            _P.SELF_READ,
            _P.CONTACTS_READ,
            _P.CONTACTS_MERGE,
            _P.CONVERSATIONS_HANDLE,
            _P.CONVERSATIONS_ASSIGN,
            _P.TEAM_MONITOR,
            _P.TEAM_MANAGE,
            _P.ORG_READ,
            _P.USERS_READ,
            _P.REPORTS_READ,
            _P.KNOWLEDGE_READ,
            _P.KNOWLEDGE_MANAGE,
        }
    ),
    Role.QA_ANALYST: frozenset(
        {_P.SELF_READ, _P.CONTACTS_READ, _P.QA_SCORE, _P.REPORTS_READ, _P.KNOWLEDGE_READ}
    ),
    Role.TRAINER: frozenset(
        {_P.SELF_READ, _P.TRAINING_MANAGE, _P.USERS_READ, _P.KNOWLEDGE_READ, _P.KNOWLEDGE_MANAGE}
    ),
    Role.OPERATIONS_MANAGER: frozenset(
        {
            _P.SELF_READ,
            _P.CONTACTS_READ,
            _P.CONTACTS_MERGE,
            _P.TEAM_MONITOR,
            _P.TEAM_MANAGE,
            _P.ORG_READ,
            _P.ORG_MANAGE,
            _P.USERS_READ,
            _P.ROUTING_CONFIGURE,
            _P.WFM_MANAGE,
            _P.REPORTS_READ,
            _P.DATA_EXPORT,
            _P.KNOWLEDGE_READ,
            _P.KNOWLEDGE_MANAGE,
            _P.METRICS_READ,
        }
    ),
    Role.EXECUTIVE: frozenset({_P.SELF_READ, _P.ORG_READ, _P.REPORTS_READ}),
    # HR onboards and offboards people and sees wellbeing, never contacts' data.
    Role.HR: frozenset({_P.SELF_READ, _P.USERS_READ, _P.USERS_MANAGE, _P.WELLBEING_READ}),
    Role.ADMIN: frozenset(
        {
            _P.SELF_READ,
            _P.USERS_READ,
            _P.USERS_MANAGE,
            _P.ROLES_ASSIGN,
            _P.TOKENS_MANAGE,
            _P.AUDIT_READ,
            _P.DATA_EXPORT,
            _P.ORG_READ,
            _P.ORG_MANAGE,
            _P.ROUTING_CONFIGURE,
            _P.MAIL_UNPARSED_READ,
            _P.KNOWLEDGE_READ,
            _P.KNOWLEDGE_MANAGE,
            _P.METRICS_READ,
        }
    ),
}

ROLES_WITH_ALL_CLIENT_ACCOUNTS: frozenset[Role] = frozenset({Role.ADMIN})
"""Roles that see every client account whatever their scope says."""


def role_allows(role: Role, permission: Permission) -> bool:
    return permission in PERMISSION_MATRIX[role]


def parse_role(value: str) -> Role:
    """Turn user input into a Role, or raise a clear validation error."""
    from switchdesk.domain.errors import ValidationFailed

    try:
        return Role(value)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise ValidationFailed(
            f"unknown role {value!r}; expected one of: {allowed}", code="role_unknown"
        ) from None
