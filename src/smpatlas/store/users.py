"""Accounts and API tokens: reading and writing the ``users``, ``api_tokens`` and ``login_attempts`` tables.

Owns creating users with a role, changing a role, disabling and enabling users, resetting passwords (which ends
the user's web sessions: see :func:`session_user`), checking passwords (Argon2 hashes only, never the
password), issuing, listing and revoking API tokens (a random secret
shown once; only its SHA-256 is stored; never for a disabled user), resolving a token back to its user,
and the shared record of failed log-ins behind the web app's rate limit.

User names are printable (:func:`check_name`: no control or invisible characters, no spaces at either end,
at most 200 characters; the same rules for a name written only to the history, such as ``--user``) and
unique by :func:`name_key`: case, width and how an accented letter is encoded aside (``Ana``, ``ANA`` and
fullwidth ``ａna``; ``José`` with ``é`` as one character or as ``e`` and a combining accent). A name is
stored as typed (not normalised: callers keep using the name they sent, and it prints as typed); log-in,
the uniqueness check and the failed log-ins of the rate limit all compare by :func:`name_key`, while the
other functions take a name exactly as stored (as ``smpatlas user list`` shows it). Passwords have at
least 8 characters, not all blank, and no control characters.
The CLI, the JSON API and the admin pages all call these same functions, so
the rules (password length, known roles, never leave the inventory without
an active admin) live here once. Functions are keyword-only and take the
connection explicitly; transactions belong to the caller. Knows nothing of HTTP.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import shlex
import unicodedata
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Connection, delete, func, insert, select, update

from smpatlas.errors import ConfigError, SmpAtlasError
from smpatlas.store.auth_schema import api_tokens, login_attempts, users

ROLES = ("viewer", "editor", "admin")
#: What each role may do, cumulative.
RANK = {"viewer": 1, "editor": 2, "admin": 3}
TOKEN_PREFIX = "smpa_"
MIN_PASSWORD = 8
#: Longest user name (the ``users`` and history columns hold 200 characters).
MAX_NAME = 200
#: Longest user name and client address kept in ``login_attempts`` (longer ones are cut).
MAX_ATTEMPT_NAME, MAX_ATTEMPT_ADDRESS = 200, 100

_hasher = PasswordHasher()
_PUBLIC = (users.c.name, users.c.role, users.c.created_at, users.c.last_login_at, users.c.disabled_at)


@cache
def _dummy_hash() -> str:
    """A hash of nothing, so a login for an unknown user costs as much as a real one (made on first use)."""
    return _hasher.hash("no such user: constant-time dummy")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """A stored time as an aware UTC datetime (SQLite gives them back naive; they are stored in UTC)."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ConfigError(f"Unknown role {role!r}; use one of {', '.join(ROLES)}.")


def _check_password(name: str, password: str) -> None:
    """At least 8 characters, not only blanks, and none that cannot be typed (control characters, stray bytes)."""
    if len(password) < MIN_PASSWORD:
        raise ConfigError(f"The password of {name!r} is too short: use at least {MIN_PASSWORD} characters.")
    if not password.strip():
        raise ConfigError(f"The password of {name!r} is only spaces (or other blank characters); "
                          "use letters, digits or punctuation too.")
    bad = next((ch for ch in password if unicodedata.category(ch) in ("Cc", "Cs")), None)
    if bad is not None:
        what = "a control character" if unicodedata.category(bad) == "Cc" else "a byte that is not UTF-8 text"
        raise ConfigError(f"The password of {name!r} contains {what} (U+{ord(bad):04X}), which cannot be typed "
                          "at the log-in page; use printable characters only.")


def _public(row: Any) -> dict[str, Any]:
    m = row._mapping
    return {"name": m["name"], "role": m["role"], "created_at": m["created_at"],
            "last_login_at": m["last_login_at"], "active": m["disabled_at"] is None}


class NoSuchUser(SmpAtlasError):
    """A user name that is not in the inventory (the web answers 404)."""

    status = 404


def require_user(conn: Connection, name: str, *, listed_by: str) -> dict[str, Any]:
    """``name``'s account (:func:`get_user`), else :class:`NoSuchUser` naming the user whose name differs only in
    case ("did you mean 'erin'?"), or what lists the names (``listed_by``: "'smpatlas user list'")."""
    found = get_user(conn, name=name)
    if found is None:
        similar = same_names(conn, name)
        hint = f"did you mean {similar[0]!r}?" if len(similar) == 1 else f"{listed_by} lists them."
        raise NoSuchUser(f"No user named {name!r} (give the name as {listed_by} shows it); {hint}")
    return found


def _existing(conn: Connection, name: str) -> dict[str, Any]:
    found = get_user(conn, name=name)
    if found is None:
        raise ConfigError(f"No user named {name!r}.")
    return found


def check_name(name: str, *, option: str | None = None) -> None:
    """Refuse (:class:`ConfigError`) a user name that does not print as typed: it must have 1 to 200 characters,
    no space at either end, and no control or invisible character (which would reach a terminal or page as is).

    The rules of every user name written anywhere: accounts, and the names kept in the history (``--user`` of
    ``smpatlas edit``, ``delete`` and ``import``); ``option`` names the option in the message.
    """
    subject = f"The {option} value" if option else "The user name"
    if not name.strip() or len(name) > MAX_NAME:
        size = f", not {len(name):,}" if len(name) > MAX_NAME else ""
        raise ConfigError(f"{subject if option else 'A user name'} must have 1 to {MAX_NAME} characters{size}.")
    if name != name.strip():
        raise ConfigError(f"{subject} {name!r} begins or ends with a space; remove it.")
    bad = next((c for c in name if unicodedata.category(c)[0] == "C" or unicodedata.category(c) in ("Zl", "Zp")),
               None)
    if bad is not None:
        raise ConfigError(f"{subject} {name!r} contains a control or invisible character (U+{ord(bad):04X}); "
                          "use letters, digits, spaces and punctuation only.")


def name_key(name: str) -> str:
    """What user names are compared by: equal keys are the same name (to log-in, and to uniqueness).

    Unicode's compatibility caseless match (NFKD of casefold of NFKD of casefold of NFD, here given back in
    NFKC, which keeps equal keys equal): ``Anna``/``ANNA``, ``Straße``/``STRASSE``, fullwidth ``ａna``/``ana``,
    and ``é`` as one character or as ``e`` and a combining accent.
    """
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFD", name).casefold()).casefold()
    return unicodedata.normalize("NFKC", folded)


def same_names(conn: Connection, name: str) -> list[str]:
    """The stored user names that are ``name`` by :func:`name_key` (``Anna`` and ``anna``), by name.

    Compared in Python, so every engine agrees beyond ASCII; the users table is small.
    """
    key = name_key(name)
    return sorted(n for n in conn.execute(select(users.c.name)).scalars() if name_key(n) == key)


#: The PostgreSQL advisory lock held while a user is added (any constant: the users table's own number).
_NAMES_LOCK = 0x736D7061_75736572  # "smpauser"


def _lock_user_names(conn: Connection) -> None:
    """Hold, until the transaction ends, the right to add a user: two admins adding 'Anna' and 'anna' at once
    (two web workers, say) are checked one after the other, so the second sees the first's name.

    The check is made in Python (:func:`name_key`), so no unique index can do it. PostgreSQL: a transaction-level
    advisory lock (no table privilege needed). SQLite: a write that changes nothing, which takes the one write
    lock before the names are read (another writer waits ``SMPATLAS_BUSY_TIMEOUT``).
    """
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(_NAMES_LOCK)))
    else:
        conn.execute(update(users).where(users.c.id.is_(None)).values(id=users.c.id))


def create_user(conn: Connection, *, name: str, role: str, password: str) -> dict[str, Any]:
    """Add a user; the name must be new (by :func:`name_key`) and printable, the role known, the password valid.

    The name is stored as typed. Names that only :func:`name_key` tells apart are refused as existing already,
    also when they are added at the same moment (:func:`_lock_user_names`).
    """
    check_name(name)
    _check_role(role)
    _check_password(name, password)
    _lock_user_names(conn)
    taken = same_names(conn, name)
    if name in taken:
        raise ConfigError(f"A user named {name!r} exists already.")
    if taken:
        raise ConfigError(f"A user named {taken[0]!r} exists already, and user names are the same whatever their "
                          "case, width or the way an accented letter is encoded (log-in does not tell them apart: "
                          f"'Ana', 'ANA' and 'ａna' are one name); choose another name than {name!r}.")
    row = {"name": name, "role": role, "password_hash": hash_password(password), "created_at": _now()}
    conn.execute(insert(users).values(**row))
    return {"name": name, "role": role, "created_at": row["created_at"]}


def count_active_admins(conn: Connection, *, lock: bool = False) -> int:
    """How many admins are not disabled; ``lock`` holds their rows (PostgreSQL) until the transaction ends."""
    query = select(users.c.id).where(users.c.role == "admin", users.c.disabled_at.is_(None))
    return len(conn.execute(query.with_for_update() if lock else query).all())


def _keep_an_admin(conn: Connection, user: dict[str, Any], doing: str) -> None:
    """Refuse a change that would leave the inventory without an active admin (nobody could manage users)."""
    # the admins' rows stay locked until commit, so two admins demoting each other at once cannot both succeed
    if user["role"] == "admin" and user["active"] and count_active_admins(conn, lock=True) <= 1:
        raise ConfigError(f"{user['name']!r} is the only active admin, so cannot be {doing}: make another "
                          "user an admin first (nobody could manage users otherwise).")


def set_role(conn: Connection, *, name: str, role: str) -> None:
    """Give ``name`` another role; the last active admin keeps theirs."""
    _check_role(role)
    user = _existing(conn, name)
    if role != "admin":
        _keep_an_admin(conn, user, f"made {'an' if role == 'editor' else 'a'} {role}")
    conn.execute(update(users).where(users.c.name == name).values(role=role))


def set_active(conn: Connection, *, name: str, active: bool) -> None:
    """Enable or disable ``name``: a disabled user cannot log in, and their sessions and tokens stop working."""
    user = _existing(conn, name)
    if not active:
        _keep_an_admin(conn, user, "disabled")
    if user["active"] != active:
        conn.execute(update(users).where(users.c.name == name).values(disabled_at=None if active else _now()))


def set_password(conn: Connection, *, name: str, password: str) -> None:
    """Give ``name`` a new password (the same rules as a new user's); their web sessions end."""
    _existing(conn, name)
    _check_password(name, password)
    conn.execute(update(users).where(users.c.name == name).values(password_hash=hash_password(password)))


def get_user(conn: Connection, *, name: str) -> dict[str, Any] | None:
    """``name``, ``role``, ``created_at``, ``last_login_at`` (None = not known) and ``active``; None if no such user."""
    row = conn.execute(select(*_PUBLIC).where(users.c.name == name)).first()
    return None if row is None else _public(row)


def list_users(conn: Connection) -> list[dict[str, Any]]:
    """Every user, by name, as :func:`get_user` describes them."""
    return [_public(r) for r in conn.execute(select(*_PUBLIC).order_by(users.c.name))]


def without_password(conn: Connection) -> set[str]:
    """The users who cannot log in until given a password: their stored value is no Argon2 hash (users restored
    by ``smpatlas restore``, whose archives never hold passwords)."""
    return set(conn.execute(select(users.c.name).where(~users.c.password_hash.startswith("$argon2"))).scalars())


def authenticate(conn: Connection, *, name: str, password: str) -> dict[str, Any] | None:
    """The user when the password is right and the user active, else None (same work either way).

    The name is matched exactly, else by :func:`name_key` (``ED`` and fullwidth ``ＥＤ`` log in as ``ed``);
    where an older inventory holds names with one key (``newv`` and ``NEWV``), only the exact name logs in.
    A successful log-in is recorded as the user's ``last_login_at``.
    """
    row = conn.execute(select(users).where(users.c.name == name)).first()
    if row is None and len(same := same_names(conn, name)) == 1:
        row = conn.execute(select(users).where(users.c.name == same[0])).first()
    stored = row.password_hash if row is not None else _dummy_hash()
    try:
        _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if row is None or row.disabled_at is not None:
        return None
    values: dict[str, Any] = {"last_login_at": _now()}
    if _hasher.check_needs_rehash(stored):
        values["password_hash"] = hash_password(password)
    conn.execute(update(users).where(users.c.id == row.id).values(**values))
    return {"name": row.name, "role": row.role, "stamp": session_stamp(values.get("password_hash", stored))}


def session_stamp(password_hash: str) -> str:
    """What a web session carries of the password it was opened with, so a new password ends every session
    opened before it (a digest of the hash: it tells nothing of the password)."""
    return hashlib.sha256(("smpatlas-session:" + password_hash).encode("utf-8")).hexdigest()[:32]


def session_user(conn: Connection, *, name: str, stamp: Any) -> dict[str, Any] | None:
    """The user of a web session: ``name`` if active and ``stamp`` matches their password of now, else None."""
    row = conn.execute(select(*_PUBLIC, users.c.password_hash).where(users.c.name == name)).first()
    if row is None or not isinstance(stamp, str) or not secrets.compare_digest(session_stamp(row.password_hash),
                                                                                stamp):
        return None
    user = _public(row)
    return user if user["active"] else None


def create_token(conn: Connection, *, user_name: str, label: str | None = None) -> str:
    """A new API token for ``user_name`` (an active user); the secret is returned once and only its hash is kept."""
    user = get_user(conn, name=user_name)
    if user is None:
        similar = same_names(conn, user_name)
        if len(similar) == 1:  # 'anna' for 'Anna': adding it would be refused as existing already
            raise ConfigError(f"No user named {user_name!r}; did you mean {similar[0]!r}? (Give the name as "
                              "'smpatlas user list' shows it.)")
        raise ConfigError(f"No user named {user_name!r}; add it first with 'smpatlas user add'.")
    if not user["active"]:
        raise ConfigError(f"{user_name!r} is disabled, so the API would refuse any token of theirs; no token was "
                          "created. An admin can enable them again (smpatlas user enable "
                          f"{shlex.quote(user_name)}, or on the web app's Users page, /admin/users: open the user, "
                          "then Enable), then create the token.")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    conn.execute(insert(api_tokens).values(user_name=user_name, token_hash=hash_token(token), label=label,
                                           created_at=_now()))
    return token


def user_for_token(conn: Connection, *, token: str) -> dict[str, Any] | None:
    """The user a bearer token belongs to, or None (also when that user is disabled)."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = conn.execute(select(api_tokens.c.id, api_tokens.c.user_name)
                       .where(api_tokens.c.token_hash == hash_token(token))).first()
    if row is None:
        return None
    user = get_user(conn, name=row.user_name)
    return user if user is not None and user["active"] else None


def list_tokens(conn: Connection, *, user_name: str) -> list[dict[str, Any]]:
    """The API tokens of ``user_name`` (id, label, created_at, last_used_at), oldest first; never the secret."""
    _existing(conn, user_name)
    rows = conn.execute(select(api_tokens.c.id, api_tokens.c.label, api_tokens.c.created_at,
                               api_tokens.c.last_used_at)
                        .where(api_tokens.c.user_name == user_name).order_by(api_tokens.c.id))
    return [dict(r._mapping) for r in rows]


def revoke_token(conn: Connection, *, user_name: str, token_id: int) -> None:
    """Revoke one API token of ``user_name`` (by the id :func:`list_tokens` shows)."""
    _existing(conn, user_name)
    gone = 0
    if 0 < token_id < 2**63:  # no database stores a larger id (and the drivers refuse to send one)
        gone = conn.execute(delete(api_tokens).where(api_tokens.c.id == token_id,
                                                     api_tokens.c.user_name == user_name)).rowcount
    if gone != 1:
        raise ConfigError(f"{user_name!r} has no API token number {token_id} (revoked already?).")


def revoke_tokens(conn: Connection, *, user_name: str) -> int:
    """Revoke every API token of ``user_name``; returns how many there were."""
    _existing(conn, user_name)
    return int(conn.execute(delete(api_tokens).where(api_tokens.c.user_name == user_name)).rowcount)


# -- failed log-ins, shared by every process using the database ------------------------------------

def _attempt_key(name: str, address: str) -> tuple[str, str]:
    """The name by :func:`name_key`, as log-in matches it: every spelling of one name shares one limit."""
    return name_key(name.strip())[:MAX_ATTEMPT_NAME], address[:MAX_ATTEMPT_ADDRESS]


def add_login_attempt(conn: Connection, *, name: str, address: str, at: dt.datetime | None = None) -> int:
    """Record a log-in attempt for (``name``, ``address``); it counts as failed until cleared. Returns its id."""
    user_name, addr = _attempt_key(name, address)
    result = conn.execute(insert(login_attempts).values(user_name=user_name, address=addr,
                                                        attempted_at=as_utc(at) or _now()))
    key = result.inserted_primary_key
    return int(key[0]) if key else 0


def login_failures(conn: Connection, *, name: str, address: str, since: dt.datetime
                   ) -> tuple[int, dt.datetime | None]:
    """How many attempts (``name``, ``address``) made since ``since``, and when the oldest of them was."""
    user_name, addr = _attempt_key(name, address)
    count, oldest = conn.execute(
        select(func.count(), func.min(login_attempts.c.attempted_at))
        .where(login_attempts.c.user_name == user_name, login_attempts.c.address == addr,
               login_attempts.c.attempted_at > as_utc(since))).one()
    return int(count), as_utc(oldest)


def forget_login_attempt(conn: Connection, *, attempt_id: int) -> None:
    conn.execute(delete(login_attempts).where(login_attempts.c.id == attempt_id))


def clear_login_failures(conn: Connection, *, name: str, address: str) -> None:
    """Forget every attempt of (``name``, ``address``): called after a successful log-in."""
    user_name, addr = _attempt_key(name, address)
    conn.execute(delete(login_attempts).where(login_attempts.c.user_name == user_name,
                                              login_attempts.c.address == addr))


def prune_login_attempts(conn: Connection, *, before: dt.datetime) -> int:
    """Delete attempts older than ``before`` (outside every window); returns how many."""
    return int(conn.execute(delete(login_attempts).where(login_attempts.c.attempted_at <= as_utc(before))).rowcount)
