"""SQLModel tables, one module per aggregate. Importing this package registers every table."""

from agent_platform.models.accounts import AuthSession, PasswordReset, User
from agent_platform.models.api_keys import ApiKey, Scope
from agent_platform.models.audit import AuditLog
from agent_platform.models.orgs import (
    Invitation,
    Membership,
    Organization,
    Role,
    Team,
    TeamMember,
)

__all__ = [
    "ApiKey",
    "AuditLog",
    "AuthSession",
    "Invitation",
    "Membership",
    "Organization",
    "PasswordReset",
    "Role",
    "Scope",
    "Team",
    "TeamMember",
    "User",
]
