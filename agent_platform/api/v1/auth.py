"""``/api/v1/auth``: sign-up, log-in, log-out and password resets.

The public endpoints here are rate limited per client address and endpoint (10/minute; log-in
60/minute) on top of the log-in failure throttles in ``services.accounts.login_throttle``.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import Field
from sqlmodel import Session

from agent_platform import routes
from agent_platform.api import deps
from agent_platform.api.errors import domain_error_response
from agent_platform.api.v1.schemas import Body, OrgOut, Out, UserOut
from agent_platform.integrations import ratelimit
from agent_platform.models.accounts import AuthSession
from agent_platform.services.accounts import auth
from agent_platform.services.errors import RateLimited, Unauthenticated
from agent_platform.services.permissions import Principal
from agent_platform.settings import get_settings

AUTH_RATE = "10/minute"
# Log-in has its own failure throttles per account and per address (services.accounts.
# login_throttle), so one address's typos never refuse another account; this higher ceiling
# only bounds the password hashing one address can ask for.
ROUTE_RATES = {"/api/v1/auth/login": "60/minute"}

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


def rate_limit(request: Request) -> None:
    """Count this call against the caller's address; ``RateLimited`` (429) past 10/minute.

    Log-in allows 60/minute (``ROUTE_RATES``).
    """
    route = request.scope.get("route")
    path = getattr(route, "path", request.url.path)
    item = ratelimit.limit(ROUTE_RATES.get(path, AUTH_RATE))
    keys = ("api-auth", path, deps.client_ip(request) or "-")
    if not ratelimit.hit(item, *keys):
        wait = ratelimit.is_exhausted(item, *keys) or 60
        raise RateLimited("Too many requests. Try again later.", retry_after=wait)


class SignupIn(Body):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)
    name: str = Field(default="", max_length=200)
    org_name: str = Field(default="", max_length=200)


class SignupOut(Out):
    token: str
    user: UserOut
    org: OrgOut


class LoginIn(Body):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)


class LoginOut(Out):
    token: str
    expires_at: datetime
    user: UserOut


class ResetIn(Body):
    email: str = Field(max_length=320)


class ResetConfirmIn(Body):
    token: str = Field(max_length=200)
    password: str = Field(max_length=1024)


class StatusOut(Out):
    status: str


@router.post(
    "/signup",
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(rate_limit)],
)
def signup(body: SignupIn, request: Request, session: Session = deps.Db) -> SignupOut:
    """Create an account and its organization; returns a session token for ``Bearer``."""
    user, org, token = auth.signup(
        session,
        email=body.email,
        password=body.password,
        name=body.name,
        org_name=body.org_name,
        ip=deps.client_ip(request),
        user_agent=request.headers.get("user-agent", ""),
    )
    return SignupOut(token=token, user=UserOut.model_validate(user), org=OrgOut.model_validate(org))


@router.post("/login", response_model=LoginOut, dependencies=[Depends(rate_limit)])
def login(body: LoginIn, request: Request, session: Session = deps.Db) -> LoginOut | JSONResponse:
    """Open a session. Wrong credentials are 401; repeated failures are 429."""
    ip = deps.client_ip(request)
    try:
        token = auth.login(
            session,
            email=body.email,
            password=body.password,
            ip=ip,
            user_agent=request.headers.get("user-agent", ""),
        )
    except Unauthenticated as exc:
        # Answered, not raised: a raise would roll back the ``auth.login_failed`` audit entries.
        return domain_error_response(exc)
    identity = auth.resolve_session(session, token=token, ip=ip)
    row = session.get(AuthSession, identity.session_id)
    return LoginOut(
        token=token,
        expires_at=row.expires_at,
        user=UserOut(id=identity.user_id, email=identity.email, name=identity.name),
    )


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(
    request: Request,
    principal: Principal = Depends(deps.principal),
    session: Session = deps.Db,
) -> Response:
    """End the calling session at once (an API key is revoked under ``/org/api-keys``)."""
    auth.logout(session, token=deps.credential_from(request) or "")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/password-reset",
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[Depends(rate_limit)],
)
def request_password_reset(
    body: ResetIn, request: Request, session: Session = deps.Db
) -> StatusOut:
    """Email a reset link if the account exists. Always 202, so it reveals nothing."""
    auth.request_password_reset(
        session,
        email=body.email,
        reset_url=get_settings().base_url.rstrip("/") + routes.RESET_PASSWORD,
        ip=deps.client_ip(request),
    )
    return StatusOut(status="accepted")


@router.post("/password-reset/confirm", dependencies=[Depends(rate_limit)])
def confirm_password_reset(body: ResetConfirmIn, session: Session = deps.Db) -> StatusOut:
    """Set a new password with an emailed token; every open session is ended."""
    auth.reset_password(session, token=body.token, new_password=body.password)
    return StatusOut(status="password_changed")
