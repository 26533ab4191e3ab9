"""The foundation's templates carry no markup that the Content-Security-Policy would block."""

from __future__ import annotations

from pathlib import Path

from tests.security.csp_lint import BASE_DIR, template_files, template_violations

FOUNDATION = [BASE_DIR / "templates", BASE_DIR / "accounts" / "templates", BASE_DIR / "patients" / "templates"]


def _violations_in(text: str, tmp_path: Path) -> list[str]:
    page = tmp_path / "page.html"
    page.write_text(text)
    return [violation.kind for violation in template_violations(page)]


def test_foundation_templates_have_no_inline_script_style_or_handlers():
    files = template_files(*FOUNDATION)
    assert len(files) >= 10
    violations = [str(v) for path in files for v in template_violations(path)]
    assert violations == []


def test_the_lint_flags_each_kind_of_inline_code(tmp_path):
    text = """
    <script>alert(1)</script>
    <button class="btn" onclick="go()">Go</button>
    <div style="color: red">x</div>
    <style>p { color: red }</style>
    <a href="javascript:void(0)">x</a>
    <img src="{% static 'a.png' %}" onerror="x()">
    """
    assert _violations_in(text, tmp_path) == [
        "inline <script> block",
        "inline event handler onclick=",
        'style="..." attribute',
        "inline <style> block",
        "javascript: URL",
        "inline event handler onerror=",
    ]


def test_the_lint_accepts_external_scripts_data_blocks_and_template_tags(tmp_path):
    text = """
    <script src="{% static 'programs/log.js' %}" defer></script>
    <script type="application/json" id="trend-data">{"a": 1}</script>
    {{ points|json_script:"points" }}
    <a class="btn {% if x > 1 %}primary{% endif %}" data-on="click" href="{% url 'home' %}">Home</a>
    <p>Run on="grass" style is a word here</p>
    {% comment %}<script>old()</script>{% endcomment %}{# <div style="x"> #}<!-- <b onclick="x()"> -->
    """
    assert _violations_in(text, tmp_path) == []
