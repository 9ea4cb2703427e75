"""Safe Markdown for chat answers: no raw HTML, only safe links, images from allowed hosts.

User and LLM text is untrusted. ``markdown-it-py`` renders with HTML disabled and a link
validator; images whose host is not allowed become their alt text; ``nh3`` (an allowlist
sanitiser) then strips anything that is not plain formatting, as a second line of defence.
Numbered citation markers ``[n]`` become superscripts when the answer has ``n`` sources.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_TAGS = {
    "p", "br", "hr", "strong", "em", "del", "code", "pre", "blockquote", "ul", "ol", "li",
    "h1", "h2", "h3", "h4", "h5", "h6", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
    "sup",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "sup": {"class"}}
_CITE = re.compile(r"\[(\d{1,3})\]")


def _safe_link(url: str) -> bool:
    scheme = urlsplit(url.strip()).scheme.lower()
    return scheme in SAFE_SCHEMES or (not scheme and not url.strip().startswith("//"))


def _renderer(image_hosts: frozenset[str]) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table").enable("strikethrough")
    md.validateLink = _safe_link  # type: ignore[method-assign]

    def image(_self, tokens, idx, options, env):  # noqa: ANN001, ANN202 - markdown-it rule signature
        token = tokens[idx]
        src = str(token.attrGet("src") or "")
        parts = urlsplit(src)
        alt = "".join(child.content for child in token.children or [])
        if parts.scheme != "https" or (parts.hostname or "").lower() not in image_hosts:
            return html.escape(alt)
        return f'<img src="{html.escape(src)}" alt="{html.escape(alt)}">'

    md.add_render_rule("image", image)
    return md


def render(text: str, *, image_hosts: Iterable[str] = (), citations: int = 0) -> str:
    """``text`` as sanitised HTML.

    Args:
        text: untrusted Markdown (a user message or a model's answer).
        image_hosts: hosts images may load from (``https`` only); others show their alt text.
        citations: how many numbered sources the answer has; ``[1]..[n]`` become superscripts.

    Returns:
        HTML containing only formatting tags, safe links (``rel=noopener noreferrer nofollow``,
        opened in a new tab) and allowed images.
    """
    hosts = frozenset(h.lower() for h in image_hosts)
    out = _renderer(hosts).render(text or "")
    if citations:
        out = _CITE.sub(
            lambda m: f'<sup class="cite">[{m[1]}]</sup>' if 1 <= int(m[1]) <= citations else m[0],
            out,
        )
    return nh3.clean(
        out,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=set(SAFE_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        set_tag_attribute_values={"a": {"target": "_blank"}},
        strip_comments=True,
    )
