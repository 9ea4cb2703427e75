"""Browser session cookie: set from a one-time login code, cleared at logout.

The Reflex UI logs in through ``services.accounts.auth`` and then navigates the browser here, so the
session token ends up only in an HttpOnly cookie that JavaScript cannot read. The code is
redeemed only with the login nonce cookie of the browser it was issued to
(``services.accounts.login_codes``): another browser opening the same link is refused.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from agent_platform.routes import safe_next
from agent_platform.services.accounts import login_codes
from agent_platform.settings import get_settings

router = APIRouter()


@router.get("/api/v1/auth/web/session", include_in_schema=False)
def set_session_cookie(
    request: Request,
    code: str = "",
    next: str = "/agents",  # noqa: A002
) -> RedirectResponse:
    """Swap this browser's one-time login code for the HttpOnly session cookie, go to ``next``."""
    settings = get_settings()
    nonce = request.cookies.get(settings.security.login_nonce_cookie, "")
    token = login_codes.redeem_login_code(code, browser_nonce=nonce) if code else None
    if token is None:
        return RedirectResponse("/login?error=expired", status_code=303)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        settings.security.session_cookie,
        token,
        max_age=settings.security.session_days * 86400,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )
    return response


@router.get("/api/v1/auth/web/logout", include_in_schema=False)
def clear_session_cookie() -> RedirectResponse:
    """Clear the session cookie (the session row was already revoked) and go to log-in."""
    response = RedirectResponse("/login", status_code=303)
    settings = get_settings()
    response.delete_cookie(
        settings.security.session_cookie,
        path="/",
        secure=settings.secure_cookies,
        httponly=True,
        samesite="lax",
    )
    return response
