"""A test hook: pause inside a file's transaction so a test can kill the process there.

Set BLIPEE_LOADER_TEST_PAUSE_SECONDS (optionally BLIPEE_LOADER_TEST_PAUSE_MARKER, a file
path, and BLIPEE_LOADER_TEST_PAUSE_ON, a substring of the landing-relative paths to pause on)
and the loader, after writing a file's rows but before committing them, touches the marker
and sleeps. The crash test SIGKILLs the process once the marker exists, which makes
"killed half-way through a transaction" deterministic. Unset in production: it does nothing.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

PAUSE_SECONDS = "BLIPEE_LOADER_TEST_PAUSE_SECONDS"
PAUSE_MARKER = "BLIPEE_LOADER_TEST_PAUSE_MARKER"
PAUSE_ON = "BLIPEE_LOADER_TEST_PAUSE_ON"


def pause_inside_transaction(source_file: str) -> None:
    seconds = os.environ.get(PAUSE_SECONDS)
    if not seconds or os.environ.get(PAUSE_ON, "") not in source_file:
        return
    marker = os.environ.get(PAUSE_MARKER)
    if marker:
        Path(marker).write_text(source_file)
    time.sleep(float(seconds))
