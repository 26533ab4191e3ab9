"""The visit report as a PDF (reportlab), with the same plain, positive words as the printable page."""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from django.core.files.storage import Storage
from PIL import Image as PILImage
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

KEYFRAME_HEIGHT = 70 * mm
MARGIN = 18 * mm
FRAME_WIDTH = A4[0] - 2 * MARGIN
CELL_PADDING = 3
# A keyframe goes into the PDF as a JPEG at most this long on its long side: sharp at the
# printed size (~70 mm, ~300 dpi), and four keep the report well under 2 MB. Results analysed
# before page-sized JPEGs existed have only full-size PNGs, which are shrunk here the same way.
PDF_IMAGE_LONG_SIDE = 960
PDF_IMAGE_QUALITY = 82
BRAND = colors.HexColor("#0b6e6e")
NOT_MEASURED = "\u2013"  # en dash, as on the page


def _side_text(mean: float | None, ci95: float | None, n: int | None) -> str:
    if mean is None:
        return NOT_MEASURED
    spread = f" (± {ci95:.1f}°, {n} steps)" if ci95 is not None else ""
    return f"{_deg(mean)} pelvic drop on average{spread}"


def _deg(value: float | None) -> str:
    return NOT_MEASURED if value is None else f"{value:.1f}°"


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    return {
        "title": ParagraphStyle("title", parent=base["Title"], alignment=0, textColor=BRAND),
        "h2": ParagraphStyle("h2", parent=base["Heading2"], textColor=BRAND),
        "body": base["BodyText"],
        "small": ParagraphStyle("small", parent=base["BodyText"], fontSize=8, textColor=colors.grey),
    }


def _keyframe_image(storage: Storage, frame: dict[str, Any]) -> PILImage.Image | None:
    name = frame.get("page_name") or frame.get("name", "")
    if not name or not storage.exists(name):
        return None
    with storage.open(name, "rb") as fh:
        opened = PILImage.open(io.BytesIO(fh.read()))
        opened.load()
    picture = opened.convert("RGB")
    picture.thumbnail((PDF_IMAGE_LONG_SIDE, PDF_IMAGE_LONG_SIDE))
    return picture


def _flowable(picture: PILImage.Image, box_w: float, box_h: float) -> Image:
    """The picture as a JPEG, scaled to fit inside the box (never past its width: issue 12, item 5)."""
    data = io.BytesIO()
    picture.save(data, format="JPEG", quality=PDF_IMAGE_QUALITY)
    data.seek(0)
    scale = min(box_w / picture.width, box_h / picture.height)
    return Image(data, width=picture.width * scale, height=picture.height * scale)


def _keyframe_row(storage: Storage, keyframes: list[dict[str, Any]], style: ParagraphStyle) -> list[Flowable]:
    """Keyframes in a grid whose cells fit the page: four portrait frames side by side, landscape
    ones two to a row, each scaled to its cell, so none overlaps another or leaves the page."""
    pictures = [(frame, p) for frame in keyframes[:4] if (p := _keyframe_image(storage, frame)) is not None]
    if not pictures:
        return []
    widest = max(p.width / p.height for _, p in pictures)
    # All in one row when they fit at full height, else two to a row (never 3 + 1), else one.
    choices = sorted({len(pictures), min(2, len(pictures)), 1}, reverse=True)
    columns = next((n for n in choices if widest * KEYFRAME_HEIGHT <= FRAME_WIDTH / n - 2 * CELL_PADDING), 1)
    cell_w = FRAME_WIDTH / columns
    cells = []
    for frame, picture in pictures:
        image = _flowable(picture, cell_w - 2 * CELL_PADDING, KEYFRAME_HEIGHT)
        caption = (
            f"{str(frame.get('side', '')).capitalize()} foot on the ground · {_deg(frame.get('cpd_midstance_deg'))}"
        )
        cells.append([image, Paragraph(escape(caption), style)])
    rows: list[list[Any]] = []
    for start in range(0, len(cells), columns):
        chunk = cells[start : start + columns]
        pad = [""] * (columns - len(chunk))
        rows += [[c[0] for c in chunk] + pad, [c[1] for c in chunk] + pad]
    table = Table(rows, colWidths=[cell_w] * columns)
    table.setStyle(
        TableStyle(
            [
                ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
                ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return [table, Spacer(1, 4 * mm)]


def render_visit_report_pdf(context: dict[str, Any], *, storage: Storage) -> bytes:
    """``context`` is the printable page's context (assessments.views.visit_report_context)."""
    s = _styles()
    visit, patient = context["visit"], context["patient"]
    clinician = visit.clinician.get_full_name() or str(visit.clinician)
    story: list[Flowable] = [
        Paragraph(escape(f"Running assessment: {patient.full_name}"), s["title"]),
        Paragraph(
            escape(f"{context['clinic_name']} · visit of {visit.visit_date:%d %B %Y} with {clinician}"), s["small"]
        ),
        Spacer(1, 4 * mm),
        Paragraph("What we measured", s["h2"]),
        Paragraph(
            "We filmed you running on the treadmill and measured how level your pelvis stays when each foot is on "
            "the ground (pelvic drop, in degrees). A steadier pelvis shows good control from the hip muscles, which "
            "is what your program builds. Smaller numbers mean a more level pelvis.",
            s["body"],
        ),
    ]
    for item in context["items"]:
        a = item["assessment"]
        story.append(Paragraph(escape(a.get_view_display()), s["h2"]))
        reasons = " ".join(a.quality_reasons)
        if not a.shows_numbers:
            # Not measurable (issue 13): the reason, never a number.
            story.append(
                Paragraph(escape(f"This recording could not be measured, so it gives no number. {reasons}"), s["body"])
            )
        else:
            if not a.counts:
                story.append(
                    Paragraph(
                        escape(
                            "These numbers are less certain than usual and are not used to follow your progress: "
                            f"{reasons}"
                        ),
                        s["small"],
                    )
                )
            rows = [
                ["Left foot on the ground", _side_text(a.cpd_left_mean_deg, a.cpd_left_ci95_deg, a.n_left)],
                ["Right foot on the ground", _side_text(a.cpd_right_mean_deg, a.cpd_right_ci95_deg, a.n_right)],
                ["Step rate", NOT_MEASURED if a.cadence_spm is None else f"{a.cadence_spm:.0f} steps per minute"],
            ]
            table = Table(rows, colWidths=[55 * mm, 100 * mm])
            value_colour = colors.black if a.counts else colors.grey
            table.setStyle(
                TableStyle(
                    [
                        ("TEXTCOLOR", (0, 0), (0, -1), colors.grey),
                        ("TEXTCOLOR", (1, 0), (1, -1), value_colour),
                        ("FONTSIZE", (0, 0), (-1, -1), 10),
                    ]
                )
            )
            story += [table, Spacer(1, 3 * mm)]
            story.append(
                Paragraph(
                    escape(
                        f"We call a change between visits real only when it is larger than {context['sdd']}° and both "
                        f"recordings have at least {context['min_stances']} steps per side; smaller changes are within "
                        "what the video method can tell apart."
                    ),
                    s["small"],
                )
            )
            change = item.get("change")
            if change:
                left, right = change["sides"]["left"], change["sides"]["right"]
                story.append(
                    Paragraph(
                        escape(
                            f"Since {'your self-check of ' if item['baseline'].is_self_check else ''}"
                            f"{item['baseline'].measured_on:%d %B %Y}: left {_deg(left['before'])} → "
                            f"{_deg(left['after'])}, right {_deg(right['before'])} → {_deg(right['after'])}. "
                            f"{change['text']}"
                        ),
                        s["body"],
                    )
                )
            story += _keyframe_row(storage, item["keyframes"], s["small"])
        if a.interpretation:
            story.append(Paragraph(f"<b>Your clinician's note:</b> {escape(a.interpretation)}", s["body"]))
    if context.get("pictures_withheld") and context["items"]:
        story.append(
            Paragraph(
                "Pictures from the video are left out of this report: the patient's consent does not cover "
                "their use in reports.",
                s["small"],
            )
        )
    if not context["items"]:
        story.append(Paragraph("No analysed video for this visit yet.", s["body"]))

    story.append(Paragraph("Your plan", s["h2"]))
    if visit.plan:
        story.append(Paragraph(escape(visit.plan).replace("\n", "<br/>"), s["body"]))
    for exercise in context.get("exercises") or []:
        line = f"<b>{escape(exercise['name'])}</b>: {escape(exercise['dosage'])}"
        story.append(Paragraph(line, s["body"], bulletText="•"))
    story.append(
        Paragraph(
            "Strength work for the hip muscles, done regularly, builds the control that keeps the pelvis level when "
            "you run. We will film again at a later visit to follow your progress.",
            s["body"],
        )
    )
    story.append(Paragraph("Context from the research", s["h2"]))
    for reference in context.get("references") or ():
        text = f"<b>{escape(reference.get('topic', ''))}.</b> {escape(reference.get('text', ''))}"
        story.append(Paragraph(text, s["body"]))
        if reference.get("source"):
            story.append(Paragraph(escape(reference["source"]), s["small"]))

    buffer = io.BytesIO()
    title = f"Running assessment: {patient.full_name}"
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, title=title, author=context["clinic_name"], leftMargin=MARGIN, rightMargin=MARGIN
    )
    doc.build(story)
    return buffer.getvalue()
