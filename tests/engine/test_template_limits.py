"""The bounded sandbox: bombs stop with a clear error at compile or render; normal use works."""

from __future__ import annotations

import time

import pytest

from agent_platform.engine.protocols import PermanentError
from agent_platform.engine.template_sandbox import BoundedEnvironment
from agent_platform.engine.templating import (
    TemplateLimitExceeded,
    TemplateLimits,
    _environment,
    check,
    render,
    render_json,
    render_segments,
    render_value,
)

SMALL = TemplateLimits(
    max_output_size=1000,
    max_data_size=2000,
    max_string_size=500,
    max_items=100,
    max_int_bits=64,
    max_work=5000,
    time_limit_s=0.3,
)


@pytest.mark.parametrize(
    "template",
    [
        "{{ 9**999999999 }}",
        "{{ 'x' * 10**10 }}",
        "{{ 10**10 * 'x' }}",
        "{{ [1, 2] * 10**10 }}",
        "{{ '%999999999s' % 'x' }}",
        "{{ '%(a%)999999999s' % {'a%': 1} }}",
        "{{ '{:>999999999}'.format('x') }}",
        "{{ '{0:{1}}'.format('x', 999999999) }}",
        "{{ '{}'.format_map({}) ~ '{x:>999999999}'.format_map({'x': 1}) }}",
        "{{ 'x'|center(10**9) }}",
        "{{ 'x'.zfill(10**9) }}",
        "{{ ('\t' * 1000).expandtabs(10**6) }}",
        "{{ 'x' * 600000 + 'y' * 600000 }}",
        "{% for i in range(10**9) %}{% endfor %}",
        "{% set big = 'x' * 10**10 %}",
        "{% macro m() %}{{ 'x' * 10**10 }}{% endmacro %}",
        "{% if false %}{{ 'x' * 10**10 }}{% endif %}",
        "{{ ('ab' * 100)|replace('', 'x' * 100000) }}",
        "{{ ('x' * 1000)|wordwrap(1, wrapstring='y' * 10000) }}",
        "{{ range(1000)|join('x' * 10000) }}",
        "{{ 'x'.join(['y' * 1000] * 10000) }}",
        "{{ [1]|slice(10**9)|list }}",
        "{{ {'a': 1}|tojson(indent=10**9) }}",
    ],
)
def test_literal_bombs_fail_at_compile(template):
    started = time.monotonic()
    with pytest.raises(TemplateLimitExceeded, match="limit"):
        check(template)
    assert time.monotonic() - started < 2


def test_bombs_from_variables_fail_at_render():
    v = {"inputs": {"s": "x", "n": 10**9, "words": ["y" * 8] * 50, "sep": "z" * 20}}
    cases = [
        "{{ inputs.s * inputs.n }}",
        "{{ inputs.n ** inputs.n }}",
        "{{ inputs.n * inputs.n * inputs.n }}",
        "{{ inputs.s|center(inputs.n) }}",
        "{{ inputs.s.ljust(inputs.n) }}",
        "{{ ('%' ~ inputs.n ~ 's') % 'x' }}",
        "{{ inputs.words|join(inputs.sep) }}",
        "{{ inputs.words ~ inputs.words }}",
        "{% for i in range(inputs.n) %}{% endfor %}",
        "{{ lipsum(inputs.n) }}",
        "{{ 5|round(-inputs.n) }}",
        "{{ (1).to_bytes(inputs.n, 'big') }}",
    ]
    for template in cases:
        check(template, SMALL)
        with pytest.raises(TemplateLimitExceeded, match="limit"):
            render(template, v, SMALL)
        # Prompts render into segments through the same bounded (marked) sandbox.
        with pytest.raises(TemplateLimitExceeded, match="limit"):
            render_segments(template, v, SMALL)


def test_segments_render_in_the_bounded_sandbox():
    env = _environment(SMALL, True)
    assert isinstance(env, BoundedEnvironment) and env.marked and not env.optimized
    plain = _environment(SMALL)
    assert {k: f.__name__ for k, f in env.filters.items()} == {
        k: f.__name__ for k, f in plain.filters.items()
    }
    with pytest.raises(PermanentError):
        render_segments("{{ ''.__class__.__mro__ }}", {})
    # The marks around values do not count toward the output size; the text does.
    fits = TemplateLimits(max_output_size=10)
    segments = render_segments("{{ a }}{{ a }}", {"a": "abcde"}, fits)
    assert [s.text for s in segments] == ["abcde", "abcde"]
    with pytest.raises(TemplateLimitExceeded, match="rendered text"):
        render_segments("{{ a }}{{ a }}!", {"a": "abcde"}, fits)


def test_output_work_and_time_are_bounded():
    v = {"inputs": {"s": "x" * 400, "n": 100}}
    with pytest.raises(TemplateLimitExceeded, match="rendered text"):
        render("{% for i in range(inputs.n) %}{{ inputs.s }}{% endfor %}", v, SMALL)
    with pytest.raises(TemplateLimitExceeded, match="in total"):
        render(
            "{% set ns = namespace(l=[]) %}{% for i in range(inputs.n) %}"
            "{% set ns.l = ns.l + [inputs.s ~ i] %}{% endfor %}",
            v,
            SMALL,
        )
    started = time.monotonic()
    with pytest.raises(TemplateLimitExceeded, match="time limit"):
        render(
            "{% for a in range(inputs.n) %}{% for b in range(inputs.n) %}"
            "{% for c in range(inputs.n) %}{% for d in range(inputs.n) %}"
            "{% endfor %}{% endfor %}{% endfor %}{% endfor %}",
            v,
            SMALL,
        )
    assert time.monotonic() - started < 1.5
    with pytest.raises(TemplateLimitExceeded, match="recurses"):
        render("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", v)


def test_printing_shared_references_is_measured():
    v = {"inputs": {"s": "x" * 400}}
    with pytest.raises(TemplateLimitExceeded, match="printed value"):
        render("{{ [inputs.s] * 50 }}", v, SMALL)
    with pytest.raises(TemplateLimitExceeded, match="value"):
        render_value("{{ [inputs.s] * 50 }}", v, SMALL)
    leaves = {f"k{i}": "{{ inputs.s }}" for i in range(20)}
    with pytest.raises(TemplateLimitExceeded, match="JSON"):
        render_json(leaves, v, SMALL)


def test_method_growth_in_place_is_bounded():
    template = "{% set l = [1] %}{% for i in range(20) %}{{ l.extend(l) }}{% endfor %}"
    with pytest.raises(TemplateLimitExceeded, match="list grown"):
        render(template, {}, SMALL)


def test_oversized_source_is_refused():
    with pytest.raises(TemplateLimitExceeded, match="The template would be"):
        check("{{ x }}" + "y" * 200, TemplateLimits(max_template_size=100))


def test_normal_templates_still_work():
    v = {"inputs": {"items": [{"n": "a"}, {"n": "b"}], "x": 3}}
    cases = {
        "{{ 'ab' * 3 }}": "ababab",
        "{{ 2 ** 64 }}": str(2**64),
        "{{ inputs.x * 2 + 1 }}-{{ 7 // 2 }}-{{ 7 % 4 }}-{{ 1 / 4 }}": "7-3-3-0.25",
        "{{ '%05d|%-3s|' % (42, 'x') }}{{ '%.2f'|format(3.14159) }}": "00042|x  |3.14",
        "{{ '{:>4}|{}'.format('x', 1) }}": "   x|1",
        "{{ inputs.items|map(attribute='n')|join(', ') }}": "a, b",
        "{% for i in inputs.items %}{{ loop.index }}/{{ loop.length }}"
        "{{ ',' if not loop.last }}{% endfor %}": "1/2,2/2",
        "{% for i in [] %}x{% else %}empty{% endfor %}": "empty",
        "{{ 'a' ~ inputs.x ~ 'b' }}": "a3b",
        "{% filter upper %}hi {{ inputs.x }}{% endfilter %}": "HI 3",
        "{% macro m(a) %}<{{ a }}>{% endmacro %}{{ m(1) }}{{ m('z') }}": "<1><z>",
        "{{ [[1], [2]]|sum(start=[]) }}": "[1, 2]",
        "{{ range(3)|list }} {{ 'x'|center(5) }}|": "[0, 1, 2]   x  |",
        "{{ 'a b c'.split()|length }} {{ ', '.join(['p', 'q']) }}": "3 p, q",
        "{% for x in [[1, [2]]] recursive %}{{ x if x is number else loop(x) }}{% endfor %}": "12",
        "{% autoescape true %}{{ '<' ~ 'b' }}{% endautoescape %}": "&lt;b",
        "{{ 3.7|round(0, 'floor') }} {{ 1234|filesizeformat }}": "3.0 1.2 kB",
    }
    for template, expected in cases.items():
        assert render(template, v) == expected, template
    assert render_value("{{ inputs.items|map(attribute='n') }}", v) == ["a", "b"]
    assert render_value("{{ inputs.x ** 2 }}", v) == 9


def test_keys_sharing_a_hash_cannot_flood_a_dict():
    # i * (2**61 - 1) all hash to 0: a dict of 100,000 of them would take minutes to build.
    v = {"inputs": {"m": 2**61 - 1}}
    for template in [
        "{{ {}.fromkeys(range(0, inputs.m * 100000, inputs.m))|length }}",
        "{{ dict.fromkeys(range(0, inputs.m * 100000, inputs.m))|length }}",
        "{{ dict(range(0, inputs.m * 10000, inputs.m)|batch(2)|list)|length }}",
        "{% set d = {} %}{{ d.update(range(0, inputs.m * 10000, inputs.m)|batch(2)|list) }}",
    ]:
        with pytest.raises(TemplateLimitExceeded, match="sharing one hash"):
            render(template, v)
    started = time.monotonic()
    with pytest.raises(TemplateLimitExceeded, match="time limit"):
        template = "{{ range(0, inputs.m * 100000, inputs.m)|unique|list|length }}"
        render(template, v, TemplateLimits(time_limit_s=0.3))
    assert time.monotonic() - started < 1.5
    template = "{{ {}.fromkeys([1, 1.0, True, 2])|length }} {{ dict([[1, 2]]) }}"
    assert render(template + " {{ dict.fromkeys('ab', 0) }}", v) == '2 {"1": 2} {"a": 0, "b": 0}'


def test_there_is_no_shift_operator():
    with pytest.raises(PermanentError, match="syntax"):
        check("{{ 1 << 10**9 }}")
    with pytest.raises(PermanentError, match="unsafe"):
        render("{{ (1).__lshift__(10**9) }}", {})


def test_filter_estimates_stay_linear():
    # A long word with no link in it: urlize's estimate must not scan it quadratically.
    started = time.monotonic()
    assert render("{{ s|urlize|length }}", {"s": "x" * 900_000}) == "900000"
    with pytest.raises(TemplateLimitExceeded, match="urlize"):
        render("{{ s|urlize(none, false, t) }}", {"s": "a.co " * 100, "t": "y" * 100_000})
    with pytest.raises(PermanentError, match="incomplete format key"):
        render("{{ (s * 400000) % {} }}", {"s": "%("})  # unclosed keys: one linear scan
    assert time.monotonic() - started < 1.5


def test_every_concat_and_loop_is_rewritten():
    source = (
        "{{ a ~ b }}{{ {'k': a ~ b} }}{{ f(x=a ~ b) }}{{ [a ~ b] }}{{ (a ~ b)|upper }}"
        "{% macro m(p=a ~ b) %}{{ p ~ 1 }}{% endmacro %}{% set s = a ~ b %}"
        "{% for i in x ~ y if i ~ 1 %}{% for j in i %}{{ j ~ i }}{% endfor %}{% endfor %}"
        "{% if a ~ b %}{% filter upper %}{{ 1 ~ 2 }}{% endfilter %}{% endif %}"
        "{{ a if b ~ c else d ~ e }}{{ g[a ~ b] }}{{ (a ~ b) is string }}"
    )
    code = BoundedEnvironment().compile(source, raw=True)
    assert "str_join((" not in code and "markup_join((" not in code
    assert "environment.filters['__bounded_loop']" in code
    loops = [
        line
        for line in code.splitlines()
        if line.strip().startswith("for l_") and "in fiter" not in line
    ]
    assert len(loops) == 2 and all("(context, " in line for line in loops), loops
