"""Reading what the app asks Streamlit to render as Markdown, and what that Markdown would make.

``markdown_bodies(at)`` collects every Markdown source of an AppTest run (markdown, captions,
alerts, toasts, headings, expander and widget labels and help). ``active_markup(body)`` parses
one with markdown-it (CommonMark plus GFM tables and strike-through, as Streamlit's renderer)
and lists what would become live: links, images, raw HTML, and GFM autolink literals
(``https://…``, ``www.…``, ``name@host``) found in plain text — escapes are kept as separate
tokens, so an escaped ``https\\://`` is not one. ``rendered_text(body)`` is the text a reader
sees.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

from markdown_it import MarkdownIt

__all__ = ["active_markup", "markdown_bodies", "rendered_text"]

_MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])
_MD_SPLIT = MarkdownIt("commonmark").enable(["table", "strikethrough"]).disable("text_join")
_AUTOLINK = re.compile(r"(?i)https?://|ftp://|www\.|mailto:|[\w.+-]+@[\w-]+\.\w")


def _walk(node) -> Iterator:
    yield node
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            yield from _walk(child)


def markdown_bodies(at, labels: bool = True) -> list[str]:
    """Every string of the run that Streamlit renders as Markdown (``labels=False``: only what
    the page says, not its widgets' labels and help)."""
    bodies: list[str] = []
    for node in _walk(at._tree):
        kind = getattr(node, "type", "")
        if kind == "latex":
            continue
        proto = getattr(node, "proto", None)
        if kind == "expandable" and proto is not None:
            bodies.append(proto.expandable.label)
            continue
        for attribute in ("value", "label", "help") if labels else ("value",):
            if attribute == "value" and kind not in (
                "markdown",
                "caption",
                "error",
                "warning",
                "info",
                "success",
                "toast",
                "title",
                "header",
                "subheader",
            ):
                continue
            try:
                text = getattr(node, attribute, None)
            except Exception:  # some widgets compute value lazily
                continue
            if isinstance(text, str) and text:
                bodies.append(text)
    return bodies


def _tokens(body: str, parser: MarkdownIt) -> Iterator:
    for token in parser.parse(body):
        yield token
        yield from token.children or ()


def active_markup(body: str) -> list[str]:
    """What in ``body`` would render as a link, an image, HTML or an autolink."""
    found = []
    for token in _tokens(body, _MD_SPLIT):
        if token.type in ("link_open", "image"):
            found.append(f"{token.type} {dict(token.attrs)}")
        elif token.type in ("html_inline", "html_block"):
            found.append(f"html {token.content!r}")
        elif token.type == "text" and _AUTOLINK.search(token.content):
            found.append(f"autolink {token.content!r}")
    return found


def rendered_text(body: str) -> str:
    """The text a reader sees (tags dropped, entities and escapes resolved)."""
    return html.unescape(re.sub(r"<[^>]+>", "", _MD.render(body)))
