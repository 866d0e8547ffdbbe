"""Uploaded files waiting for confirmation: all-or-nothing imports from the web.

Owns saving an upload under a random token in the server's upload folder,
validating it with a dry run (:func:`smpatlas.io.importer.import_files`),
writing it on confirmation (the same file, validated again inside the write
transaction, so nothing partial is ever written) and forgetting expired or
finished uploads. Only the user who uploaded a file may confirm it, and a
replacing import that deletes partnerships only when they confirm that too.
Reports name the file as the user uploaded it (never the server's folder).
"""

from __future__ import annotations

import re
import secrets
import shutil
import time
from pathlib import Path
from typing import IO, Any

from smpatlas.errors import ConfigError
from smpatlas.io.importer import MODES, import_files
from smpatlas.problems import Report
from smpatlas.web.deps import AppState
from smpatlas.web.errors import Forbidden, TooLarge, UploadGone

SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".json", ".jsonl")
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _safe_name(filename: str | None) -> str:
    name = _SAFE.sub("_", Path(filename or "upload").name).strip("._") or "upload"
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise ConfigError(f"Cannot import {filename!r}: upload a CSV, XLSX, JSON or JSONL file "
                          f"(the name must end in {', '.join(SUFFIXES)}).")
    return name[-120:]


def _expire(state: AppState) -> None:
    now = time.time()
    for token, meta in list(state.uploads.items()):
        if now - meta["created"] > state.settings.upload_ttl_seconds:
            forget(state, token)


def save(state: AppState, fileobj: IO[bytes], filename: str | None, *, user: str, mode: str) -> tuple[str, Path]:
    """Store an upload under a new random token; refuses files over the size limit."""
    if mode not in MODES:
        raise ConfigError(f"Unknown import mode {mode!r}; use one of {', '.join(MODES)}.")
    _expire(state)
    name = _safe_name(filename)
    token = secrets.token_urlsafe(24)
    folder = Path(state.upload_dir) / token
    folder.mkdir(parents=True)
    path = folder / name
    size = 0
    with path.open("wb") as out:
        while chunk := fileobj.read(1 << 20):
            size += len(chunk)
            if size > state.settings.max_upload_bytes:
                out.close()
                shutil.rmtree(folder, ignore_errors=True)
                raise TooLarge(f"{name} is larger than {state.settings.max_upload_bytes // (1024 * 1024)} MB; "
                               "split it or import it with 'smpatlas import'.")
            out.write(chunk)
    state.uploads[token] = {"path": str(path), "user": user, "mode": mode, "created": time.time(), "name": name}
    return token, path


def _named(report: Report, meta: dict[str, Any]) -> Report:
    """The report with the file called by the name it was uploaded under, not its path on the server."""
    report.files = [meta["name"]]
    for problem in report.problems:
        if problem.file == meta["path"]:
            problem.file = meta["name"]
    return report


def check(state: AppState, token: str) -> Report:
    """Validate the upload (dry run): the report the user confirms."""
    meta = _get(state, token)
    report = import_files(state.engine, [meta["path"]], mode=meta["mode"], dry_run=True, user=meta["user"])
    meta["deletes"] = report.deleted
    return _named(report, meta)


def confirm(state: AppState, token: str, *, user: str, deleting: bool = False) -> Report:
    """Write the upload (all or nothing) and forget it.

    A ``replace`` whose check found partnerships to delete is written only with ``deleting`` (the user
    ticked that they understand); otherwise nothing is written and the upload stays, to confirm again.
    """
    meta = _get(state, token)
    if meta["user"] != user:
        raise Forbidden("Only the user who uploaded this file may confirm its import.")
    if meta.get("deletes") and not deleting:
        raise ConfigError(f"This import deletes {meta['deletes']} partnership{'s' if meta['deletes'] != 1 else ''} "
                          "that are not in the file. Tick the box that says you understand, then confirm; or "
                          "cancel and import with mode 'upsert' to keep them.")
    try:
        report = import_files(state.engine, [meta["path"]], mode=meta["mode"], user=user)
        _named(report, meta)
    finally:
        forget(state, token)
    return report


def info(state: AppState, token: str) -> dict[str, Any]:
    return dict(_get(state, token))


def _get(state: AppState, token: str) -> dict[str, Any]:
    meta = state.uploads.get(token)
    if meta is None or not Path(meta["path"]).exists():
        raise UploadGone("That upload has expired or was already imported; upload the file again.")
    return meta


def forget(state: AppState, token: str) -> None:
    meta = state.uploads.pop(token, None)
    if meta is not None:
        shutil.rmtree(Path(meta["path"]).parent, ignore_errors=True)
