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
      html: node.html.slice(0, 160),
      summary: node.failureSummary || "",
      messages: [...node.any, ...node.all, ...node.none].map((check) => check.message),
    })),
  }));
  return {violations: brief(result.violations), incomplete: brief(result.incomplete)};
}
"""


@dataclass(frozen=True)
class Reviewed:
    """A "needs review" result a person has checked: the rule, the element, and why it is fine.

    ``element`` is a substring of axe's selector of the element or of its opening HTML.
    """

    rule: str
    element: str
    reason: str

    def covers(self, rule: str, target: str, html: str) -> bool:
        return rule == self.rule and (self.element in target or self.element in html)


# Contrast ratios by the WCAG 2.x formula (1.4.3 asks 4.5:1 for text, 3:1 for large text).
REVIEWED: tuple[Reviewed, ...] = (
    Reviewed(
        "color-contrast",
        'class="tick"',
        "Chart tick labels (assessments/charts.py) are SVG text, whose background axe cannot compute. "
        "They are drawn in --muted #667085 on the card's white: 4.97:1.",
    ),
    Reviewed(
        "color-contrast",
        'class="axis-title"',
        "Chart axis titles: SVG text (see above) in --ink #1d2733 on white: 15.1:1.",
    ),
    Reviewed(
        "video-caption",
        "#preview-video",
        "The annotated preview is drawn by the analysis engine as a VP8 WebM with no audio track: there is "
        "no sound to caption (WCAG 1.2.2 is about audio). What it shows is measured in the tables above it.",
    ),
    Reviewed(
        "video-caption",
        "#original-video",
        "The athlete's own treadmill clip: running filmed from behind, with at most the treadmill's noise and "
        "no speech. The information is the movement, measured and given as text in the summary and stances "
        "tables; a caption track would have nothing to say.",
    ),
    # The admin site is Django's own (django/contrib/admin/static/admin/css/base.css).
    Reviewed(
        "color-contrast",
        'href="/admin/',
        "Links of the admin's app list: the add/change/view icons are background images beside the text, "
        "not behind it. The text is #417893 on white (4.85:1) and on the striped rows' #f8f8f8 (4.56:1).",
    ),
    *(
        Reviewed(
            "color-contrast",
            html,
            "The admin's 'Recent actions' column floats over the content area, so axe sees an overlap. "
            "Its text is #333 (11.9:1) and #666 (5.4:1) on #f8f8f8.",
        )
        for html in ("<h2>Recent actions</h2>", "<h3>My actions</h3>", "<p>None available</p>")
    ),
)


@dataclass(frozen=True)
class Finding:
    page: str
    width: int
    kind: str  # "violation" or "unreviewed"
    rule: str
    impact: str
    target: str
    detail: str
    html: str

    def __str__(self) -> str:
        return f"{self.page} @{self.width}px {self.kind} {self.rule} ({self.impact}) on {self.target}: {self.detail} [{self.html}]"


def axe_findings(page: Any, label: str, seen: set[Reviewed]) -> list[Finding]:
    """Run axe on the page as it is now: its violations and unreviewed "needs review" results.

    The entries of ``REVIEWED`` that covered a result are added to ``seen``.
    """
    width = page.viewport_size["width"]
    result = page.evaluate(RUN_AXE, [list(WCAG_22_AA), list(BEST_PRACTICE)])
    findings = []
    for kind, rules in (("violation", result["violations"]), ("unreviewed", result["incomplete"])):
        for rule in rules:
            for node in rule["nodes"]:
                covering = [r for r in REVIEWED if r.covers(rule["id"], node["target"], node["html"])]
                if kind == "unreviewed" and covering:
                    seen.update(covering)
                    continue
                detail = node["summary"] or "; ".join(node["messages"]) or rule["help"]
                findings.append(
                    Finding(
                        label,
                        width,
                        kind,
                        rule["id"],
                        rule["impact"] or "",
                        node["target"],
                        detail.replace("\n", " "),
                        node["html"],
                    )
                )
    return findings
