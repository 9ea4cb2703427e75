"""Tests of the node types, one module per type (``engine/nodes/<type>.py`` -> ``test_<type>.py``).

``SHIPPED_TYPES`` is the one hand-written list of types: what this package ships, so a lost or
misnamed module fails the contract test. A new type needs no entry here; every other test over
node types iterates the registry.
"""

SHIPPED_TYPES = frozenset(
    {
        "agent",
        "approval",
        "classifier",
        "code",
        "http_request",
        "if_else",
        "join",
        "knowledge_retrieval",
        "llm",
        "loop",
        "output",
        "parallel",
        "set_variables",
        "sub_agent",
        "switch",
        "template",
        "trigger",
    }
)
