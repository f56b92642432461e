"""The court report as CSV and as PDF. Both carry the organisation, the moment the
counts describe (as of), when the file was generated and the digest of the counts."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _
from fpdf import FPDF

from reunite.reports.court import CourtReport, stamp

FONTS = Path(__file__).resolve().parent / "fonts"
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def report_csv(report: CourtReport) -> bytes:
    """Header rows (organisation, as of, generated, digest), then one row per figure:
    its stable key, section, label in the reader's language and count."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_("Organisation"), _cell(report.organization_name)])
    writer.writerow([_("As of"), stamp(report.as_of)])
    writer.writerow([_("Generated"), stamp(report.generated_at)])
    writer.writerow([_("Digest (SHA-256)"), report.digest])
    writer.writerow([])
    writer.writerow(["key", _("Section"), _("Figure"), _("Count")])
    sections = dict((f.key, str(label)) for label, figures in report.sections() for f in figures)
    for figure in report.figures:
        writer.writerow([figure.key, sections[figure.key], str(figure.label), figure.count])
    return ("\ufeff" + out.getvalue()).encode()  # BOM: spreadsheets then read UTF-8 accents


def report_pdf(report: CourtReport) -> bytes:
    """A one- or two-page PDF in the reader's language (DejaVu Sans is embedded, so
    Spanish and French accents render anywhere)."""
    pdf = FPDF(format="Letter")
    pdf.set_margins(20, 15, 20)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_title(_("Reunification status report"))
    pdf.set_creator("Reunite")
    pdf.set_creation_date(report.generated_at)
    pdf.add_page()
    width = pdf.epw

    pdf.set_font("DejaVu", "B", 15)
    pdf.multi_cell(width, 8, _("Reunification status report"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    local = timezone.localtime
    for label, value in (
        (_("Organisation"), report.organization_name),
        (_("As of"), f"{local(report.as_of):%Y-%m-%d %H:%M:%S %Z} ({stamp(report.as_of)})"),
        (_("Generated"), f"{local(report.generated_at):%Y-%m-%d %H:%M:%S %Z}"),
        (_("Digest (SHA-256)"), report.digest),
    ):
        pdf.multi_cell(width, 5.5, f"{label}: {value}", align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)

    for section, figures in report.sections():
        pdf.set_font("DejaVu", "B", 11.5)
        pdf.ln(2)
        pdf.multi_cell(width, 7, str(section), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 10.5)
        for figure in figures:
            indent = 6 if figure.key.count(".") > 1 else 0
            pdf.set_x(pdf.l_margin + indent)
            pdf.cell(width - 25 - indent, 5.8, str(figure.label), border="B")
            pdf.cell(
                25, 5.8, str(figure.count), border="B", align="R", new_x="LMARGIN", new_y="NEXT"
            )

    pdf.ln(6)
    pdf.set_font("DejaVu", "", 8.5)
    pdf.multi_cell(
        width,
        4.5,
        _(
            "Counts of distinct people, from the case history as it was recorded at that "
            "moment: asking again for the same moment gives the same counts and the same "
            "digest."
        ),
        align="L",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())
