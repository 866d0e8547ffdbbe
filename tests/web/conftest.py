"""Web fixtures: a sample inventory with three users, apps over it, logged-in clients, a live server."""

from __future__ import annotations

import contextlib
import re
import shutil
import socket
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from smpatlas.io.importer import import_files
from smpatlas.store import database
from smpatlas.store import users as users_store
from smpatlas.web import Settings, create_app
from tests.conftest import BUNDLED

with warnings.catch_warnings():  # starlette's TestClient warns about httpx at import time
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

PASSWORD = "correct-horse-battery"
#: Debian's Chromium, driven by Playwright through executable_path (a browser is never downloaded).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SECRET = "test-secret-key-that-is-long-enough-0123456789"
USERS = {"alice": "admin", "erin": "editor", "vic": "viewer"}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: headless Chromium tests (need /usr/bin/chromium)")


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled inventory plus three users, built once; copy it before writing."""
    path = tmp_path_factory.mktemp("web") / "sample.db"
    _load_sample(str(path))
    return path


def settings_for(db: Path | str, tmp: Path, **kw: Any) -> Settings:
    return Settings(database_url=str(db), secret_key=SECRET, upload_dir=str(tmp / "uploads"), **kw)


def _read_only_client(db: Path | str, tmp: Path) -> Iterator[TestClient]:
    app = create_app(settings_for(db, tmp))
    with TestClient(app) as client:
        yield client
    app.state.smpatlas.atlas.close()


@pytest.fixture(scope="session")
def ro_client_sqlite(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    yield from _read_only_client(sample_db, tmp_path_factory.mktemp("ro"))


@pytest.fixture(scope="session")
def ro_client_postgresql(pg_server: Any, pg_sample_template: str,
                         tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    url = pg_server.create_database(template=pg_sample_template)
    yield from _read_only_client(url, tmp_path_factory.mktemp("ro-pg"))


@pytest.fixture
def ro_client(web_backend: str, request: pytest.FixtureRequest) -> TestClient:
    """A client over the sample inventory shared by every test that only reads, on the module's engine(s)
    (a SQLite file, and a PostgreSQL database too in modules with ``BOTH_ENGINES``)."""
    client: TestClient = request.getfixturevalue(f"ro_client_{web_backend}")
    return client


def _load_sample(url: str) -> None:
    engine = database.open_engine(url)
    report = import_files(engine, [BUNDLED], user="fixture")
    assert report.valid, report.to_text()
    with engine.begin() as conn:
        for name, role in USERS.items():
            users_store.create_user(conn, name=name, role=role, password=PASSWORD)
    engine.dispose()


@pytest.fixture(scope="session")
def pg_sample_template(pg_server: Any) -> str:
    """A PostgreSQL database holding the sample inventory and the three users, to copy for each test."""
    url = pg_server.create_database()
    _load_sample(url)
    return str(url.rsplit("/", 1)[1])


@pytest.fixture
def web_backend(request: pytest.FixtureRequest) -> str:
    """The engine behind the app: SQLite, and PostgreSQL too in modules with ``BOTH_ENGINES = True``."""
    return str(getattr(request, "param", "sqlite"))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Modules with ``BOTH_ENGINES = True`` run every test that uses the app's database on SQLite and PostgreSQL."""
    if getattr(metafunc.module, "BOTH_ENGINES", False) and "web_backend" in metafunc.fixturenames:
        metafunc.parametrize("web_backend", ["sqlite", "postgresql"], indirect=True)


def all_rows(db: Path | str) -> str:
    """Every stored row as text (for 'no secret is stored' checks on either engine)."""
    from sqlalchemy import MetaData, select

    engine = database.open_engine(str(db))
    md = MetaData()
    md.reflect(engine)
    with engine.connect() as conn:
        text = "\n".join(repr(row) for t in md.sorted_tables for row in conn.execute(select(t)))
    engine.dispose()
    return text


@pytest.fixture
def db_copy(web_backend: str, sample_db: Path, tmp_path: Path, request: pytest.FixtureRequest) -> Any:
    """A private copy of the sample inventory: a SQLite file (a Path), or a PostgreSQL database (its URL)."""
    if web_backend == "postgresql":
        server = request.getfixturevalue("pg_server")
        return server.create_database(template=request.getfixturevalue("pg_sample_template"))
    path = tmp_path / "atlas.db"
    shutil.copy(sample_db, path)
    return path


@pytest.fixture
def app_factory(db_copy: Path, tmp_path: Path) -> Iterator[Any]:
    apps: list[Any] = []

    def make(**kw: Any) -> TestClient:
        app = create_app(settings_for(db_copy, tmp_path, **kw))
        apps.append(app)
        return TestClient(app)

    yield make
    for app in apps:
        app.state.smpatlas.atlas.close()


@pytest.fixture
def client(app_factory: Any) -> TestClient:
    """A fresh app over a private copy of the sample inventory (anonymous)."""
    c: TestClient = app_factory()
    return c


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no CSRF token in the page"
    return m.group(1)


def log_in(client: TestClient, name: str, password: str = PASSWORD) -> str:
    """Log ``client`` in through the form; returns the CSRF token of the new session."""
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"name": name, "password": password, "csrf_token": token, "next": "/"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    return csrf_of(client.get("/partnerships?per_page=1").text)


def token_for(db: Path | str, name: str) -> dict[str, str]:
    engine = database.open_engine(str(db))
    with engine.begin() as conn:
        token = users_store.create_token(conn, user_name=name)
    engine.dispose()
    return {"Authorization": f"Bearer {token}"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serving(app: Any) -> Iterator[str]:
    """uvicorn serving ``app`` on a free 127.0.0.1 port, in a thread; yields the base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def browser_log_in(page: Any, base: str, name: str) -> None:
    """Log ``name`` in through the log-in form of a browser ``page``."""
    page.goto(f"{base}/login")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/")


def open_page(ctx: Any, url: str, width: int = 1280) -> Any:
    """A new page of the browser context ``ctx`` at ``url``; ``page.script_errors`` collects its script errors."""
    page = ctx.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    page.set_default_timeout(15000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.script_errors = errors
    return page


@pytest.fixture
def live_server(db_copy: Path, tmp_path: Path) -> Iterator[str]:
    """uvicorn serving a copy of the sample inventory on a free 127.0.0.1 port, in a thread."""
    app = create_app(settings_for(db_copy, tmp_path))
    with serving(app) as base:
        yield base
    app.state.smpatlas.atlas.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium for a module's browser tests."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page (1280×900) that fails the test on a script error."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = ctx.new_page()
    pg.set_default_timeout(15000)
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    ctx.close()
    assert not errors, errors
