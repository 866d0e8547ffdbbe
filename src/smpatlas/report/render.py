"""Rendering chart specs to SVG and PNG, offline, with vl-convert.

Owns the one place that calls ``vl_convert`` (a bundled Vega engine: no
browser, no network). Specs carry their data inline, so nothing is fetched.
"""

from __future__ import annotations

from typing import Any

import vl_convert as vlc

from smpatlas.errors import ConfigError

FORMATS = ("svg", "png")


def svg(spec: dict[str, Any]) -> str:
    """The chart as a standalone SVG document (text is XML-escaped by Vega)."""
    try:
        out: str = vlc.vegalite_to_svg(spec)
    except ValueError as exc:  # pragma: no cover - a bug in a spec, not a user error
        raise ConfigError(f"The chart could not be drawn: {exc}") from exc
    return out


def png(spec: dict[str, Any], scale: float = 2.0) -> bytes:
    """The chart as a PNG image (``scale`` 2 gives print resolution for a ~500 px chart)."""
    try:
        out: bytes = vlc.vegalite_to_png(spec, scale=scale)
    except ValueError as exc:  # pragma: no cover
        raise ConfigError(f"The chart could not be drawn: {exc}") from exc
    return out


def to_file(spec: dict[str, Any], fmt: str) -> bytes:
    """The chart in ``fmt`` (svg or png) as bytes, ready to write."""
    if fmt == "svg":
        return svg(spec).encode("utf-8")
    if fmt == "png":
        return png(spec)
    raise ConfigError(f"Charts can be written as {' or '.join(FORMATS)}, not {fmt!r}.")
