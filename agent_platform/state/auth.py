"""Log-in, sign-up and password reset forms (all public)."""

from urllib.parse import urlencode

import reflex as rx

from agent_platform import routes
from agent_platform.db import session_scope
from agent_platform.services.accounts import auth, login_codes
from agent_platform.services.errors import InvalidInput, Unauthenticated
from agent_platform.settings import get_settings
from agent_platform.state.base import AppState, navigate, public, text

# Marks the return from the login-nonce route, so a browser refusing cookies is told, not looped.
_NONCE_CHECKED = "nonce_checked"


class AuthState(AppState):
    """The public account pages. Secrets never land in a var: the token goes into a cookie."""

    prefill_email: str = ""
    notice: str = ""
    reset_sent: bool = False

    def _next(self) -> str:
        return routes.safe_next(self._query("next"))

    def _nonce(self) -> str:
        """This browser's login nonce, from the websocket handshake (``api.login_nonce``)."""
        return self._cookie(get_settings().security.login_nonce_cookie)

    def _get_nonce(self):
        """Send the browser for its login nonce, back to this page (once: then say why)."""
        if self._query(_NONCE_CHECKED):
            self.notice = "Allow cookies for this site to log in."
            return None
        query = {k: v for k, v in self.router.url.query_parameters.items() if isinstance(v, str)}
        here = f"{self.router.url.path}?{urlencode({**query, _NONCE_CHECKED: '1'})}"
        return navigate(routes.prelogin_url(here))

    def _start_session(self, token: str, nonce: str):
        """Swap the new session token for the HttpOnly cookie via a code bound to ``nonce``."""
        code = login_codes.issue_login_code(token, browser_nonce=nonce)
        return navigate(routes.session_url(code, self._next()))

    @rx.event
    @public
    def load_public(self):
        """Prefill from the query string; a signed-in visitor skips log-in and sign-up."""
        self.reset_sent = False
        self.prefill_email = self._query("email")[:320]
        expired = self._query("error") == "expired"
        self.notice = "That sign-in link expired. Log in again." if expired else ""
        if self.router.url.path.rstrip("/") not in (routes.LOGIN, routes.SIGNUP):
            return None
        if not self._nonce():
            return self._get_nonce()
        try:
            self._resolve_identity()
        except Unauthenticated:
            return None
        return rx.redirect(self._next())

    @rx.event
    @public
    def login(self, form: dict):
        """Check the credentials, open a session and set the cookie."""
        email, password = text(form, "email", limit=320), text(form, "password", limit=1024)
        if not email or not password:
            raise InvalidInput("Enter your email and password.")
        if not (nonce := self._nonce()):
            return self._get_nonce()
        with session_scope() as session:
            token = auth.login(
                session,
                email=email,
                password=password,
                ip=self._client_ip(),
                user_agent=self._user_agent(),
            )
        return self._start_session(token, nonce)

    @rx.event
    @public
    def signup(self, form: dict):
        """Create the account and its first organization, then sign in."""
        if not (nonce := self._nonce()):
            return self._get_nonce()
        with session_scope() as session:
            _, _, token = auth.signup(
                session,
                email=text(form, "email", limit=320),
                password=text(form, "password", limit=1024),
                name=text(form, "name", limit=200),
                org_name=text(form, "org_name", limit=200),
                ip=self._client_ip(),
                user_agent=self._user_agent(),
            )
        return self._start_session(token, nonce)

    @rx.event
    @public
    def forgot(self, form: dict):
        """Email a reset link if the account exists; the answer is the same either way."""
        email = text(form, "email", limit=320)
        if not email:
            raise InvalidInput("Enter your email address.")
        with session_scope() as session:
            auth.request_password_reset(
                session,
                email=email,
                reset_url=f"{get_settings().base_url}{routes.RESET_PASSWORD}",
                ip=self._client_ip(),
            )
        self.reset_sent = True

    @rx.event
    @public
    def reset_password(self, form: dict):
        """Set a new password with the token from the emailed link."""
        password = text(form, "password", limit=1024)
        if password != text(form, "confirm", limit=1024):
            raise InvalidInput("The two passwords do not match.")
        with session_scope() as session:
            auth.reset_password(session, token=self._query("token"), new_password=password)
        return [
            rx.toast.success("Password changed. Log in with your new password."),
            rx.redirect(routes.LOGIN),
        ]
