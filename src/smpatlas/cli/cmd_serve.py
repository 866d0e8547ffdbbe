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
    public: Annotated[bool, typer.Option("--public", help="Anonymous visitors may read (the default, unless "
                                         "SMPATLAS_PUBLIC=false).")] = False,
    private: Annotated[bool, typer.Option("--private", help="Visitors must log in to read.")] = False,
    secure_cookies: Annotated[bool, typer.Option("--secure-cookies",
                                                 help="Mark the session cookie Secure (behind HTTPS).")] = False,
    no_secure_cookies: Annotated[bool, typer.Option("--no-secure-cookies",
                                                    help="Do not mark it Secure (plain HTTP; the default, "
                                                    "unless SMPATLAS_SECURE_COOKIES=true).")] = False,
) -> None:
    """Serve the inventory on the web: browse, assess, compare, what-if, import and edit.

    Settings also come from SMPATLAS_SECRET_KEY, SMPATLAS_PUBLIC, SMPATLAS_SECURE_COOKIES
    (see docs/web.md). Add accounts with 'smpatlas user add'.

    Example:

        smpatlas serve --db demo/atlas.db

        smpatlas serve --db atlas.db --host 0.0.0.0 --port 8080 --private --secure-cookies
    """
    # Before anything starts; neither of a pair: SMPATLAS_PUBLIC or SMPATLAS_SECURE_COOKIES decides (docs/web.md).
    visitors = c.one_of(public, private, "--public", "--private", "(SMPATLAS_PUBLIC decides; public by default)")
    secure = c.one_of(secure_cookies, no_secure_cookies, "--secure-cookies", "--no-secure-cookies",
                      "(SMPATLAS_SECURE_COOKIES decides)")
    import uvicorn

    from smpatlas.store import database
    from smpatlas.web import Settings, create_app

    settings = Settings.from_env(database_url=db, public=visitors, secure_cookies=secure)
    web_app = create_app(settings)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    c.out.print(f"SMP Atlas is serving {database.shown(db) or 'the inventory'} at http://{shown}:{port}/ "
                f"({'public' if settings.public else 'private'}; Ctrl-C to stop)", markup=False)
    uvicorn.run(web_app, host=host, port=port, log_level="warning")
