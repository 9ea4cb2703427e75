"""One-time codes that swap a new session token for the browser's HttpOnly cookie.

The Reflex UI checks the password over the websocket, then sends the browser to
``/api/v1/auth/web/session?code=...``; the token itself never appears in a URL or in
JavaScript. A code alone would be a login-CSRF tool: an attacker logs into their own account,
keeps the code and gets a victim's browser to open the link, and the victim then works (and
types secrets) inside the attacker's account. So each code is bound to the browser that logged
in: to the login nonce, a random HttpOnly cookie that browser got before logging in
(``api.login_nonce``), whose hash is stored with the code. Only a request carrying the same
nonce redeems it.
"""

from __future__ import annotations

import hmac
import json

from agent_platform.integrations import kv
from agent_platform.services.tokens import new_token, token_hash

LOGIN_CODE_TTL_S = 60


def issue_login_code(token: str, *, browser_nonce: str) -> str:
    """A single-use code (valid 60 s) for ``token``, redeemable only with ``browser_nonce``.

    Raises:
        ValueError: without a nonce (the caller must first get the browser one).
    """
    if not browser_nonce:
        raise ValueError("a login code must be bound to the browser's login nonce")
    code = new_token()
    value = json.dumps({"token": token, "nonce": token_hash(browser_nonce)})
    kv.get_redis().set(f"login-code:{token_hash(code)}", value, ex=LOGIN_CODE_TTL_S)
    return code


def redeem_login_code(code: str, *, browser_nonce: str) -> str | None:
    """The session token for ``code``, once, if ``browser_nonce`` is the one it was bound to.

    The code is spent by any attempt, so a refused one cannot be retried from elsewhere.

    Returns:
        ``None`` if the code is unknown, used, expired or presented by another browser.
    """
    raw = kv.get_redis().getdel(f"login-code:{token_hash(code)}")
    if not raw or not browser_nonce:
        return None
    try:
        stored = json.loads(raw)
    except ValueError:  # a code issued before codes were bound: refuse it
        return None
    if not isinstance(stored, dict) or not isinstance(stored.get("nonce"), str):
        return None
    if not hmac.compare_digest(stored["nonce"], token_hash(browser_nonce)):
        return None
    return stored.get("token")
