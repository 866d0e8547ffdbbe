"""Accounts in the store: roles, disabling, passwords, tokens, shared log-in attempts, and migration 0005."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from alembic import command
from sqlalchemy import Engine, create_engine, inspect, text

from smpatlas.errors import ConfigError
from smpatlas.store import database
from smpatlas.store import users as users_store

PW = "correct-horse-battery"
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
def accounts(engine: Engine) -> Engine:
    with engine.begin() as conn:
        users_store.create_user(conn, name="alice", role="admin", password=PW)
        users_store.create_user(conn, name="erin", role="editor", password=PW)
    return engine


def test_roles_and_the_last_active_admin(accounts: Engine) -> None:
    with accounts.begin() as conn:
        with pytest.raises(ConfigError, match="only active admin"):
            users_store.set_role(conn, name="alice", role="editor")
        with pytest.raises(ConfigError, match="only active admin"):
            users_store.set_active(conn, name="alice", active=False)
        with pytest.raises(ConfigError, match="Unknown role"):
            users_store.set_role(conn, name="erin", role="boss")
        with pytest.raises(ConfigError, match="No user named 'nobody'"):
            users_store.set_role(conn, name="nobody", role="viewer")
        users_store.set_role(conn, name="alice", role="admin")  # staying an admin is fine
        users_store.set_role(conn, name="erin", role="admin")
        users_store.set_active(conn, name="erin", active=False)  # a disabled admin does not count
        with pytest.raises(ConfigError, match="only active admin"):
            users_store.set_role(conn, name="alice", role="viewer")
        users_store.set_active(conn, name="erin", active=True)
        users_store.set_role(conn, name="alice", role="viewer")
        assert users_store.count_active_admins(conn) == 1
        assert {u["name"]: u["role"] for u in users_store.list_users(conn)} == {"alice": "viewer", "erin": "admin"}


def test_two_admins_demoting_each_other_at_once_leave_one_admin(accounts: Engine) -> None:
    if accounts.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only (SQLite serialises writers)")
    import threading

    with accounts.begin() as conn:
        users_store.set_role(conn, name="erin", role="admin")
    outcome: list[str] = []
    with accounts.begin() as first:
        users_store.set_role(first, name="alice", role="editor")  # holds the admins' rows

        def other() -> None:
            try:
                with accounts.begin() as second:
                    users_store.set_role(second, name="erin", role="editor")
                outcome.append("demoted")
            except ConfigError as exc:
                outcome.append(str(exc))

        thread = threading.Thread(target=other)
        thread.start()
        thread.join(1.0)
        assert thread.is_alive()  # waits for the first transaction
    thread.join(30)
    assert len(outcome) == 1 and "only active admin" in outcome[0]
    with accounts.connect() as conn:
        assert users_store.count_active_admins(conn) == 1


def test_disabled_users_cannot_log_in_or_use_tokens(accounts: Engine) -> None:
    with accounts.begin() as conn:
        token = users_store.create_token(conn, user_name="erin", label="ci")
        assert users_store.get_user(conn, name="erin")["last_login_at"] is None  # type: ignore[index]
        found = users_store.authenticate(conn, name="erin", password=PW)
        assert found is not None and (found["name"], found["role"]) == ("erin", "editor")
        assert users_store.get_user(conn, name="erin")["last_login_at"] is not None  # type: ignore[index]
        users_store.set_active(conn, name="erin", active=False)
        assert users_store.authenticate(conn, name="erin", password=PW) is None
        assert users_store.user_for_token(conn, token=token) is None
        assert users_store.get_user(conn, name="erin")["active"] is False  # type: ignore[index]
        users_store.set_active(conn, name="erin", active=True)
        assert users_store.user_for_token(conn, token=token)["name"] == "erin"  # type: ignore[index]


def test_password_reset_and_tokens(accounts: Engine) -> None:
    with accounts.begin() as conn:
        with pytest.raises(ConfigError, match="too short"):
            users_store.set_password(conn, name="erin", password="short")
        users_store.set_password(conn, name="erin", password="a-new-long-password")
        assert users_store.authenticate(conn, name="erin", password=PW) is None
        assert users_store.authenticate(conn, name="erin", password="a-new-long-password") is not None
        first = users_store.create_token(conn, user_name="erin", label="one")
        users_store.create_token(conn, user_name="erin")
        tokens = users_store.list_tokens(conn, user_name="erin")
        assert [t["label"] for t in tokens] == ["one", None] and all("token_hash" not in t for t in tokens)
        users_store.revoke_token(conn, user_name="erin", token_id=tokens[0]["id"])
        assert users_store.user_for_token(conn, token=first) is None
        with pytest.raises(ConfigError, match="no API token number"):
            users_store.revoke_token(conn, user_name="alice", token_id=tokens[1]["id"])  # not alice's
        for number in (0, -1, 2**63, 10**23):  # numbers no database stores: the same answer, not a driver error
            with pytest.raises(ConfigError, match=f"no API token number {number}"):
                users_store.revoke_token(conn, user_name="erin", token_id=number)
        assert users_store.revoke_tokens(conn, user_name="erin") == 1
        with pytest.raises(ConfigError, match="No user named"):
            users_store.revoke_tokens(conn, user_name="nobody")


def test_a_new_password_ends_the_sessions_opened_before_it(accounts: Engine) -> None:
    with accounts.begin() as conn:
        stamp = (users_store.authenticate(conn, name="erin", password=PW) or {})["stamp"]
        assert stamp and PW not in stamp
        assert (users_store.session_user(conn, name="erin", stamp=stamp) or {}).get("role") == "editor"
        for wrong in (None, "", stamp[:-1] + ("0" if stamp[-1] != "0" else "1"), 17):
            assert users_store.session_user(conn, name="erin", stamp=wrong) is None
        assert users_store.session_user(conn, name="alice", stamp=stamp) is None  # another user's stamp
        users_store.set_active(conn, name="erin", active=False)
        assert users_store.session_user(conn, name="erin", stamp=stamp) is None
        users_store.set_active(conn, name="erin", active=True)
        assert users_store.session_user(conn, name="erin", stamp=stamp) is not None
        users_store.set_password(conn, name="erin", password="a-new-long-password")
        assert users_store.session_user(conn, name="erin", stamp=stamp) is None
        again = (users_store.authenticate(conn, name="erin", password="a-new-long-password") or {})["stamp"]
        assert again != stamp and users_store.session_user(conn, name="erin", stamp=again) is not None


def test_login_attempts_count_per_name_and_address(engine: Engine) -> None:
    t0 = dt.datetime(2030, 1, 1, 12, tzinfo=dt.UTC)
    with engine.begin() as conn:
        for i in range(3):
            users_store.add_login_attempt(conn, name="Erin", address="10.0.0.1", at=t0 + dt.timedelta(seconds=i))
        users_store.add_login_attempt(conn, name="erin", address="10.0.0.2", at=t0)
        users_store.add_login_attempt(conn, name="x" * 500, address="10.0.0.1", at=t0)  # cut, not refused
        since = t0 - dt.timedelta(seconds=1)
        assert users_store.login_failures(conn, name="erin ", address="10.0.0.1", since=since) == (3, t0)
        assert users_store.login_failures(conn, name="erin", address="10.0.0.1", since=t0)[0] == 2
        assert users_store.login_failures(conn, name="vic", address="10.0.0.1", since=since) == (0, None)
        assert users_store.prune_login_attempts(conn, before=t0) == 3
        users_store.clear_login_failures(conn, name="ERIN", address="10.0.0.1")
        assert users_store.login_failures(conn, name="erin", address="10.0.0.1", since=since)[0] == 0


# -- names that look the same are one name; names kept in the history follow the same rules -----------

NFC_JOSE, NFD_JOSE = "Jos\u00e9", "Jose\u0301"


@pytest.mark.parametrize(("stored", "typed"), [
    (NFC_JOSE, NFD_JOSE),  # é as one character, then as e + combining acute accent
    (NFD_JOSE, NFC_JOSE),
    ("Ana", "\uff41na"),  # fullwidth ａ
    ("Ana", "\uff21\uff2e\uff21"),  # fullwidth ＡＮＡ
    ("Straße", "STRASSE"),  # case folding beyond lower()
    ("anna", "ANNA"),
], ids=["nfc-then-nfd", "nfd-then-nfc", "fullwidth-a", "fullwidth-ANA", "sharp-s", "case"])
def test_names_that_look_the_same_are_one_name(engine: Engine, stored: str, typed: str) -> None:
    with engine.begin() as conn:
        users_store.create_user(conn, name=stored, role="viewer", password=PW)
        with pytest.raises(ConfigError, match="exists already"):
            users_store.create_user(conn, name=typed, role="viewer", password=PW)
        assert [u["name"] for u in users_store.list_users(conn)] == [stored]  # kept as typed, not normalised
        assert users_store.same_names(conn, typed) == [stored]
        found = users_store.authenticate(conn, name=typed, password=PW)  # log-in matches it the same way ...
        assert found is not None and found["name"] == stored
        t0 = dt.datetime(2030, 1, 1, 12, tzinfo=dt.UTC)
        users_store.add_login_attempt(conn, name=stored, address="10.0.0.1", at=t0)
        users_store.add_login_attempt(conn, name=typed, address="10.0.0.1", at=t0)
        since = t0 - dt.timedelta(seconds=1)  # ... and so does the rate limit: one count for every spelling
        assert users_store.login_failures(conn, name=typed, address="10.0.0.1", since=since)[0] == 2


@pytest.mark.parametrize(("first", "second"), [("José", "Jose"), ("Ana", "Anna"), ("Łukasz", "Lukasz")])
@SQLITE_ONLY
def test_names_that_differ_are_still_two_names(engine: Engine, first: str, second: str) -> None:
    with engine.begin() as conn:
        users_store.create_user(conn, name=first, role="viewer", password=PW)
        users_store.create_user(conn, name=second, role="viewer", password=PW)
        assert users_store.same_names(conn, second) == [second]


@pytest.mark.parametrize(("name", "option", "said"), [
    ("evil\x1b[31mRED", "--user", "The --user value 'evil\\x1b[31mRED' contains a control or invisible character "
                                   "(U+001B)"),
    ("x" * 1_000_000, "--user", "The --user value must have 1 to 200 characters, not 1,000,000."),
    ("x" * 201, None, "A user name must have 1 to 200 characters, not 201."),
    ("", "--user", "The --user value must have 1 to 200 characters."),
    (" anna", "--user", "The --user value ' anna' begins or ends with a space"),
    ("an\u200bna", None, "The user name 'an\\u200bna' contains a control or invisible character (U+200B)"),
], ids=["escape", "million", "201", "empty", "leading-space", "zero-width-space"])
def test_check_name_says_what_is_wrong(name: str, option: str | None, said: str) -> None:
    with pytest.raises(ConfigError) as caught:
        users_store.check_name(name, option=option)
    assert said in str(caught.value) and "\x1b" not in str(caught.value) and len(str(caught.value)) < 500


@pytest.mark.parametrize("name", ["anna", "Anna Müller-Łukasz", "x" * 200, "ci-bot (nightly)", "李小龍"],
                         ids=["ascii", "latin", "200", "punctuation", "cjk"])
def test_check_name_accepts_printable_names(name: str) -> None:
    users_store.check_name(name, option="--user")


# -- passwords that cannot be typed, or are only blanks --------------------------------------------------

@pytest.mark.parametrize(("password", "said"), [
    (" " * 8, "is only spaces"),
    ("\t" * 8, "is only spaces"),
    ("\u3000" * 8, "is only spaces"),  # ideographic spaces
    ("abc\x00defghij", "a control character (U+0000)"),
    ("correct\nhorse", "a control character (U+000A)"),
    ("correct\x1b[31mhorse", "a control character (U+001B)"),
    ("correct-horse\udcff", "a byte that is not UTF-8 text (U+DCFF)"),  # what surrogateescape makes of a bad byte
    ("short", "too short"),
], ids=["spaces", "tabs", "ideographic-spaces", "nul", "newline", "escape", "bad-byte", "short"])
@SQLITE_ONLY  # the rules are Python's; the engines store what passes them alike
def test_passwords_of_blanks_or_control_characters_are_refused(accounts: Engine, password: str, said: str) -> None:
    with accounts.begin() as conn:
        with pytest.raises(ConfigError, match=re.escape(said)):
            users_store.create_user(conn, name="dora", role="viewer", password=password)
        with pytest.raises(ConfigError, match=re.escape(said)):
            users_store.set_password(conn, name="erin", password=password)
        assert users_store.get_user(conn, name="dora") is None
        assert users_store.authenticate(conn, name="erin", password=PW) is not None  # unchanged


@pytest.mark.parametrize("password", ["  correct horse  ", "pässwörd ☃ 🔑", "        x", "\u200dzero-width-joiner"])
def test_passwords_with_spaces_or_any_printable_character_are_fine(accounts: Engine, password: str) -> None:
    with accounts.begin() as conn:
        users_store.set_password(conn, name="erin", password=password)
        assert users_store.authenticate(conn, name="erin", password=password) is not None


def test_no_token_for_a_disabled_user(accounts: Engine) -> None:
    with accounts.begin() as conn:
        users_store.set_active(conn, name="erin", active=False)
        with pytest.raises(ConfigError, match=r"'erin' is disabled.*no token was created.*enable them again"):
            users_store.create_token(conn, user_name="erin")
        assert users_store.list_tokens(conn, user_name="erin") == []


# -- migration 0005 on an existing (0004) inventory ----------------------------------------------------

def test_migration_0005_upgrades_an_existing_inventory_and_back(empty_url: str) -> None:
    cfg = database.alembic_config(empty_url)
    command.upgrade(cfg, "0004")  # an inventory made by the previous release, with a user and a token
    eng = create_engine(empty_url)
    hashed = users_store.hash_password(PW)
    with eng.begin() as conn:
        conn.execute(text("insert into users (name, role, password_hash, created_at) "
                          "values ('alice', 'admin', :h, :t)"), {"h": hashed, "t": dt.datetime.now(dt.UTC)})
        conn.execute(text("insert into api_tokens (user_name, token_hash, created_at) values ('alice', :h, :t)"),
                     {"h": users_store.hash_token("smpa_old"), "t": dt.datetime.now(dt.UTC)})
    eng.dispose()
    with pytest.raises(ConfigError, match="older schema"):  # refused until upgraded ...
        database.open_engine(empty_url)
    engine = database.create(empty_url)
    assert database.upgrade(engine) == "upgraded"  # ... as 'smpatlas db upgrade' does
    assert database.current_revision(engine) == database.head_revision()  # 0005 and every later revision
    insp = inspect(engine)
    assert "login_attempts" in insp.get_table_names()
    assert {"last_login_at", "disabled_at"} <= {c["name"] for c in insp.get_columns("users")}
    with engine.begin() as conn:  # existing accounts are active, their last log-in unknown, and they work
        [alice] = users_store.list_users(conn)
        assert (alice["name"], alice["role"], alice["active"], alice["last_login_at"]) == ("alice", "admin", True, None)
        assert (users_store.authenticate(conn, name="alice", password=PW) or {}).get("role") == "admin"
        assert users_store.user_for_token(conn, token="smpa_old")["name"] == "alice"  # type: ignore[index]
        users_store.add_login_attempt(conn, name="alice", address="127.0.0.1")
    engine.dispose()
    command.downgrade(cfg, "0004")  # and back: the previous release's schema, the accounts kept
    eng = create_engine(empty_url)
    insp = inspect(eng)
    assert "login_attempts" not in insp.get_table_names()
    assert "disabled_at" not in {c["name"] for c in insp.get_columns("users")}
    with eng.connect() as conn:
        assert conn.execute(text("select name, password_hash from users")).all() == [("alice", hashed)]
    eng.dispose()
    command.upgrade(cfg, "head")
    engine = database.open_engine(empty_url)
    with engine.connect() as conn:
        assert users_store.get_user(conn, name="alice")["active"] is True  # type: ignore[index]
    engine.dispose()
