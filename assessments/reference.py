"""Published context for a CPD number: shown beside trends and reports, never as a pass/fail line.
The athlete's report carries the items marked ``in_report`` (what a change means, what helps).

From MEASUREMENT.md, "What the number means". The clinic's stance: no validated cut-off exists.
"""

from __future__ import annotations

LITERATURE_CONTEXT = (
    {
        "topic": "How big a change is real",
        "text": "Between two sessions a week apart, 2D pelvic drop measured from video varies by up to about "
        "2.7-2.8 degrees on its own (smallest detectable difference). Changes smaller than about 3 degrees "
        "between visits are within measurement noise.",
        "source": "Dingenen B, et al. Phys Ther Sport 2018;33:40-47 (10 steps per leg).",
        "in_report": True,
    },
    {
        "topic": "What the number is associated with",
        "text": "Runners with common running injuries showed more pelvic drop at midstance than runners without; "
        "each extra degree went with about 1.8 times the odds of being in the injured group. This is an "
        "association, not a cause, and no validated cut-off exists.",
        "source": "Bramah C, et al. Am J Sports Med 2018;46:3023.",
    },
    {
        "topic": "How precise video is",
        "text": "Pose models place the hip joint centres with a few centimetres of systematic error; 5 mm of "
        "vertical error between the hips is about 1.5 degrees. Keep the filming set-up the same between visits.",
        "source": "Needham L, et al. 2021 (markerless pose estimation accuracy).",
    },
    {
        "topic": "What changes it",
        "text": "Mirror gait retraining lowered pelvic drop and hip adduction; a 5-10% higher step rate lowers hip "
        "adduction; strength work alone improved hip strength but not running mechanics within 6 weeks.",
        "source": "Willy RW & Davis IS 2011; Willy RW et al. 2012; Heiderscheit BC et al. 2011.",
        "in_report": True,
    },
)

REPORT_CONTEXT = tuple(item for item in LITERATURE_CONTEXT if item.get("in_report"))
