"""The login cookie: the browser keeps its session token, so a reload, a bookmark or a second tab stays logged in.

Streamlit cannot set a cookie from the server, so a tiny script in the page writes or removes it.
``st.html(..., unsafe_allow_javascript=True)`` inserts it into the app's own document (no iframe, no
download: it runs offline), so ``document.cookie`` is this app's origin.  The element hides its own
container with a style, leaving no gap in the sidebar or on the login page.

The cookie holds the random session token only (never the password or the stored hash); who is logged
in and with which role is always looked up in the store (``cases.accounts.session_account``), so a forged
or old cookie is simply ignored.  The browser sends it back with the WebSocket request of every new
Streamlit session, where ``st.context.cookies`` reads it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

import streamlit as st

#: The cookie's name (``Path=/``, ``SameSite=Strict``, ``Secure`` on https).
COOKIE_NAME = "casemap_session"
# What ``secrets.token_urlsafe(32)`` makes (43 characters); anything else in the cookie is ignored unread.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,128}")
# The class by which the script's element container is hidden.
_MARK = "casemap-login-cookie"
_SECURE = "(location.protocol === 'https:' ? '; Secure' : '')"


def browser_token() -> str | None:
    """The session token the browser sent when this Streamlit session began, or None (none or malformed)."""
    value = _sent_cookies().get(COOKIE_NAME)
    return value if isinstance(value, str) and _TOKEN.fullmatch(value) else None


def _sent_cookies() -> Mapping[str, str]:
    # The cookies of the request that opened this session's WebSocket (AppTest has none to give).
    return st.context.cookies


def write(token: str, *, max_age_s: int) -> None:
    """Have the browser keep ``token`` for ``max_age_s`` seconds (the session's remaining life)."""
    if not _TOKEN.fullmatch(token) or max_age_s <= 0:
        return
    value = json.dumps(f"{COOKIE_NAME}={token}; Max-Age={int(max_age_s)}; Path=/; SameSite=Strict")
    _script(f"document.cookie = {value} + {_SECURE};")


def remove(token: str | None) -> None:
    """Have the browser drop its cookie if it still holds ``token`` (not a newer login from another tab)."""
    if not token or not _TOKEN.fullmatch(token):
        return
    kept = json.dumps(f"{COOKIE_NAME}={token}")
    _script(f"if (document.cookie.split('; ').includes({kept})) "
            f"document.cookie = '{COOKIE_NAME}=; Max-Age=0; Path=/; SameSite=Strict' + {_SECURE};")


def _script(js: str) -> None:
    st.html(f"<style>.stElementContainer:has(.{_MARK}):not(:has(.stElementContainer)) {{ display: none; }}</style>"
            f"<span class=\"{_MARK}\"></span><script>{js}</script>", unsafe_allow_javascript=True)
