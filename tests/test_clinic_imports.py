"""clinic/ is the ground floor (settings, URLs, the Celery app, shared helpers): it imports no app.

Apps import clinic/; were clinic/ to import them back, each app would load every other one and a
change in any app could break the project package. Apps are reached from clinic/ by dotted
strings only (include("patients.urls"), INSTALLED_APPS, Celery task names), which Django resolves
after start-up. The check reads the source (ast), so an import inside a function counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CLINIC = ROOT / "clinic"


def project_packages() -> set[str]:
    """The repository's own top-level packages other than clinic: the apps, demo, loadtest, tests."""
    return {
        path.name
        for path in ROOT.iterdir()
        if path.is_dir() and not path.name.startswith(".") and path.name != "clinic" and any(path.glob("*.py"))
    }


def app_imports(source: str, packages: set[str]) -> list[tuple[int, str]]:
    """(line, module) of every absolute import of one of ``packages`` in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
        else:
            continue  # relative imports stay inside clinic/
        found += [(node.lineno, module) for module in modules if module.split(".")[0] in packages]
    return found


@pytest.mark.parametrize(
    "source",
    [
        "from accounts.roles import role_of",
        "import patients.models",
        "import os, assessments.services as services",
        "def seed():\n    from programs import services\n",
        "from demo.seed import seed_demo",
    ],
)
def test_the_check_finds_an_app_import_wherever_it_is(source):
    assert app_imports(source, project_packages())


def test_clinic_imports_no_app_module():
    packages = project_packages()
    # The check is only as good as its list: it must know the apps.
    assert {"accounts", "audit", "patients", "assessments", "programs", "scheduling", "demo"} <= packages
    offenders = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in sorted(CLINIC.rglob("*.py"))
        for line, module in app_imports(path.read_text(), packages)
    ]
    assert offenders == []
