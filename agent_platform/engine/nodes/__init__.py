"""Node types, one module each. Importing this package registers all of them."""

from agent_platform.engine.nodes import (  # noqa: F401 - imported to register
    agent,
    approval,
    classifier,
    code,
    http_request,
    if_else,
    join,
    knowledge_retrieval,
    llm,
    loop,
    output,
    parallel,
    set_variables,
    sub_agent,
    switch,
    template,
    trigger,
)
