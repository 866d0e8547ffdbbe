"""The web application (``smpatlas serve``): pages, the JSON API under ``/api/v1``, accounts.

The core never imports this package; it imports FastAPI. Build an app with
:func:`create_app`; configure it with :class:`Settings`.
"""

from smpatlas.web.app import create_app
from smpatlas.web.settings import Settings

__all__ = ["Settings", "create_app"]
