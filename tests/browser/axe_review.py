"""axe-core in the browser tests: the WCAG 2.2 AA rule set, one run per page, and the reviewed
"needs review" results with the reason each is acceptable.

axe reports what it can decide as violations and what needs a person as "incomplete". A page
passes when it has no violation and every incomplete result matches an entry of ``REVIEWED``
below: the rule, the element (a substring of axe's CSS selector for it) and why a person
judged it fine. Anything else fails, so a new "needs review" result is looked at, not ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

AXE_JS = Path(__file__).with_name("assets") / "axe.min.js"

# WCAG 2.0, 2.1 and 2.2 at levels A and AA (axe's tag names; 2.2 added only AA rules to axe).
WCAG_22_AA = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")

# axe's best-practice rules for what the WCAG rules leave to a person here: a header cell with
# no text (a column of buttons still needs a name) and a skip link that goes nowhere.
BEST_PRACTICE = ("empty-table-header", "skip-link")

# Runs in the page. Only what a failure message needs comes back (axe's full result is large).
RUN_AXE = """
async ([tags, extra]) => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: tags},
    rules: Object.fromEntries(extra.map((id) => [id, {enabled: true}])),
    resultTypes: ["violations", "incomplete"],
  });
  const brief = (items) => items.map((rule) => ({
    id: rule.id,
    impact: rule.impact,
    help: rule.help,
    nodes: rule.nodes.map((node) => ({
      target: node.target.join(" "),
      summary: node.failureSummary || "",
      messages: [...node.any, ...node.all, ...node.none].map((check) => check.message),
    })),
  }));
  return {violations: brief(result.violations), incomplete: brief(result.incomplete)};
}
"""


@dataclass(frozen=True)
class Reviewed:
    """A "needs review" result a person has checked: rule id, element, and the reason it is fine."""

    rule: str
    target: str  # a substring of axe's selector of the element
    reason: str

    def covers(self, rule: str, target: str) -> bool:
        return rule == self.rule and self.target in target


REVIEWED: tuple[Reviewed, ...] = ()


@dataclass(frozen=True)
class Finding:
    page: str
    width: int
    kind: str  # "violation" or "unreviewed"
    rule: str
    impact: str
    target: str
    detail: str

    def __str__(self) -> str:
        return f"{self.page} @{self.width}px {self.kind} {self.rule} ({self.impact}) on {self.target}: {self.detail}"


def axe_findings(page: Any, label: str) -> list[Finding]:
    """Run axe on the page as it is now; violations and unreviewed incomplete results."""
    width = page.viewport_size["width"]
    result = page.evaluate(RUN_AXE, [list(WCAG_22_AA), list(BEST_PRACTICE)])
    findings = []
    for kind, rules in (("violation", result["violations"]), ("unreviewed", result["incomplete"])):
        for rule in rules:
            for node in rule["nodes"]:
                if kind == "unreviewed" and any(r.covers(rule["id"], node["target"]) for r in REVIEWED):
                    continue
                detail = node["summary"] or "; ".join(node["messages"]) or rule["help"]
                findings.append(
                    Finding(
                        label, width, kind, rule["id"], rule["impact"] or "", node["target"], detail.replace("\n", " ")
                    )
                )
    return findings
