"""Invite → email → preview → accept, end to end with the real worker and SMTP sink."""

from __future__ import annotations

import re

from agent_platform.services.tokens import new_token
from tests.api.conftest import PASSWORD

V1 = "/api/v1"


def _signup(client, email: str) -> dict[str, str]:
    response = client.post(f"{V1}/auth/signup", json={"email": email, "password": PASSWORD})
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def _token_from(message) -> tuple[str, str]:
    text = message.get_payload(decode=True).decode()
    link = re.search(r"(http\S+/invite\?token=(\S+))", text)
    assert link, text
    return link.group(1), link.group(2)


def test_invite_accept_end_to_end(client, make_org, worker, mailbox):
    org = make_org("acme")
    admin = org["admin"].headers
    sent = client.post(
        f"{V1}/org/invitations", json={"email": "New@Example.com", "role": "editor"}, headers=admin
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["email"] == "new@example.com"
    link, token = _token_from(mailbox.wait_for("new@example.com"))
    assert link.startswith("http")
    pending = client.get(f"{V1}/org/invitations", headers=admin).json()
    assert [i["email"] for i in pending] == ["new@example.com"]

    invitee = _signup(client, "new@example.com")
    preview = client.post(f"{V1}/invitations/preview", json={"token": token}, headers=invitee)
    assert preview.json() == {
        "org_name": "acme",
        "email": "new@example.com",
        "role": "editor",
        "inviter_email": org["admin"].email,
    }
    stranger = _signup(client, "stranger@example.com")
    wrong = client.post(f"{V1}/invitations/accept", json={"token": token}, headers=stranger)
    assert wrong.status_code == 403
    assert "new@example.com" in wrong.json()["error"]["message"]

    accepted = client.post(f"{V1}/invitations/accept", json={"token": token}, headers=invitee)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json() == {"org_id": str(org.id), "role": "editor"}
    members = client.get(f"{V1}/org/members", headers=admin).json()
    assert {"email": "new@example.com", "role": "editor"}.items() <= next(
        m for m in members if m["email"] == "new@example.com"
    ).items()
    me = client.get(f"{V1}/me", headers=invitee).json()  # the session moved to the new org
    assert me["org"]["id"] == str(org.id) and me["role"] == "editor"
    assert len(me["orgs"]) == 2

    again = client.post(f"{V1}/invitations/accept", json={"token": token}, headers=invitee)
    assert again.status_code == 422
    assert client.get(f"{V1}/org/invitations", headers=admin).json() == []
    assert (
        client.post(f"{V1}/invitations/preview", json={"token": token}, headers=invitee).status_code
        == 422
    )


def test_reinvite_revokes_the_old_link_and_members_conflict(client, make_org, worker, mailbox):
    org = make_org("acme")
    owner = org["owner"].headers
    body = {"email": "late@example.com", "role": "viewer"}
    client.post(f"{V1}/org/invitations", json=body, headers=owner)
    _, first = _token_from(mailbox.wait_for("late@example.com"))
    mailbox.clear()
    client.post(f"{V1}/org/invitations", json=body, headers=owner)
    _, second = _token_from(mailbox.wait_for("late@example.com"))
    assert first != second
    invitee = _signup(client, "late@example.com")
    old = client.post(f"{V1}/invitations/accept", json={"token": first}, headers=invitee)
    assert old.status_code == 422
    assert (
        client.post(f"{V1}/invitations/accept", json={"token": second}, headers=invitee).status_code
        == 200
    )
    member = {"email": org["viewer"].email, "role": "viewer"}
    assert client.post(f"{V1}/org/invitations", json=member, headers=owner).status_code == 409


def test_revoked_or_unknown_invitation_is_refused(client, make_org, worker, mailbox):
    org = make_org("acme")
    owner = org["owner"].headers
    sent = client.post(
        f"{V1}/org/invitations", json={"email": "x@example.com"}, headers=owner
    ).json()
    _, token = _token_from(mailbox.wait_for("x@example.com"))
    assert client.delete(f"{V1}/org/invitations/{sent['id']}", headers=owner).status_code == 204
    invitee = _signup(client, "x@example.com")
    for candidate in (token, new_token()):
        response = client.post(
            f"{V1}/invitations/accept", json={"token": candidate}, headers=invitee
        )
        assert response.status_code == 422
