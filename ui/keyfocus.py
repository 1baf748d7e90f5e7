"""Presenter keys that still work after a toggle, checkbox, radio or file input was clicked.

Why this exists
    ``st.button(shortcut=...)`` registers its key with hotkeys-js, whose filter (set by
    Streamlit 1.67's frontend) drops every key event whose target, or anything on its composed
    path, is an ``INPUT``, ``TEXTAREA`` or ``SELECT``: rightly for a text or number box (typing
    "E" there must not step), but also for ``<input type="checkbox">`` (``st.toggle``,
    ``st.checkbox``), ``type="radio"`` (``st.radio``) and ``type="file"``, which keep the focus
    after a mouse click. A lecturer who clicked such a control found the clicker's PageDown dead
    until they clicked on empty page.

What it does
    One small same-origin script (``st.html(..., unsafe_allow_javascript=True)``, which runs in
    the app's own document, not in an iframe) listens to ``keydown`` on ``window`` in the capture
    phase, before hotkeys-js. For a presenter key (no Ctrl/Alt/Meta/Shift) whose target is a
    focused checkbox, radio or file input, it stops that event and dispatches a copy on
    ``document.body``, which hotkeys-js accepts; if a shortcut handled the copy (it calls
    ``preventDefault``), the original's default (PageDown scrolling the page) is cancelled
    too. The focus stays where it was, so a keyboard user keeps their place. Every other key,
    every other target (text and number boxes, sliders, select boxes) is left alone.

The listener is installed once per browser tab (a flag on ``window``); each script run updates
the set of keys it relays. No Python state is kept here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

import streamlit as st

__all__ = ["RELAYED_INPUT_TYPES", "relay_keys", "relay_script"]

#: ``<input type=...>`` that keep the focus after a click but take none of the presenter keys.
RELAYED_INPUT_TYPES = ("checkbox", "radio", "file")

#: The element holding the script; hidden, so it takes no space in the page's layout.
CONTAINER_KEY = "presenter_key_relay"

_SCRIPT = """
<style>.st-key-%(container)s { display: none !important; }</style>
<script>
(() => {
  window.__emlabRelayedKeys = new Set(%(keys)s);
  if (window.__emlabKeyRelay) return;
  window.__emlabKeyRelay = true;
  const types = new Set(%(types)s);
  window.addEventListener("keydown", (event) => {
    const target = event.target;
    if (!event.isTrusted || typeof event.key !== "string") return;
    if (event.ctrlKey || event.altKey || event.metaKey || event.shiftKey) return;
    if (!(target instanceof HTMLInputElement) || !types.has(target.type)) return;
    if (!window.__emlabRelayedKeys.has(event.key.toLowerCase())) return;
    event.stopImmediatePropagation();
    const copy = new KeyboardEvent("keydown", {
      key: event.key, code: event.code, keyCode: event.keyCode, which: event.which,
      repeat: event.repeat, bubbles: true, cancelable: true, composed: true,
    });
    if (!document.body.dispatchEvent(copy)) event.preventDefault();
  }, true);
})();
</script>
"""


def relay_script(key_names: Iterable[str]) -> str:
    """The HTML (a hiding style and the script) relaying ``key_names`` (as in
    ``st.button(shortcut=...)``: "PageDown", "E", "0", …; matched case-insensitively against
    ``KeyboardEvent.key``)."""
    names = sorted({name.lower() for name in key_names})
    bad = [name for name in names if not re.fullmatch(r"[a-z0-9]+", name)]
    if bad:  # only key names (letters, digits) ever reach the script
        raise ValueError(f"not a key name: {bad}")
    return _SCRIPT % {
        "container": CONTAINER_KEY,
        "keys": json.dumps(names),
        "types": json.dumps(list(RELAYED_INPUT_TYPES)),
    }


def relay_keys(key_names: Iterable[str]) -> None:
    """Make the presenter keys ``key_names`` reach Streamlit's shortcuts while a checkbox,
    toggle, radio or file input has the focus (see the module's docstring). Call once per
    script run, anywhere: it draws nothing."""
    with st.container(key=CONTAINER_KEY):
        st.html(relay_script(key_names), unsafe_allow_javascript=True)
