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

from agent_platform.models.agents import Agent, AgentStatus, AgentVersion  # noqa: E402
from agent_platform.models.runs import (  # noqa: E402
    Approval,
    ApprovalStatus,
    Run,
    RunEvent,
    RunStatus,
    Step,
)

__all__ += [
    "Agent",
    "AgentStatus",
    "AgentVersion",
    "Approval",
    "ApprovalStatus",
    "Run",
    "RunEvent",
    "RunStatus",
    "Step",
]

from agent_platform.models.credentials import (  # noqa: E402
    Credential,
    CredentialKind,
    LLMProvider,
)
from agent_platform.models.triggers import AgentTrigger  # noqa: E402

__all__ += ["AgentTrigger", "Credential", "CredentialKind", "LLMProvider"]

from agent_platform.models.knowledge import (  # noqa: E402
    DocumentStatus,
    KnowledgeBase,
    KnowledgeChunk,
    KnowledgeDocument,
)

__all__ += ["DocumentStatus", "KnowledgeBase", "KnowledgeChunk", "KnowledgeDocument"]

from agent_platform.models.approvals import (  # noqa: E402
    ApprovalLink,
    ApprovalVote,
    ApprovalWebhook,
    NotificationPreference,
)

__all__ += ["ApprovalLink", "ApprovalVote", "ApprovalWebhook", "NotificationPreference"]

from agent_platform.models.conversations import (  # noqa: E402
    Channel,
    Conversation,
    ConversationMessage,
    MessageStatus,
)
from agent_platform.models.widgets import AgentWidget  # noqa: E402

__all__ += ["AgentWidget", "Channel", "Conversation", "ConversationMessage", "MessageStatus"]

from agent_platform.models.storage import StoredBlob  # noqa: E402

__all__ += ["StoredBlob"]
