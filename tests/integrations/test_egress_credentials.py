"""Host patterns credentials are bound to: validation and matching."""

from __future__ import annotations

import pytest

from agent_platform.integrations.egress_http import host_allowed, normalise_host_patterns


def test_wildcards_match_subdomains_only():
    assert host_allowed("api.allowed.test", ["*.allowed.test"])
    assert host_allowed("a.b.allowed.test", ["*.allowed.test"])
    assert not host_allowed("allowed.test", ["*.allowed.test"])
    assert not host_allowed("evilallowed.test", ["*.allowed.test"])
    assert host_allowed("api.allowed.test", ["api.allowed.test"])
    assert not host_allowed("x.api.allowed.test", ["api.allowed.test"])


def test_host_patterns_are_normalised():
    entries = [
        "API.Example.com.",
        "*.Example.org",
        "bücher.de",
        "[::1]",
        "0x7f.1",
        "api.example.com",
    ]
    assert normalise_host_patterns(entries) == [
        "api.example.com", "*.example.org", "xn--bcher-kva.de", "::1", "127.0.0.1",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "entry",
    ["*", "*.com", "*.*.example.com", "https://api.example.com", "api.example.com:443",
     "api.example.com/v1", "user@api.example.com", "a b.com", "", "x..com", "-x.com"],
)  # fmt: skip
def test_bad_host_patterns_are_refused(entry):
    with pytest.raises(ValueError):
        normalise_host_patterns([entry])


def test_at_most_twenty_hosts():
    with pytest.raises(ValueError, match="at most 20"):
        normalise_host_patterns([f"h{i}.example.com" for i in range(21)])
