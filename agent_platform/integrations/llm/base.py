"""Shared pieces of the LLM adapters: model refs, prices, retries, error mapping, classify.

Both SDK adapters run with the SDK's own retries disabled so that one policy here decides how
often to retry, honours ``Retry-After`` and turns failures into the engine's error classes.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import random
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any, TypeVar

from agent_platform.engine.protocols import (
    Category,
    ChatMessage,
    Classification,
    LLMRequest,
    LLMResponse,
    PermanentError,
    TokenCallback,
    TransientError,
)
from agent_platform.integrations.egress import EgressRefused

T = TypeVar("T")
PROVIDERS = ("openai", "anthropic", "compat", "offline")


def split_model(ref: str) -> tuple[str, str]:
    """Split ``"provider:name"`` into its parts.

    Raises:
        PermanentError: when the reference has no known provider prefix.
    """
    provider, sep, name = ref.partition(":")
    if not sep or not name or provider not in PROVIDERS:
        raise PermanentError(
            f"Model {ref!r} must look like '<provider>:<model>' with provider one of "
            + ", ".join(PROVIDERS)
        )
    return provider, name


# ------------------------------------------------------------------------------------- prices


@dataclass(frozen=True)
class ModelPrice:
    """USD per one million input and output tokens."""

    input_per_m: float
    output_per_m: float


class PriceTable:
    """Prices per ``provider:model``; a dated id (``gpt-4o-2024-08-06``) uses its longest prefix.

    Args:
        overrides: extra or replacement prices, values as ``ModelPrice`` or ``[in, out]``.
        include_defaults: start from the bundled ``prices.json``.
    """

    def __init__(
        self, overrides: Mapping[str, Any] | None = None, *, include_defaults: bool = True
    ) -> None:
        self._prices: dict[str, ModelPrice] = {}
        if include_defaults:
            raw = json.loads(resources.files(__package__).joinpath("prices.json").read_text())
            self._prices.update({k: _price(v) for k, v in raw.items() if not k.startswith("_")})
        self._prices.update({k: _price(v) for k, v in (overrides or {}).items()})

    def lookup(self, model_ref: str) -> ModelPrice | None:
        """The price for ``model_ref`` (exact, else the longest matching prefix), or ``None``."""
        if model_ref in self._prices:
            return self._prices[model_ref]
        matches = [k for k in self._prices if model_ref.startswith(k + "-")]
        return self._prices[max(matches, key=len)] if matches else None

    def cost(self, model_ref: str, input_tokens: int, output_tokens: int) -> float:
        """Cost in USD; 0 for unpriced models (e.g. self-hosted compat models)."""
        price = self.lookup(model_ref)
        if price is None:
            return 0.0
        total = input_tokens * price.input_per_m + output_tokens * price.output_per_m
        return round(total / 1_000_000, 8)


def _price(value: Any) -> ModelPrice:
    if isinstance(value, ModelPrice):
        return value
    if isinstance(value, Mapping):
        return ModelPrice(float(value["input"]), float(value["output"]))
    inp, out = value
    return ModelPrice(float(inp), float(out))


# ------------------------------------------------------------------------------------ retries


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff; delays in seconds.

    Attributes:
        max_attempts: total tries including the first.
        base_delay_s: first backoff; doubles per retry, with jitter, capped at ``max_delay_s``.
        max_retry_after_s: a longer ``Retry-After`` is treated as "give up now".
    """

    max_attempts: int = 4
    base_delay_s: float = 0.5
    max_delay_s: float = 20.0
    max_retry_after_s: float = 60.0

    def backoff(self, attempt: int) -> float:
        """Delay before retry number ``attempt`` (1-based), with +-25% jitter."""
        delay = min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1))
        return delay * random.uniform(0.75, 1.25)


@dataclass(frozen=True)
class Failure:
    """How an SDK exception should be treated."""

    transient: bool
    message: str
    retry_after_s: float | None = None


async def with_retries(
    attempt: Callable[[], Awaitable[T]],
    *,
    policy: RetryPolicy,
    classify: Callable[[BaseException], Failure | None],
    may_retry: Callable[[], bool] = lambda: True,
) -> T:
    """Run ``attempt`` until it succeeds, a permanent failure occurs or attempts run out.

    Args:
        classify: maps an exception to a ``Failure``; ``None`` re-raises it unchanged.
        may_retry: ``False`` once retrying would repeat visible effects (streamed tokens).

    Raises:
        TransientError: retries exhausted (or not allowed) on a transient failure.
        PermanentError: the failure cannot be fixed by retrying.
    """
    for number in range(1, policy.max_attempts + 1):
        try:
            return await attempt()
        except Exception as exc:
            failure = classify(exc)
            if failure is None:
                raise
            if not failure.transient:
                raise PermanentError(failure.message) from None
            too_long = (failure.retry_after_s or 0) > policy.max_retry_after_s
            if number == policy.max_attempts or too_long or not may_retry():
                raise TransientError(
                    f"{failure.message} (gave up after {number} attempt(s))"
                ) from None
            delay = failure.retry_after_s
            await asyncio.sleep(policy.backoff(number) if delay is None else delay)
    raise AssertionError("unreachable")  # pragma: no cover


def retry_after_seconds(headers: Mapping[str, str] | None) -> float | None:
    """Parse ``retry-after-ms`` / ``retry-after`` (seconds or HTTP date); ``None`` if absent."""
    if not headers:
        return None
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        return None if parsed is None else max(0.0, parsed.timestamp() - time.time())


def sdk_failure(
    exc: BaseException,
    *,
    provider: str,
    model: str,
    secret: str | None,
    connection_errors: tuple[type[BaseException], ...],
) -> Failure | None:
    """Map an OpenAI/Anthropic SDK exception (same shapes) to a ``Failure``.

    Provider messages are only relayed for 400/404/422 and with the key redacted; 401/403
    messages are never relayed because providers echo part of the key in them. An egress
    refusal anywhere in the exception's chain is permanent and says so.
    """
    refusal = egress_refusal(exc)
    if refusal is not None:
        return Failure(False, egress_message(provider, refusal))
    if isinstance(exc, connection_errors):
        return Failure(True, f"{provider} could not be reached (timeout or connection error)")
    status = getattr(exc, "status_code", None)
    if not isinstance(status, int):
        return None
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if status in (408, 409, 429) or status >= 500:
        label = "rate limited" if status == 429 else "temporarily unavailable"
        return Failure(True, f"{provider} is {label} (HTTP {status})", retry_after_seconds(headers))
    if status in (401, 403):
        return Failure(
            False,
            f"{provider} rejected the API key (HTTP {status}); check it in Settings → Credentials",
        )
    detail = _redact(_provider_message(exc), secret)
    if status == 404:
        return Failure(False, f"{provider} has no model {model!r} or endpoint (HTTP 404)")
    return Failure(False, f"{provider} rejected the request (HTTP {status}): {detail}")


def egress_refusal(exc: BaseException) -> EgressRefused | None:
    """The ``EgressRefused`` behind ``exc`` (itself, or its cause/context chain), if any.

    The SDKs raise it as is or wrap it (``APIConnectionError from ...``).
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, EgressRefused):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def egress_message(provider: str, refusal: EgressRefused) -> str:
    """``"compat endpoint refused by the egress policy: destination not allowed"``."""
    return f"{provider} endpoint refused by the egress policy: {refusal.message}"


def _provider_message(exc: BaseException) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict) and isinstance(err.get("message"), str):
            return err["message"]
    return "see provider documentation"


def _redact(text: str, secret: str | None) -> str:
    if secret:
        text = text.replace(secret, "[redacted]")
    text = re.sub(r"\b(sk|key|api)[-_][A-Za-z0-9_\-*]{6,}", "[redacted]", text)
    return text[:300]


# --------------------------------------------------------------------------------- utilities


def parse_json_object(text: str, what: str) -> dict[str, Any]:
    """Parse a JSON object, tolerating a Markdown code fence around it (compat models).

    Raises:
        PermanentError: when ``text`` holds no JSON object.
    """
    cleaned = text.strip()
    fence = re.search(r"```(?:json)?\s*(.*?)```", cleaned, re.DOTALL)
    if fence:
        cleaned = fence.group(1).strip()
    try:
        value = json.loads(cleaned) if cleaned else {}
    except ValueError:
        raise PermanentError(f"The model returned invalid JSON for {what}") from None
    if not isinstance(value, dict):
        raise PermanentError(f"The model returned JSON that is not an object for {what}")
    return value


def pick_category(answer: str, categories: tuple[Category, ...]) -> int:
    """Map a model's answer (name, number or sentence) to a category index.

    Raises:
        PermanentError: when the answer names no category.
    """
    norm = answer.strip().strip("\"'.").casefold()
    names = [c.name.casefold() for c in categories]
    if norm in names:
        return names.index(norm)
    if norm.isdigit() and 1 <= int(norm) <= len(categories):
        return int(norm) - 1
    contained = [i for i, n in enumerate(names) if n and n in norm]
    if contained:
        return max(contained, key=lambda i: len(names[i]))  # "not spam" beats "spam"
    raise PermanentError(f"The classifier's answer matched no category: {answer[:80]!r}")


class StructuredClassifier:
    """``classify`` for real providers: an enum-constrained structured answer, mapped robustly."""

    async def complete(
        self, request: LLMRequest, *, on_token: TokenCallback | None = None
    ) -> LLMResponse:  # pragma: no cover - provided by the adapter
        raise NotImplementedError

    async def classify(
        self,
        *,
        model: str,
        text: str,
        categories: tuple[Category, ...],
        credential_id: str | None = None,
    ) -> Classification:
        """Ask ``model`` to choose one of ``categories`` for ``text``.

        Raises:
            PermanentError: no categories, or an answer matching none of them.
        """
        if not categories:
            raise PermanentError("classify needs at least one category")
        listing = "\n".join(
            f"{i}. {c.name}" + (f": {c.description}" if c.description else "")
            for i, c in enumerate(categories, 1)
        )
        schema = {
            "type": "object",
            "properties": {"category": {"type": "string", "enum": [c.name for c in categories]}},
            "required": ["category"],
            "additionalProperties": False,
        }
        system = (
            "Classify the user's text into exactly one category. Answer with JSON "
            '{"category": "<category name>"}.\nCategories:\n' + listing
        )
        response = await self.complete(
            LLMRequest(
                model=model,
                messages=(ChatMessage("system", system), ChatMessage("user", text)),
                temperature=0,
                response_schema=schema,
                credential_id=credential_id,
            )
        )
        try:
            answer = str(parse_json_object(response.text, "classification").get("category", ""))
        except PermanentError:
            answer = response.text  # a bare name is still usable
        return Classification(
            index=pick_category(answer, categories),
            model=response.model,
            provider=response.provider,
            input_tokens=response.input_tokens,
            output_tokens=response.output_tokens,
            cost_usd=response.cost_usd,
        )
