"""``smpatlas serve``: the web application (pages, JSON API, accounts) with uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from smpatlas.cli import common as c
from smpatlas.cli.app import app
from smpatlas.web.settings import DEFAULT_HOST, DEFAULT_PORT


@app.command("serve")
def serve(
    db: c.DbOption = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on (0.0.0.0 = every interface).")] = DEFAULT_HOST,
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = DEFAULT_PORT,
    public: Annotated[bool | None, typer.Option("--public/--private",
                                                help="Anonymous visitors may read (default) or must log in.")] = None,
    secure_cookies: Annotated[bool | None, typer.Option("--secure-cookies/--no-secure-cookies",
                                                        help="Mark the session cookie Secure (behind HTTPS).")] = None,
) -> None:
    """Serve the inventory on the web: browse, assess, compare, what-if, import and edit.

    Settings also come from SMPATLAS_SECRET_KEY, SMPATLAS_PUBLIC, SMPATLAS_SECURE_COOKIES
    (see docs/web.md). Add accounts with 'smpatlas user add'.

    Example:

        smpatlas serve --db demo/atlas.db

        smpatlas serve --db atlas.db --host 0.0.0.0 --port 8080 --private --secure-cookies
    """
    import uvicorn

    from smpatlas.store import database
    from smpatlas.web import Settings, create_app

    settings = Settings.from_env(database_url=db, public=public, secure_cookies=secure_cookies)
    web_app = create_app(settings)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    c.out.print(f"SMP Atlas is serving {database.shown(db) or 'the inventory'} at http://{shown}:{port}/ "
                f"({'public' if settings.public else 'private'}; Ctrl-C to stop)", markup=False)
    uvicorn.run(web_app, host=host, port=port, log_level="warning")
