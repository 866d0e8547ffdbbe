"""Settings of the web app: one dataclass, read from the environment or given by tests.

Owns :class:`Settings` (database, secret key, public/private, Secure cookies,
limits) and the ``DEFAULT_*`` constants. ``Settings.from_env()`` reads
``SMPATLAS_*`` variables; tests build ``Settings(...)`` directly. Nothing is
read at import time.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields, replace
from typing import Any

from smpatlas.errors import ConfigError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 200
#: How many problems of an import report a page or an API answer lists (the rest are counted by problem code;
#: ``POST /api/v1/import?problems=all`` and ``smpatlas validate FILE --report-format json`` give every one).
MAX_PROBLEMS_SHOWN = 200
DEFAULT_SESSION_DAYS = 14
DEFAULT_LOGIN_ATTEMPTS = 5
DEFAULT_LOGIN_WINDOW = 300
DEFAULT_MAX_UPLOAD = 20 * 1024 * 1024
DEFAULT_UPLOAD_TTL = 3600
ENV_PREFIX = "SMPATLAS_"
#: Secrets that must never be used outside development.
PLACEHOLDER_SECRETS = frozenset({"changethis", "changeme", "secret", "dev", "development", "test"})
MIN_SECRET_LENGTH = 32


def _bool(text: str) -> bool:
    if text.strip().lower() in ("1", "true", "yes", "on"):
        return True
    if text.strip().lower() in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(f"Not a yes/no value: {text!r}.")


@dataclass(frozen=True)
class Settings:
    """Everything ``create_app`` needs; environment variable ``SMPATLAS_<NAME>`` overrides each."""

    database_url: str | None = None  # a SQLite path or database URL; None = SMPATLAS_DATABASE_URL or smpatlas.db
    secret_key: str = field(default="", repr=False)  # "" = made up here (see generated_secret)
    public: bool = True  # anonymous visitors may read; False = log in to see anything
    secure_cookies: bool = False  # set True behind HTTPS: the session cookie gets the Secure flag
    session_days: int = DEFAULT_SESSION_DAYS
    login_attempts: int = DEFAULT_LOGIN_ATTEMPTS  # failed log-ins allowed per user and address ...
    login_window_seconds: int = DEFAULT_LOGIN_WINDOW  # ... within this many seconds
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD
    upload_dir: str | None = None  # where uploads wait for confirmation; None = a temporary folder
    upload_ttl_seconds: int = DEFAULT_UPLOAD_TTL
    facet_cache: bool = True  # in-memory facet bitmaps (fast browse); False = SQL GROUP BY on every request
    development: bool = False  # allows placeholder secrets
    #: True when no secret key was given and this process made one up: sessions then end when it stops and are
    #: not understood by other workers (create_app warns where users can log in).
    generated_secret: bool = field(default=False, init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.secret_key:
            object.__setattr__(self, "secret_key", secrets.token_urlsafe(48))
            object.__setattr__(self, "generated_secret", True)
        if not self.development:
            if self.secret_key.strip().lower() in PLACEHOLDER_SECRETS:
                raise ConfigError("SMPATLAS_SECRET_KEY is a placeholder; set a long random value "
                                  "(python -c 'import secrets; print(secrets.token_urlsafe(48))').")
            if len(self.secret_key) < MIN_SECRET_LENGTH:
                raise ConfigError(f"SMPATLAS_SECRET_KEY is too short: use at least {MIN_SECRET_LENGTH} characters.")
        if self.session_days < 1 or self.login_attempts < 1 or self.login_window_seconds < 1:
            raise ConfigError("session_days, login_attempts and login_window_seconds must be positive.")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from ``SMPATLAS_*`` variables, then ``overrides`` (the CLI options) on top."""
        env = dict(os.environ if environ is None else environ)
        values: dict[str, Any] = {}
        for f in fields(cls):
            if not f.init:
                continue
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is None:
                continue
            if f.type in ("bool", bool):
                values[f.name] = _bool(raw)
            elif f.type in ("int", int):
                try:
                    values[f.name] = int(raw)
                except ValueError:
                    raise ConfigError(f"{ENV_PREFIX}{f.name.upper()} must be a whole number, not {raw!r}.") from None
            else:
                values[f.name] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def with_(self, **changes: Any) -> Settings:
        new = replace(self, **changes)
        if self.generated_secret and "secret_key" not in changes:  # still the key this process made up
            object.__setattr__(new, "generated_secret", True)
        return new
