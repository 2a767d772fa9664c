"""The long tests, run on request: ``MIXLINT_LONG_TESTS=1 python -m pytest``.

By default the suite stays quick (README, "Development"): what only a huge input,
the deepest nesting or a long fuzzing session shows is left to this opt-in. A test
or a case marked ``long`` is deselected without it (``tests/conftest.py``); a test
whose size is not its point runs a smaller sample by default (``LONG`` picks it).
"""

from __future__ import annotations

import os

LONG = os.environ.get("MIXLINT_LONG_TESTS", "") not in ("", "0")
