"""User text shown literally: the one place that makes a user's string safe for Markdown.

Streamlit renders every caption, note, error and toast as Markdown (links, images, emphasis,
raw HTML as text, ``$…$`` maths, ``:red[…]`` colours). A file name, a column name or a value
from a shared link is data, not formatting: it must appear exactly as typed and can never become
a link or an image the visitor's browser fetches. Pure: no streamlit here.

* :func:`code` — a user's string embedded in our own Markdown, as an inline code span;
* :func:`escape` — a whole plain-text message that contains user strings (e.g. a parser error),
  every ASCII punctuation character backslash-escaped;
* :func:`shorten` — cut a user's string before echoing it (a 100 KB link value is not shown);
* :func:`plotly_text` — a user's string in a plotly title or label, where plotly reads a few
  HTML tags (``<a href>``, ``<b>``, ``<br>``) but shows entities (``&lt;``) as characters.
"""

from __future__ import annotations

import html
import re

__all__ = ["ECHO_CHARS", "code", "escape", "plotly_text", "shorten"]

#: Longest piece of a user's string echoed back in a message.
ECHO_CHARS = 60
_MARKUP = re.compile(r"[\\`*_~\[\]<>$&|#]")
_AUTOLINK = re.compile(r"(?i):(?=//)|(?<=www)\.|@")
_BLOCK_START = re.compile(r"^(\s*[0-9]*)([-+=.)])(?=\s|$)")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x0b\x0c\x85]+")


def shorten(text: object, limit: int = ECHO_CHARS) -> str:
    """``str(text)`` cut to ``limit`` characters (an ellipsis and the full length say so)."""
    text = str(text)
    if len(text) <= limit:
        return text
    return f"{text[: limit - 1]}… ({len(text):,} characters)"


def code(text: object, limit: int = ECHO_CHARS) -> str:
    """A user's string as a Markdown inline code span: shown literally, never formatted.

    The fence is one backtick longer than the longest run of backticks inside, line breaks
    become spaces (a blank line would end the span), and long strings are shortened.
    """
    text = _LINE_BREAKS.sub(" ", shorten(text, limit))
    if not text.strip():
        return "(blank)" if not text else f"` {text} `"
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith(("`", " ")) or text.endswith(("`", " ")) else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def escape(text: object) -> str:
    """A plain-text message (with user strings in it) as Markdown that renders the same text.

    Every character that can start Markdown or HTML is backslash-escaped (CommonMark allows a
    backslash before any ASCII punctuation): ``\\ ` * _ ~ [ ] < > $ & | #`` — so no link,
    image, emphasis, code, strike-through, HTML tag or entity, maths, table or heading forms —
    and the three autolink triggers: ``:`` before ``//`` (``https://…``), ``.`` after ``www``,
    and ``@`` (e-mail addresses). Line breaks become spaces and a list or heading marker at the
    start (``-``, ``+``, ``=``, ``1.``) is escaped, so the message stays one paragraph. Other
    punctuation (``. , ; ' ( )``) is left as typed, so the Markdown source stays readable.
    """
    text = _LINE_BREAKS.sub(" ", str(text))
    text = _AUTOLINK.sub(r"\\\g<0>", _MARKUP.sub(r"\\\g<0>", text))
    return _BLOCK_START.sub(r"\g<1>\\\g<2>", text, count=1)


def plotly_text(text: object, limit: int = ECHO_CHARS) -> str:
    """A user's string for a plotly title or axis label: ``&``, ``<`` and ``>`` as entities, so
    no tag (a link, a line break) forms; plotly shows the characters themselves."""
    return html.escape(_LINE_BREAKS.sub(" ", shorten(text, limit)), quote=False)
