"""The web application (``smpatlas serve``): pages, the JSON API under ``/api/v1``, accounts.

The core never imports this package; it imports FastAPI. Build an app with
:func:`smpatlas.web.app.create_app`; configure it with :class:`smpatlas.web.settings.Settings`.
Nothing is imported here, so that ``smpatlas.web.settings`` (used by the CLI) stays light.
"""

from typing import Any

__all__ = ["Settings", "create_app"]


def __getattr__(name: str) -> Any:
    """``from smpatlas.web import create_app, Settings`` without importing FastAPI for every CLI command."""
    if name == "create_app":
        from smpatlas.web.app import create_app

        return create_app
    if name == "Settings":
        from smpatlas.web.settings import Settings

        return Settings
    raise AttributeError(name)
