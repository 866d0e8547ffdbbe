"""Rendering chart specs to SVG and PNG, offline, with vl-convert.

Owns the one place that calls ``vl_convert`` (a bundled Vega engine: no
browser, no network). Specs carry their data inline, so nothing is fetched.
Also owns the few things done to a rendered SVG: :func:`embedded` (a report's
copy of a chart, whose title and source line are printed around it),
:func:`for_print` (path coordinates to 0.1 px for the PDF) and
:func:`data_uri`. :func:`svgs` renders many specs while the caller builds the
next one: vl-convert releases the GIL, so building (Python) and drawing (Rust
and JavaScript) overlap on two cores.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import vl_convert as vlc

from smpatlas.errors import ConfigError

FORMATS = ("svg", "png")
_PATH = re.compile(r'\bd="([^"]*)"')
_DECIMALS = re.compile(r"(\.\d)\d+")
_SVG_NS = 'xmlns="http://www.w3.org/2000/svg"'


def svg(spec: dict[str, Any]) -> str:
    """The chart as a standalone SVG document (text is XML-escaped by Vega)."""
    try:
        out: str = vlc.vegalite_to_svg(spec)
    except ValueError as exc:  # pragma: no cover - a bug in a spec, not a user error
        raise ConfigError(f"The chart could not be drawn: {exc}") from exc
    return out


@contextmanager
def drawing() -> Iterator[Callable[[dict[str, Any]], Future[str]]]:
    """A function that hands a spec to one background worker and returns the future SVG.

    vl-convert has one JavaScript engine (a second worker would only queue behind it), and it releases the GIL:
    while it draws one chart the calling thread builds the next spec (Altair) or lays out the page (WeasyPrint).
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="vl-convert") as pool:
        yield lambda spec: pool.submit(svg, spec)


def svgs(specs: Iterable[dict[str, Any]]) -> Iterator[str]:
    """Render ``specs`` in order, each drawn in the background as soon as the iterable yields it."""
    with drawing() as draw:
        futures = [draw(spec) for spec in specs]
        for f in futures:
            yield f.result()


def embedded(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` without its title and source line, for a report that prints both around the chart.

    Saves drawing ~300 characters of text per chart twice (vl-convert measures it; WeasyPrint lays SVG text out
    letter by letter); ``smpatlas chart`` and the web UI keep the titled spec.
    """
    return {k: v for k, v in spec.items() if k != "title"}


def for_print(svg_text: str) -> str:
    """The SVG with path coordinates cut to 0.1 px (the world map's borders are ~40% shorter to parse and draw)."""
    return _PATH.sub(lambda m: 'd="' + _DECIMALS.sub(r"\1", m.group(1)) + '"', svg_text)


def data_uri(svg_text: str) -> str:
    """The SVG as a ``data:`` URI for an ``<img>`` (the PDF's HTML: WeasyPrint parses it apart from the page)."""
    start = svg_text.find("<svg")
    body = svg_text[start:] if start >= 0 else svg_text
    if _SVG_NS not in body[:400]:
        body = body.replace("<svg", f"<svg {_SVG_NS}", 1)
    return "data:image/svg+xml;base64," + base64.b64encode(body.encode("utf-8")).decode("ascii")


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
