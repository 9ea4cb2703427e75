"""Password resets: once a reset succeeds, no other outstanding reset link of that user works.

Each "forgot password" request mails a new link. A leaked older link (a forwarded email, a
shared mailbox, an attacker who triggered resets while reading the victim's mail) must die
when the account's owner resets with the newest one; otherwise the attacker takes the
account back with it after the owner thought they had secured it.
"""

from __future__ import annotations

import re

from tests.conftest import wait_until
from tests.security.conftest import V1, sign_up


def _reset_links(mailbox, email: str, count: int) -> list[str]:
    def links():
        found = [
            re.search(r"token=(\S+)", m.get_payload(decode=True).decode()).group(1)
            for m in mailbox.messages()
            if email in m["To"]
        ]
        return found if len(found) >= count else None

    return wait_until(links, timeout=20)


def test_a_successful_reset_invalidates_every_other_reset_link(client, worker, mailbox):
    victim = sign_up(client, "victim@example.com")
    for _ in range(3):
        requested = client.post(f"{V1}/auth/password-reset", json={"email": victim.email})
        assert requested.status_code == 202
    *leaked_links, used = _reset_links(mailbox, victim.email, 3)
    assert len({*leaked_links, used}) == 3

    reset = {"token": used, "password": "the owner's new password"}
    assert client.post(f"{V1}/auth/password-reset/confirm", json=reset).status_code == 200
    for leaked in leaked_links:
        takeover = {"token": leaked, "password": "the attacker's password"}
        refused = client.post(f"{V1}/auth/password-reset/confirm", json=takeover)
        assert refused.status_code == 422, refused.text
    attacker_login = {"email": victim.email, "password": "the attacker's password"}
    assert client.post(f"{V1}/auth/login", json=attacker_login).status_code == 401
    owner_login = {"email": victim.email, "password": "the owner's new password"}
    assert client.post(f"{V1}/auth/login", json=owner_login).status_code == 200
