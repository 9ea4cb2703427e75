"""Who may do what: the role matrix, API-key scopes and the ``Principal`` every service takes.

The matrix follows the product's permissions table: owners, admins and editors create, edit and
execute agents; owners and admins delete agents and manage integrations, members, API keys and
see the audit log; only owners manage billing; viewers see agents and runs only.

An API key acts through its scopes, but never beyond its creator: a key can only be given
scopes the creator's role grants in full, and each time it is used its scopes are cut down to
those the creator's *current* role still grants (a demoted or removed creator's keys shrink
with them).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import StrEnum

from agent_platform.models.api_keys import Scope
from agent_platform.models.orgs import Role
from agent_platform.services.errors import Forbidden


class Permission(StrEnum):
    """An action checked on the server."""

    VIEW_AGENTS = "view_agents"
    CREATE_AGENT = "create_agent"
    EDIT_AGENT = "edit_agent"
    DELETE_AGENT = "delete_agent"
    EXECUTE_AGENT = "execute_agent"
    VIEW_RUNS = "view_runs"
    DECIDE_APPROVALS = "decide_approvals"
    VIEW_KNOWLEDGE = "view_knowledge"
    EDIT_KNOWLEDGE = "edit_knowledge"
    MANAGE_INTEGRATIONS = "manage_integrations"
    MANAGE_MEMBERS = "manage_members"
    MANAGE_API_KEYS = "manage_api_keys"
    VIEW_AUDIT_LOG = "view_audit_log"
    MANAGE_BILLING = "manage_billing"
    MANAGE_ORG = "manage_org"


_VIEWER = {Permission.VIEW_AGENTS, Permission.VIEW_RUNS, Permission.VIEW_KNOWLEDGE}
_EDITOR = _VIEWER | {
    Permission.CREATE_AGENT,
    Permission.EDIT_AGENT,
    Permission.EXECUTE_AGENT,
    Permission.DECIDE_APPROVALS,
    Permission.EDIT_KNOWLEDGE,
}
_ADMIN = _EDITOR | {
    Permission.DELETE_AGENT,
    Permission.MANAGE_INTEGRATIONS,
    Permission.MANAGE_MEMBERS,
    Permission.MANAGE_API_KEYS,
    Permission.VIEW_AUDIT_LOG,
    Permission.MANAGE_ORG,
}
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: frozenset(_VIEWER),
    Role.EDITOR: frozenset(_EDITOR),
    Role.ADMIN: frozenset(_ADMIN),
    Role.OWNER: frozenset(_ADMIN | {Permission.MANAGE_BILLING}),
}

SCOPE_PERMISSIONS: dict[Scope, frozenset[Permission]] = {
    Scope.AGENTS_READ: frozenset({Permission.VIEW_AGENTS}),
    Scope.AGENTS_WRITE: frozenset(
        {Permission.VIEW_AGENTS, Permission.CREATE_AGENT, Permission.EDIT_AGENT}
    ),
    Scope.AGENTS_DELETE: frozenset({Permission.VIEW_AGENTS, Permission.DELETE_AGENT}),
    Scope.RUNS_EXECUTE: frozenset({Permission.EXECUTE_AGENT}),
    Scope.RUNS_READ: frozenset({Permission.VIEW_RUNS}),
    Scope.KNOWLEDGE_WRITE: frozenset({Permission.VIEW_KNOWLEDGE, Permission.EDIT_KNOWLEDGE}),
}

ROLE_RANK = {Role.VIEWER: 0, Role.EDITOR: 1, Role.ADMIN: 2, Role.OWNER: 3}


def scopes_for_role(role: Role | None) -> frozenset[Scope]:
    """The scopes whose every permission ``role`` has (none for ``None``: no role, no scopes)."""
    granted = ROLE_PERMISSIONS[role] if role else frozenset()
    return frozenset(s for s, needs in SCOPE_PERMISSIONS.items() if needs <= granted)


def scopes_granting(permission: Permission) -> list[str]:
    """The scope names that grant ``permission``, e.g. ``["agents:delete"]``."""
    return [s.value for s, perms in SCOPE_PERMISSIONS.items() if permission in perms]


@dataclass(frozen=True)
class Principal:
    """The authenticated caller inside one organization.

    Built only by ``services.accounts.auth`` from a verified session token or API key; never from
    request bodies. ``role`` is ``None`` for API keys, which act through ``scopes`` alone.
    """

    user_id: uuid.UUID | None
    org_id: uuid.UUID
    role: Role | None
    email: str = ""
    session_id: uuid.UUID | None = None
    api_key_id: uuid.UUID | None = None
    scopes: frozenset[Scope] = field(default_factory=frozenset)
    ip: str = ""

    @property
    def permissions(self) -> frozenset[Permission]:
        """Everything this principal may do in its organization."""
        if self.api_key_id is not None:
            allowed: set[Permission] = set()
            for scope in self.scopes:
                allowed |= SCOPE_PERMISSIONS[scope]
            return frozenset(allowed)
        return ROLE_PERMISSIONS[self.role] if self.role else frozenset()

    def can(self, permission: Permission) -> bool:
        """Whether ``permission`` is granted."""
        return permission in self.permissions

    def require(self, permission: Permission) -> None:
        """Raise ``Forbidden`` unless ``permission`` is granted."""
        if self.can(permission):
            return
        action = permission.value.replace("_", " ")
        if self.api_key_id is None:
            raise Forbidden(
                f"The {self.role} role is not allowed to {action}.",
                details={"permission": permission.value},
            )
        needs = scopes_granting(permission)
        raise Forbidden(
            f"This API key is not allowed to {action}: it needs the scope "
            f"{' or '.join(needs) or '(none exists)'}, and its creator's role must grant it.",
            details={"permission": permission.value, "scopes": needs},
        )
