"""Node types, one module each, discovered: importing this package registers all of them.

The rule: every module of this package whose name does not start with ``_`` is imported, and a
module ``<type>.py`` defines the node type ``<type>`` (defining the ``Node`` subclass registers
it). ``base`` is the API node modules build on; ``_``-prefixed modules (``_conditions``,
``_http_support``, ``_agent_tools``) are helpers imported only by the node modules using them.
Adding a node type is adding its module here; nothing lists the types by hand.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from types import ModuleType


def discover(package: ModuleType) -> list[str]:
    """Import every public module on ``package.__path__``, registering their node types.

    Importing a module twice is a no-op, so discovery may run again after the path grew.

    Returns:
        The public module names found, sorted.
    """
    names = sorted(
        info.name
        for info in pkgutil.iter_modules(package.__path__)
        if not info.name.startswith("_")
    )
    for name in names:
        importlib.import_module(f"{package.__name__}.{name}")
    return names


discover(sys.modules[__name__])
