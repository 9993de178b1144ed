package dev.muse.tokenizer.template;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JinjaRewriterTest {

    @Test
    void should_give_not_a_lower_precedence_than_tests_and_comparisons() {
        assertThat(JinjaRewriter.rewrite("{% if not x is defined %}")).isEqualTo("{% if not (x is defined) %}");
        assertThat(JinjaRewriter.rewrite("{%- if not m.tool_calls|length == 1 -%}"))
                .isEqualTo("{%- if not (m.tool_calls|length == 1) -%}");
        assertThat(JinjaRewriter.rewrite("{{ a and not b == 1 or c }}")).isEqualTo("{{ a and not (b == 1) or c }}");
        assertThat(JinjaRewriter.rewrite("{{ 'x' if not y else 'z' }}")).isEqualTo("{{ 'x' if not (y) else 'z' }}");
    }

    @Test
    void should_leave_is_not_and_not_in_and_strings_alone() {
        assertThat(JinjaRewriter.rewrite("{% if x is not none %}")).isEqualTo("{% if x is not none %}");
        assertThat(JinjaRewriter.rewrite("{% if 'a' not in b %}")).isEqualTo("{% if 'a' not in b %}");
        assertThat(JinjaRewriter.rewrite("not x is y {{ 'not a' }}")).isEqualTo("not x is y {{ 'not a' }}");
        assertThat(JinjaRewriter.rewrite("{# not x is defined #}")).isEqualTo("{# not x is defined #}");
    }

    @Test
    void should_parenthesise_keyword_argument_values() {
        assertThat(JinjaRewriter.rewrite("{% set ns = namespace(a=true, n=messages|length - 1) %}"))
                .isEqualTo("{% set ns = namespace(a=(true), n=(messages|length - 1)) %}");
        assertThat(JinjaRewriter.rewrite("{{ x|tojson(indent=4) }}")).isEqualTo("{{ x|tojson(indent=(4)) }}");
        assertThat(JinjaRewriter.rewrite("{% if a == b %}")).isEqualTo("{% if a == b %}");
    }

    @Test
    void should_rewrite_reversed_slices_and_function_definedness() {
        assertThat(JinjaRewriter.rewrite("{% for m in messages[::-1] %}")).isEqualTo("{% for m in messages|reverse %}");
        assertThat(JinjaRewriter.rewrite("{% if strftime_now is defined %}")).isEqualTo("{% if true %}");
        assertThat(JinjaRewriter.rewrite("a{% generation %}b{% endgeneration %}c")).isEqualTo("abc");
    }

    @Test
    void should_derive_previtem_from_the_innermost_loop_and_leave_filtered_loops_alone() {
        assertThat(JinjaRewriter.rewrite("{% for m in messages %}{{ loop.previtem }}{% endfor %}{{ loop.previtem }}"))
                .isEqualTo("{% for m in messages %}{{ (none if loop.first else ((messages)|list)[loop.index0 - 1]) }}"
                        + "{% endfor %}{{ loop.previtem }}");
        assertThat(JinjaRewriter.rewrite("{% for m in messages if m.role %}{{ loop.previtem }}{% endfor %}"))
                .isEqualTo("{% for m in messages if m.role %}{{ loop.previtem }}{% endfor %}");
    }
}
