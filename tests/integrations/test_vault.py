"""Vault crypto: round trip, binding to org and row, tampering, rotation, key parsing."""

from __future__ import annotations

import base64

import pytest

from agent_platform.integrations.vault import Keyring, Vault, VaultError, parse_keyring

SECRET_1 = base64.b64encode(b"a" * 32).decode()
SECRET_2 = base64.urlsafe_b64encode(b"b" * 32).decode().rstrip("=")
DATA = {"api_key": "sk-live-123", "base_url": "https://api.example.com"}


@pytest.fixture
def vault() -> Vault:
    return Vault(parse_keyring(f"1:{SECRET_1}"))


def test_round_trip_and_no_plaintext_in_token(vault):
    token = vault.encrypt(DATA, org_id="org-a", row_id="cred-1")
    assert vault.decrypt(token, org_id="org-a", row_id="cred-1") == DATA
    assert "sk-live" not in token and b"sk-live" not in base64.urlsafe_b64decode(token)
    assert token != vault.encrypt(DATA, org_id="org-a", row_id="cred-1")  # fresh nonce


@pytest.mark.parametrize(
    "org_id,row_id", [("org-b", "cred-1"), ("org-a", "cred-2"), ("org-a:cred", "1")]
)
def test_other_org_or_row_cannot_decrypt(vault, org_id, row_id):
    token = vault.encrypt(DATA, org_id="org-a", row_id="cred-1")
    with pytest.raises(VaultError, match="failed authentication"):
        vault.decrypt(token, org_id=org_id, row_id=row_id)


@pytest.mark.parametrize("position", [6, 20, -1])
def test_tampering_is_detected(vault, position):
    raw = bytearray(base64.urlsafe_b64decode(vault.encrypt(DATA, org_id="o", row_id="r")))
    raw[position] ^= 0x01
    with pytest.raises(VaultError) as info:
        vault.decrypt(base64.urlsafe_b64encode(bytes(raw)).decode(), org_id="o", row_id="r")
    assert "sk-live" not in str(info.value)


def test_relabelling_the_key_version_fails():
    both = Vault(parse_keyring(f"1:{SECRET_1},2:{SECRET_2}", current=1))
    raw = bytearray(base64.urlsafe_b64decode(both.encrypt(DATA, org_id="o", row_id="r")))
    raw[4] = 2  # claim key version 2
    with pytest.raises(VaultError, match="failed authentication"):
        both.decrypt(base64.urlsafe_b64encode(bytes(raw)).decode(), org_id="o", row_id="r")


def test_rotation_then_old_key_removed():
    old = Vault(parse_keyring(f"1:{SECRET_1}"))
    token_v1 = old.encrypt(DATA, org_id="o", row_id="r")
    both = Vault(parse_keyring(f"1:{SECRET_1},2:{SECRET_2}"))
    assert both.needs_rotation(token_v1)
    token_v2 = both.rotate(token_v1, org_id="o", row_id="r")
    assert both.key_version(token_v2) == 2 and not both.needs_rotation(token_v2)

    new_only = Vault(parse_keyring(f"2:{SECRET_2}"))
    assert new_only.decrypt(token_v2, org_id="o", row_id="r") == DATA
    with pytest.raises(VaultError, match="unknown key version 1"):
        new_only.decrypt(token_v1, org_id="o", row_id="r")


def test_keys_are_derived_per_version_from_secrets():
    ring = parse_keyring(f"1:{SECRET_1},2:{SECRET_1}")
    assert ring.current == 2 and ring.keys[1] != ring.keys[2]
    assert len(ring.keys[1]) == 32 and ring.keys[1] != b"a" * 32


@pytest.mark.parametrize(
    "value",
    [
        "",
        "1",
        "x:abcd",
        f"0:{SECRET_1}",
        f"1:{SECRET_1},1:{SECRET_1}",
        "1:" + base64.b64encode(b"short").decode(),
        "1:***",
    ],
)
def test_bad_key_configuration_is_refused_without_echoing(value):
    with pytest.raises(VaultError) as info:
        parse_keyring(value)
    assert SECRET_1 not in str(info.value)


def test_keyring_needs_its_current_version():
    with pytest.raises(VaultError, match="version 3"):
        Keyring(keys={1: b"k" * 32}, current=3)


@pytest.mark.parametrize("token", ["not base64 !!", "AAAA", ""])
def test_malformed_tokens_are_clear_errors(vault, token):
    with pytest.raises(VaultError, match="malformed|format"):
        vault.decrypt(token, org_id="o", row_id="r")
