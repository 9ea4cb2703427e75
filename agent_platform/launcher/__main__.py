"""``python -m agent_platform.launcher``."""

import sys

from agent_platform.launcher.cli import main

sys.exit(main())
