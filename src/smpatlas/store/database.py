"""Database connections and schema migrations.

Owns resolving the database URL (``--db PATH``, a full URL, or
``SMPATLAS_DATABASE_URL``; default ``smpatlas.db`` in the current folder),
creating engines with the right settings per backend (an existing file that is
not a SQLite database is refused before SQLite touches it), and running the
Alembic migrations (create, upgrade, refuse downgrade), and turning
"database is locked" (a SQLite writer kept waiting longer than
``SMPATLAS_BUSY_TIMEOUT`` seconds; on PostgreSQL, a lock waited for as long)
into :class:`~smpatlas.errors.Busy`. Must not
know about records, files or the CLI.

Opening an inventory whose schema is current reads its revision with one query
and compares it with :data:`HEAD_REVISION`; Alembic (a fifth of a command's
start-up) is imported only to create, upgrade or judge another revision.
"""

from __future__ import annotations

import functools
import os
import re
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlencode

import orjson
from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError

from smpatlas.errors import Busy, ConfigError, SmpAtlasError

if TYPE_CHECKING:
    from alembic.config import Config

ENV_VAR = "SMPATLAS_DATABASE_URL"
#: How long (seconds) a SQLite write waits for another writer before giving up with :class:`Busy`.
BUSY_ENV_VAR = "SMPATLAS_BUSY_TIMEOUT"
BUSY_TIMEOUT = 30.0
DEFAULT_PATH = "smpatlas.db"
MIGRATIONS = Path(__file__).with_name("migrations")
#: The newest migration in ``migrations/versions`` (a test holds it equal to Alembic's head).
HEAD_REVISION = "0007"


#: A database URL scheme followed by one or no slash (``postgresql+psycopg:/user@host/db``): a typo, not a file name.
_ALMOST_URL = re.compile(r"^(sqlite|postgres(ql)?)(\+\w+)?:/?(?!/)", re.IGNORECASE)


def resolve_url(db: str | None = None) -> str:
    """A SQLAlchemy URL from a path, a URL or the environment."""
    value = db or os.environ.get(ENV_VAR) or DEFAULT_PATH
    if "://" not in value and _ALMOST_URL.match(value):
        scheme = value.split(":", 1)[0]
        example = ("sqlite:///atlas.db, three slashes before a relative path" if scheme.lower().startswith("sqlite")
                   else f"{scheme}://user@host/atlas")
        raise ConfigError(f"{shown(value)!r} looks like a database URL with a slash missing: write it as "
                          f"{example}; or give a file path such as atlas.db.")
    if "://" in value:
        try:
            url = make_url(value)
        except (ArgumentError, ValueError) as exc:  # ValueError: e.g. a port that is not a number
            raise ConfigError(f"Not a database URL: {shown(value)!r} ({exc}).") from None
        if url.host and "@" in url.host:  # user:p@ss@host: the URL ends the password at its first '@'
            raise ConfigError(f"The database URL {shown(value)!r} has more than one '@': a password holding '@' "
                              "must be written with it percent-encoded, as %40 (e.g. pa%40ss for pa@ss); or leave "
                              "the password out of the URL and put it in a ~/.pgpass file.")
        return value
    return f"sqlite:///{Path(value).expanduser()}"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (also of SQLAlchemy's URI form ``sqlite:///file:PATH?mode=ro&uri=true``)."""
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    db = u.database
    if str(u.query.get("uri", "")).lower() in ("true", "1") and db.startswith("file:"):
        rest = db[len("file:"):]
        if rest.startswith("//"):  # file://host/path: the host (empty or localhost) is not part of the path
            rest = rest[rest.find("/", 2):] if rest.find("/", 2) >= 0 else ""
        db = unquote(rest)
        if not db or db == ":memory:" or u.query.get("mode") == "memory":
            return None
    return Path(db)


def shown(db: str | None) -> str:
    """A database path or URL as printed to people: any password in a URL replaced by ``***``."""
    if not db or "://" not in db:
        return db or ""
    try:
        url = make_url(db)
    except (ArgumentError, ValueError):
        return re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", db)
    if url.host and "@" in url.host:  # user:p@ss@host, the '@' not encoded: all of 'p@ss' is the password
        url = url.set(password="***", host=url.host.rsplit("@", 1)[1])
    return url.render_as_string(hide_password=True)


def busy_timeout() -> float:
    """Seconds a SQLite write waits for another writer: ``SMPATLAS_BUSY_TIMEOUT`` or 30."""
    text = os.environ.get(BUSY_ENV_VAR, "").strip()
    if not text:
        return BUSY_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 86_400:
        raise ConfigError(f"{BUSY_ENV_VAR}={text!r} is not a number of seconds between 0 and 86400 (default 30).")
    return value


def _sqlite_pragmas(dbapi_conn: Any, _record: Any, *, read_only: bool = False) -> None:
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout = {int(busy_timeout() * 1000)}")
    cur.execute("PRAGMA foreign_keys = ON")
    # Up to 64 MB of page cache (default 2 MB): a large import is one transaction, and a full cache
    # spills dirty pages mid-transaction, each spill syncing the rollback journal first.
    cur.execute("PRAGMA cache_size = -65536")
    # Write-ahead log: readers (the web app, other commands) never wait for a writer, even during a
    # long import; a failed or killed import leaves only uncommitted frames, which SQLite ignores.
    # (Setting it writes to the file: a read-only inventory is read in whatever mode it was left.)
    if not read_only:
        cur.execute("PRAGMA journal_mode = WAL")
    cur.close()


#: SQLite's own URI parameters (https://sqlite.org/uri.html), accepted after a file's path:
#: ``sqlite:///atlas.db?mode=ro`` opens the inventory read-only.
SQLITE_URI_PARAMS = ("mode", "immutable", "cache", "nolock", "vfs", "psow")


def _sqlite_open(url: str, path: Path) -> tuple[str, dict[str, str]]:
    """The URL without SQLite's URI parameters, and the parameters to open ``path`` with.

    An inventory that cannot be written here (a read-only file, folder or file system: a published
    copy on a shared drive, say) is opened read-only — ``mode=ro``, and ``immutable=1`` when its
    write-ahead log files are absent and cannot be created (SQLite needs one or the other to read a
    WAL database) — so that reading it works and a write fails with :func:`_busy`'s message.
    """
    u = make_url(url)
    if u.query.get("uri"):  # SQLAlchemy's own form (sqlite:///file:...?mode=ro&uri=true): as given
        return url, {}
    params = {k: str(v) for k, v in u.query.items() if k in SQLITE_URI_PARAMS}
    if params:
        url = u.difference_update_query(list(params)).render_as_string(hide_password=False)
    if not path.exists():
        return url, params
    if "mode" not in params and not _writable(path):
        params["mode"] = "ro"
    if params.get("mode") == "ro" and "immutable" not in params and not os.access(path.parent, os.W_OK):
        wal, shm = (path.with_name(path.name + s) for s in ("-wal", "-shm"))
        if not wal.exists() and not shm.exists():
            params["immutable"] = "1"
    return url, params


def _writable(path: Path) -> bool:
    """Whether SQLite can write ``path`` (and create its write-ahead log beside it, unless it is there)."""
    if not os.access(path, os.W_OK):  # a read-only file or file system (EROFS even for root)
        return False
    return os.access(path.parent, os.W_OK) or path.with_name(path.name + "-wal").exists()


def _connector(path: Path, params: dict[str, str]) -> Any:
    """A connection factory opening ``path`` as a SQLite URI with ``params`` (e.g. ``mode=ro``)."""
    uri = "file:" + quote(str(path.resolve()), safe="/") + "?" + urlencode(params)
    return functools.partial(sqlite3.connect, uri, uri=True, check_same_thread=False)


def create(url: str) -> Engine:
    """An engine for ``url``; a missing SQLite folder is a clear error."""
    path = sqlite_path(url)
    if path is not None and not path.parent.exists():
        raise ConfigError(f"Folder {str(path.parent)!r} does not exist; cannot create database {str(path)!r}.")
    if path is not None and not path.exists() and not os.access(path.parent, os.W_OK):
        raise ConfigError(f"Cannot create database {str(path)!r}: the folder {str(path.parent)!r} is read-only "
                          "here. Choose a file in a writable folder.")
    params: dict[str, str] = {}
    extra: dict[str, Any] = {}
    if path is not None:
        check_sqlite_file(path)
        url, params = _sqlite_open(url, path)
        if params:
            extra["creator"] = _connector(path, params)
    try:
        # hide_parameters: an error's message never carries the values sent (a password hash, a token's hash)
        if make_url(url).get_backend_name() == "postgresql":
            busy_timeout()  # a bad setting is an error now, not at the first connection
        engine = create_engine(url, future=True, json_serializer=json_text, json_deserializer=orjson.loads,
                               hide_parameters=True, **extra)
        engine.dialect.create_connect_args(engine.url)  # e.g. a port or timeout that is not a number
    except (ArgumentError, ModuleNotFoundError, ValueError, TypeError) as exc:
        hint = ""
        if make_url(url).get_backend_name() == "postgres":  # Heroku's and libpq's spelling
            hint = " (SQLAlchemy spells the scheme postgresql: write postgresql+psycopg://…)"
        raise ConfigError(f"Cannot use database {shown(url)!r}: {exc}{hint}.") from None
    if engine.dialect.name == "postgresql":
        event.listen(engine, "handle_error", _pg_refused)
        event.listen(engine, "connect", _pg_lock_timeout)
    if engine.dialect.name == "sqlite":
        busy_timeout()  # a bad setting is an error now, not at the first connection
        read_only = params.get("mode") == "ro" or params.get("immutable") == "1"
        event.listen(engine, "connect", functools.partial(_sqlite_pragmas, read_only=read_only))
        event.listen(engine, "handle_error", _busy)
    return engine


#: The first bytes of every SQLite database file (an empty file is a new database to SQLite).
SQLITE_MAGIC = b"SQLite format 3\x00"
_DATA_FILES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".ods", ".json", ".jsonl", ".ndjson", ".zip")


def check_sqlite_file(path: Path) -> None:
    """Refuse an existing file that is not a SQLite database (or a folder) before SQLite opens it.

    Only reads the file's first 16 bytes: the attempt never changes it.
    """
    if not path.exists():
        return
    hint = ("give the path of an inventory (e.g. atlas.db), or a new file name to create one; "
            "a spreadsheet or JSON file is imported with 'smpatlas import FILE --db atlas.db'"
            if path.suffix.lower() in _DATA_FILES else
            "give the path of an inventory (e.g. atlas.db), or a new file name to create one")
    if path.is_dir():
        raise ConfigError(f"{str(path)!r} is a folder, not an SMP Atlas inventory: {hint}.")
    try:
        with path.open("rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise ConfigError(f"Cannot read the inventory {str(path)!r}: {exc.strerror or exc}.") from None
    if head and head != SQLITE_MAGIC:
        raise ConfigError(f"{str(path)!r} is not an SMP Atlas inventory (not a SQLite database file); "
                          f"it was left untouched. Hint: {hint}.")


#: What SQLite says when its busy timeout ran out (SQLITE_BUSY, SQLITE_LOCKED).
_LOCKED = ("database is locked", "database table is locked", "database schema is locked")


_DAMAGED = ("database disk image is malformed", "file is not a database")
#: What SQLite says when a write meets a read-only file, folder, file system or ``mode=ro``.
_READ_ONLY = ("attempt to write a readonly database",)


def _busy(ctx: ExceptionContext) -> None:
    """Raise :class:`Busy` instead of SQLite's "database is locked" (the transaction is rolled back), and a
    clear error instead of SQLite's "database disk image is malformed" met mid-way (a damaged page)."""
    text = str(ctx.original_exception)
    where = f" {ctx.engine.url.database!r}" if ctx.engine is not None and ctx.engine.url.database else ""
    if text.startswith(_DAMAGED):
        raise ConfigError(f"The inventory{where} is damaged ({text}): it cannot be read. Nothing was written; "
                          "restore it from a backup or a 'smpatlas dump' ('sqlite3 FILE .recover' may save "
                          "what is left).")
    if text.startswith(_READ_ONLY):
        raise ConfigError(f"The inventory{where} is read-only here (a read-only file, folder or file system, or "
                          "opened with mode=ro): it can be read but not changed. Nothing was written; copy it to a "
                          "writable folder and work on the copy.")
    if text not in _LOCKED:
        return
    raise Busy(
        f"The inventory{where} is busy: another program (a long import, perhaps, or an edit) kept it "
        f"locked for writing for more than {busy_timeout():g} s. Nothing was written; try again once it "
        f"has finished (set {BUSY_ENV_VAR} to wait longer)."
    )


class DatabaseRefused(SmpAtlasError):
    """The database server refused the database user (no right to read or change a table, or a read-only server):
    a setting of the deployment, not of the request (the web app answers 503)."""

    status = 503


#: SQLSTATEs of a PostgreSQL server refusing what the user may not do: no privilege, a read-only transaction
#: (a hot standby, ``default_transaction_read_only``).
_PG_NO_PRIVILEGE, _PG_READ_ONLY = "42501", "25006"


def _pg_refused(ctx: ExceptionContext) -> None:
    """Raise :class:`DatabaseRefused`, one message saying what to do, when PostgreSQL refuses the database user a
    table or schema ("permission denied for table partnerships") or a write (a read-only server); :class:`Busy`
    when a lock was waited for longer than ``lock_timeout`` (:func:`_pg_lock_timeout`)."""
    orig = ctx.original_exception
    code = getattr(orig, "sqlstate", None)
    if code == _PG_LOCK_TIMEOUT:
        raise Busy(f"The inventory is busy: another program (a long import, perhaps, or an edit) kept what this "
                   f"changes locked for more than {busy_timeout():g} s. Nothing was written; try again once it has "
                   f"finished (set {BUSY_ENV_VAR} to wait longer).")
    if code not in (_PG_NO_PRIVILEGE, _PG_READ_ONLY) or ctx.engine is None:
        return
    if ctx.connection is not None and ctx.connection.in_nested_transaction():
        return  # under a savepoint the caller handles the refusal (migration 0004: CREATE EXTENSION pg_trgm)
    said = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    url = ctx.engine.url  # named, not shown: the web app answers visitors with this message
    user, name = url.username or "(your login name)", url.database or "DATABASE"
    if code == _PG_READ_ONLY:
        raise DatabaseRefused(f"The PostgreSQL server is read-only ({said}): the inventory can be read but not "
                              "changed here. Nothing was written; connect to the primary server.")
    if "schema" in said:
        advice = (f"PostgreSQL 15 and later let only a database's owner create tables in its schema public: create "
                  f"the database with 'createdb -O {user} {name}', or have a superuser run 'ALTER DATABASE {name} "
                  f"OWNER TO {user};', then run the command again")
    else:
        advice = ("connect as the user that created the inventory ('smpatlas init'; it owns the tables), or have "
                  f"the owner grant {user!r} what it needs (to read: GRANT SELECT ON ALL TABLES IN SCHEMA public "
                  f"TO {user}; to edit, also INSERT, UPDATE, DELETE, and USAGE ON ALL SEQUENCES IN SCHEMA public)")
    raise DatabaseRefused(f"The PostgreSQL user {user!r} may not do this ({said}). Nothing was written; {advice}.")


#: SQLSTATE of a PostgreSQL statement that waited for a lock longer than ``lock_timeout``.
_PG_LOCK_TIMEOUT = "55P03"


def _pg_lock_timeout(dbapi_conn: Any, _record: Any) -> None:
    """Wait at most ``SMPATLAS_BUSY_TIMEOUT`` for a lock another writer holds (an edit behind a long import of the
    same record), as SQLite writers do; then :func:`_pg_refused` raises :class:`Busy`. (0 means "at once":
    PostgreSQL's 0 would wait for ever.) Set for the session, outside any transaction."""
    ms = max(1, int(busy_timeout() * 1000))
    autocommit = dbapi_conn.autocommit
    dbapi_conn.autocommit = True
    try:
        dbapi_conn.execute(f"SET lock_timeout = {ms}")
    finally:
        dbapi_conn.autocommit = autocommit


def json_text(value: Any) -> str:
    """JSON text for JSON columns and the history: orjson (about ten times faster than json), keys sorted."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode("utf-8")


def alembic_config(url: str) -> Config:
    """Alembic's configuration for the migrations shipped in this package, on ``url``."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    """The head revision as Alembic finds it in the migration scripts."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _stamped_revision(engine: Engine) -> str | None:
    """The revision in ``alembic_version`` when it holds exactly one (else None: ask Alembic)."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT version_num FROM alembic_version")).fetchall()
    return str(rows[0][0]) if len(rows) == 1 else None


def state(engine: Engine) -> str:
    """``empty``, ``current``, ``behind``, ``ahead`` or ``foreign``."""
    try:
        tables = set(inspect(engine).get_table_names())
    except OperationalError as exc:
        raise ConfigError(f"Cannot open database {engine.url!r}: {str(exc.orig).strip()}.") from exc
    except DatabaseError as exc:
        if engine.dialect.name != "sqlite":  # e.g. an unknown connection option in the URL (?foo=bar)
            raise ConfigError(f"Cannot open database {engine.url!r}: {str(exc.orig).strip()}.") from exc
        # e.g. a damaged SQLite file ("file is not a database", "malformed")
        raise ConfigError(f"Cannot open database {shown(str(engine.url))!r}: {exc.orig}; it is not a readable "
                          "SMP Atlas inventory (restore it from a backup or a 'smpatlas dump').") from exc
    if not tables:
        return "empty"
    if "alembic_version" not in tables:
        return "foreign"
    if _stamped_revision(engine) == HEAD_REVISION:
        return "current"
    from alembic.script import ScriptDirectory

    rev = current_revision(engine)
    if rev == head_revision():
        return "current"
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    known = {s.revision for s in script.walk_revisions()}
    return "behind" if rev in known else "ahead"


def upgrade(engine: Engine) -> str:
    """Bring the database to the current schema; returns what was done."""
    st = state(engine)
    if st == "current":
        return "already current"
    if st == "foreign":
        raise ConfigError(
            f"{engine.url!r} holds tables that SMP Atlas did not create; use a new database file or URL."
        )
    if st == "ahead":
        raise ConfigError(
            f"{engine.url!r} was created by a newer SMP Atlas (schema revision "
            f"{current_revision(engine)!r}); upgrade SMP Atlas instead — downgrades are refused."
        )
    from alembic import command

    cfg = alembic_config(str(engine.url))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return "created" if st == "empty" else "upgraded"


def seed_reference_data(engine: Engine) -> None:
    """Load the shipped reference data (EURES shortage lists) into a new inventory."""
    from smpatlas.reference.shortages import ensure_shipped

    ensure_shipped(engine)


def open_engine(db: str | None = None, *, create_if_missing: bool = True) -> Engine:
    """An engine on a database ready for use (created on first use)."""
    url = resolve_url(db)
    path = sqlite_path(url)
    if path is not None and not path.exists() and not create_if_missing:
        raise ConfigError(f"No SMP Atlas inventory at {shown(db or url)!r}; run 'smpatlas init' or import a file first.")
    engine = create(url)
    st = state(engine)
    if st == "empty":
        if not create_if_missing:
            raise ConfigError(f"No SMP Atlas inventory at {shown(db or url)!r}; run 'smpatlas init' or import a file first.")
        upgrade(engine)
        seed_reference_data(engine)
    elif st == "behind":
        name = engine.url.database or "DATABASE"
        backup = (f"pg_dump -Fc {name} > {name}.dump" if engine.dialect.name == "postgresql"
                  else f"sqlite3 {name} \".backup {name}.bak\"")
        engine.dispose()
        raise ConfigError(
            f"The database {shown(db or url)!r} uses an older schema; run 'smpatlas db upgrade' (back it up first: "
            f"{backup}; 'smpatlas dump' reads only a current schema)."
        )
    elif st in ("ahead", "foreign"):
        upgrade(engine)  # raises the right message
    return engine
