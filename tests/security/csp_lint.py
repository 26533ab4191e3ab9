"""Finds template markup that a Content-Security-Policy without 'unsafe-inline' blocks.

``python -m tests.security.csp_lint`` lists every offending line in every template folder;
the test suite runs it on the foundation's templates. Flagged: inline ``<script>`` blocks
(``type="application/json"`` data blocks, as made by ``|json_script``, are fine: they never run),
``on*=`` event-handler attributes, ``style="..."`` attributes, ``<style>`` blocks and
``javascript:`` URLs. Move scripts to static/<app>/*.js (addEventListener) and styles to CSS classes.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
# Opening tags, allowing template tags ({% ... %}, {{ ... }}) with ">" inside their attributes.
TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)((?:\{%.*?%\}|\{\{.*?\}\}|[^>])*)>", re.DOTALL)
EVENT_HANDLER = re.compile(r"(?:^|[\s\"'])(on[a-z]+)\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"(?:^|[\s\"'])style\s*=", re.IGNORECASE)
SRC_ATTRIBUTE = re.compile(r"(?:^|\s)src\s*=", re.IGNORECASE)
DATA_SCRIPT = re.compile(r"type\s*=\s*[\"']application/(?:ld\+)?json[\"']", re.IGNORECASE)
TEMPLATE_COMMENT = re.compile(r"\{% comment %\}.*?\{% endcomment %\}|\{#.*?#\}|<!--.*?-->", re.DOTALL)
JAVASCRIPT_URL = re.compile(r"(?:href|src|action)\s*=\s*[\"']\s*javascript:", re.IGNORECASE)


@dataclass(frozen=True)
class Violation:
    path: Path
    line: int
    kind: str
    snippet: str

    def __str__(self) -> str:
        path = self.path.relative_to(BASE_DIR) if self.path.is_relative_to(BASE_DIR) else self.path
        return f"{path}:{self.line}: {self.kind}: {self.snippet}"


def template_violations(path: Path) -> list[Violation]:
    text = path.read_text(encoding="utf-8")
    # Comments render nothing: blank them out, keeping line numbers.
    text = TEMPLATE_COMMENT.sub(lambda comment: "\n" * comment.group(0).count("\n"), text)
    found = []
    for match in TAG.finditer(text):
        name, attributes = match.group(1).lower(), match.group(2)
        kinds = []
        if name == "script" and not SRC_ATTRIBUTE.search(attributes) and not DATA_SCRIPT.search(attributes):
            kinds.append("inline <script> block")
        if name == "style":
            kinds.append("inline <style> block")
        kinds += [f"inline event handler {handler}=" for handler in EVENT_HANDLER.findall(attributes)]
        if STYLE_ATTRIBUTE.search(attributes):
            kinds.append('style="..." attribute')
        if JAVASCRIPT_URL.search(attributes):
            kinds.append("javascript: URL")
        line = text.count("\n", 0, match.start()) + 1
        snippet = " ".join(match.group(0).split())[:100]
        found += [Violation(path, line, kind, snippet) for kind in kinds]
    return found


def template_files(*folders: Path) -> list[Path]:
    return sorted(path for folder in folders for path in folder.rglob("*.html"))


def all_template_folders() -> list[Path]:
    """templates/ and every app's templates/ folder in the repository."""
    folders = [BASE_DIR / "templates"]
    folders += sorted(p for p in BASE_DIR.glob("*/templates") if not p.parent.name.startswith("."))
    return [folder for folder in folders if folder.is_dir()]


def main() -> int:
    violations = [v for path in template_files(*all_template_folders()) for v in template_violations(path)]
    for violation in violations:
        print(violation)
    print(f"{len(violations)} CSP violation(s) in {len({v.path for v in violations})} template(s)")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
