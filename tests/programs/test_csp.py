"""The programs templates carry no markup the Content-Security-Policy would block."""

from __future__ import annotations

from tests.security.csp_lint import BASE_DIR, template_files, template_violations


def test_programs_templates_have_no_inline_script_style_or_handlers():
    files = template_files(BASE_DIR / "programs" / "templates")
    assert len(files) >= 9
    assert [str(v) for path in files for v in template_violations(path)] == []
