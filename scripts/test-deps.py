#!/usr/bin/env python3
"""Install the system packages the test suite needs that pip cannot: Debian's chromium.

The browser test (tests/integration/test_browser_uploads.py) drives /usr/bin/chromium through
Playwright's Python package, never a browser Playwright downloads. Quick and silent when the
browser is present; run as root on Debian it installs it with apt-get; otherwise it says what to
do and fails, so the suite never runs without its browser test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

CHROMIUM = "/usr/bin/chromium"


def main() -> int:
    if os.access(CHROMIUM, os.X_OK):
        return 0
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        print(f"test-deps: {CHROMIUM} is missing; install Debian's chromium package "
              "(apt-get install chromium) and run the tests again", file=sys.stderr)  # fmt: skip
        return 1
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
    return 0 if os.access(CHROMIUM, os.X_OK) else 1


if __name__ == "__main__":
    sys.exit(main())
