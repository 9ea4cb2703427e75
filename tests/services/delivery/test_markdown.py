"""Chat Markdown renders inert: no raw HTML, no script links, images only from allowed hosts."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from agent_platform.integrations.markdown import render


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">x</a>',
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "[x](vbscript:msgbox)",
        "![x](javascript:alert(1))",
        '<iframe src="https://evil.example"></iframe>',
        "<svg onload=alert(1)>",
    ],
)
def test_hostile_markdown_is_inert(text):
    tags = _tags(render(text))
    assert not {name for name, _ in tags} & {"script", "iframe", "svg", "img", "a"}
    assert all(not key.startswith("on") for _, attrs in tags for key, _ in attrs)


def _tags(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """Real elements (not escaped text) in ``html``."""
    found = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Collect().feed(html)
    return found


def test_formatting_and_safe_links_survive():
    html = render("**bold** and [docs](https://docs.example.com/a?b=1) `code`")
    assert "<strong>bold</strong>" in html and "<code>code</code>" in html
    assert 'href="https://docs.example.com/a?b=1"' in html
    assert 'rel="noopener noreferrer nofollow"' in html and 'target="_blank"' in html


def test_images_only_from_allowed_hosts():
    text = "![ok](https://cdn.shop.example/a.png) ![bad](https://tracker.example/p.gif)"
    html = render(text, image_hosts=["cdn.shop.example"])
    assert '<img src="https://cdn.shop.example/a.png" alt="ok">' in html
    assert "tracker.example" not in html and "bad" in html
    assert "<img" not in render(
        "![x](http://cdn.shop.example/a.png)", image_hosts=["cdn.shop.example"]
    )


def test_citation_markers_become_superscripts_only_when_sources_exist():
    assert '<sup class="cite">[1]</sup>' in render("As noted [1].", citations=2)
    assert "<sup" not in render("As noted [3].", citations=2)
    assert "<sup" not in render("As noted [1].")
