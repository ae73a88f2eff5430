"""Where config and data live: SUPPORT_HOME first, then platformdirs. Nothing here
speaks to people, so the lowest layers (i18n reads ui.language from the config file) may
use it; paths.py adds the private-file rules on top."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "support"


def home() -> Path | None:
    value = os.environ.get("SUPPORT_HOME")
    return Path(value).expanduser() if value else None


def config_dir() -> Path:
    root = home()
    if root is not None:
        return root
    # Imported here: platformdirs only when SUPPORT_HOME is not set.
    import platformdirs

    return platformdirs.user_config_path(APP_NAME)


def data_dir() -> Path:
    root = home()
    if root is not None:
        return root
    # Imported here: platformdirs only when SUPPORT_HOME is not set.
    import platformdirs

    return platformdirs.user_data_path(APP_NAME)


def config_file() -> Path:
    return config_dir() / "config.toml"
