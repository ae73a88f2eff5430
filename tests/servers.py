"""What the test servers (imapserver.py, pgserver.py) share: a test whose server cannot
run here skips with the reason, unless SUPPORT_REQUIRE_SERVERS=1 (CI) makes it fail."""

from __future__ import annotations

import os

REQUIRE_SERVERS_ENV = "SUPPORT_REQUIRE_SERVERS"
# Read at import time: the suite's autouse `home` fixture deletes SUPPORT_* variables
# before each test, so a later os.environ lookup would never see it.
_REQUIRE_SERVERS = os.environ.get(REQUIRE_SERVERS_ENV, "") not in ("", "0")


def require(reason: str | None) -> None:
    """Nothing when `reason` is None; else skip the calling test, or fail it when
    SUPPORT_REQUIRE_SERVERS=1 was set at import or is set now."""
    if reason is None:
        return
    import pytest

    if _REQUIRE_SERVERS or os.environ.get(REQUIRE_SERVERS_ENV, "") not in ("", "0"):
        pytest.fail(f"{reason}; {REQUIRE_SERVERS_ENV}=1 forbids skipping", pytrace=False)
    pytest.skip(reason)
