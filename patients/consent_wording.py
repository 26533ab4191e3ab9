"""The words a patient agrees to before they are filmed: the one place they live.

A record of consent stores the version it was given under (``VideoConsent.wording_version``),
so the text shown to a patient years ago can be read back. Change the wording by adding a new
version here and pointing CURRENT_VERSION at it; never edit a version once it has been used.
"""

from __future__ import annotations

CURRENT_VERSION = "2026-11-v1"

WORDING: dict[str, dict[str, str]] = {
    "2026-11-v1": {
        "film_and_analyse": (
            "I agree that the clinic films me running on the treadmill and analyses the video with its "
            "software to measure how my pelvis and knees move. The video is kept in the clinic's private "
            "storage, is seen only by my clinicians, and is deleted under the clinic's retention policy "
            "or when I withdraw this consent."
        ),
        "use_in_reports": (
            "I agree that still pictures taken from the video (keyframes) and the numbers measured from it "
            "appear in my visit reports, which I may share with my doctor."
        ),
        "withdrawal": (
            "I can withdraw this consent at any time by telling my clinician. Analyses not yet run are "
            "stopped and my videos are deleted; results already measured stay in my record."
        ),
    },
}


def wording(version: str = CURRENT_VERSION) -> dict[str, str]:
    """The text of one version (KeyError for a version that never existed)."""
    return WORDING[version]


def wording_text(version: str = CURRENT_VERSION) -> str:
    """The whole wording of one version as plain text, as it was read to or by the patient."""
    parts = wording(version)
    return "\n\n".join(parts[key] for key in ("film_and_analyse", "use_in_reports", "withdrawal"))
