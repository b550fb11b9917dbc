"""Self-contained HTML for people and for print: escaping, number formats, tables, embedded
figures, an A4 print style sheet, and the PDF of the same page (WeasyPrint, extra ``pdf``).

Everything a page needs is inside it (figures as base64 PNG ``data:`` URIs, the style sheet
inline), so it opens offline in any browser and prints the same everywhere. Numbers are shown
as people read them: FTE to one decimal, money with thousands separators and its currency,
percentages to one decimal; a missing value (None or NaN: "not measured") is a dash, never
"nan".
"""

from __future__ import annotations

import base64
import html
import io
import math

from matplotlib.figure import Figure

#: What a table cell shows for a value that is missing (None or NaN).
MISSING = "–"

#: Figures are rasterized at this resolution: sharp on A4 (8 in wide at 150 dpi is 1,200 px)
#: and still quick for WeasyPrint to lay out.
FIGURE_DPI = 150


class Raw(str):
    """Text that is already HTML (built here from escaped parts): ``table`` does not escape it."""


def esc(text) -> str:
    """``text`` escaped for HTML content and attribute values (quotes included)."""
    return html.escape(str(text), quote=True)


def missing(value) -> bool:
    """True for None and NaN (the project's "not measured"; the JSON writes NaN as null)."""
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def fte(value) -> str:
    """FTE to one decimal, e.g. ``66.7``."""
    return MISSING if missing(value) else f"{float(value):,.1f}"


def amount(value, *, signed: bool = False) -> str:
    """Whole currency units with thousands separators, e.g. ``4,492,863`` (for a column whose
    header names the currency); ``signed`` marks gains ``+`` (a zero is plain ``0``)."""
    if missing(value):
        return MISSING
    x = round(float(value))
    return f"{x:{'+' if signed and x != 0 else ''},d}"


def money(value, currency: str, *, signed: bool = False) -> str:
    """Whole currency units with thousands separators and the currency: ``4,492,863 EUR``."""
    text = amount(value, signed=signed)
    return text if text == MISSING else f"{text} {currency}"


def money_short(value, currency: str, *, signed: bool = False) -> str:
    """Money to three significant digits in k or M, to read aloud: ``4.49 M EUR``,
    ``+276 k EUR``; below a thousand as it is."""
    if missing(value):
        return MISSING
    x = float(value)
    sign = ("+" if x > 0 else "-" if x < 0 else "") if signed else ("-" if x < 0 else "")
    size = abs(x)
    for scale, unit in ((1e6, "M"), (1e3, "k")):
        if round(size / scale, 2) >= 1:
            return f"{sign}{_three_digits(size / scale)} {unit} {currency}"
    return f"{sign}{size:,.0f} {currency}"


def _three_digits(x: float) -> str:
    """``x`` (>= 1) to three significant digits without an exponent: 4.49, 27.6, 276, 1,234."""
    decimals = max(0, 2 - int(math.floor(math.log10(x)))) if x > 0 else 0
    text = f"{x:,.{decimals}f}"
    if float(text.replace(",", "")) >= 10 ** (3 - decimals) and decimals > 0:  # 9.999 -> 10.0
        text = f"{x:,.{decimals - 1}f}"
    return text


def percent(value, *, signed: bool = False) -> str:
    """A fraction as a percentage to one decimal: ``0.8715`` -> ``87.1%``."""
    if missing(value):
        return MISSING
    return f"{100 * float(value):{'+' if signed else ''}.1f}%"


def seconds(value) -> str:
    """A duration in seconds as people say it: ``20 s``, ``4 h``, ``24 h``, ``90 min``."""
    if missing(value):
        return MISSING
    s = float(value)
    if s >= 3600 and s % 3600 == 0:
        return f"{s / 3600:g} h"
    if s >= 60 and s % 60 == 0 and s > 120:
        return f"{s / 60:g} min"
    return f"{s:g} s"


#: Words a header spells in capitals (or as a name).
ACRONYMS = {"sl": "SL", "asa": "ASA", "fte": "FTE", "aht": "AHT", "erlang": "Erlang"}


def humanize(key: str) -> str:
    """A data key as a column header: ``extra_agent_hours`` -> ``Extra agent hours``,
    ``wait_s`` -> ``Wait [s]``, ``p_breach`` -> ``P(breach)``, ``sl_formula`` -> ``SL formula``."""
    unit = ""
    for suffix, name in (("_s", " [s]"), ("_per_year", " per year"), ("_per_hour", " per hour")):
        if key.endswith(suffix):
            key, unit = key[: -len(suffix)], name
            break
    if key.startswith("p_"):
        return f"P({key[2:].replace('_', ' ')}){unit}"
    words = " ".join(ACRONYMS.get(w, w) for w in key.split("_") if w)
    return (words[:1].upper() + words[1:] + unit) if words else unit.strip()


def table(headers, rows, *, numeric_from: int = 1, css_class: str = "") -> str:
    """An HTML table: ``headers`` and ``rows`` are text (escaped here) or ``Raw`` HTML; columns
    from ``numeric_from`` on are right-aligned (figures line up)."""

    def cell(tag, value, k):
        text = value if isinstance(value, Raw) else esc(value)
        align = ' class="num"' if k >= numeric_from else ""
        return f"<{tag}{align}>{text}</{tag}>"

    head = "".join(cell("th", h, k) for k, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(cell("td", v, k) for k, v in enumerate(row)) + "</tr>" for row in rows
    )
    klass = f' class="{esc(css_class)}"' if css_class else ""
    return f"<table{klass}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def png_data_uri(fig: Figure, dpi: int = FIGURE_DPI) -> str:
    """``fig`` as a ``data:image/png;base64,...`` URI (the figure travels inside the page)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def figure(fig: Figure, caption: str) -> str:
    """``fig`` embedded as a PNG with its (escaped) caption, scaled to the page width."""
    return (
        f'<figure><img src="{png_data_uri(fig)}" alt="{esc(caption)}">'
        f"<figcaption>{esc(caption)}</figcaption></figure>"
    )


STYLE = """
@page { size: A4; margin: 16mm 14mm 18mm 14mm;
        @bottom-right { content: "page " counter(page) " of " counter(pages);
                        font-size: 8pt; color: #666; } }
html { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; font-size: 10pt;
       color: #111; line-height: 1.35; }
body { max-width: 190mm; margin: 0 auto; padding: 0 4mm; }
h1 { font-size: 16pt; margin: 0 0 4mm 0; }
h2 { font-size: 13pt; margin: 7mm 0 2mm 0; border-bottom: 1px solid #999;
     break-after: avoid; page-break-after: avoid; }
h3 { font-size: 11pt; margin: 5mm 0 1.5mm 0; break-after: avoid; page-break-after: avoid; }
p.headline { font-size: 13pt; font-weight: bold; background: #eef3fa;
             border-left: 4px solid #2a5db0; padding: 3mm 4mm; margin: 0 0 5mm 0; }
table { border-collapse: collapse; margin: 1.5mm 0 3mm 0; font-size: 9pt; }
table.wide { width: 100%; font-size: 8pt; }
table.wide th, table.wide td { padding: 1mm 1.5mm; }
thead { display: table-header-group; }
tr, td, th { break-inside: avoid; page-break-inside: avoid; }
th, td { border-bottom: 1px solid #ccc; padding: 1mm 2.5mm; text-align: left; vertical-align: top; }
th { background: #f2f2f2; font-weight: bold; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.met { color: #1a7f37; } .missed { color: #b3261e; font-weight: bold; }
.excluded { color: #666; font-style: italic; }
figure { margin: 2mm 0 4mm 0; break-inside: avoid; page-break-inside: avoid; }
figure img { width: 100%; max-width: 100%; height: auto; display: block; }
figcaption { font-size: 8.5pt; color: #444; }
section.keep { break-inside: avoid; page-break-inside: avoid; }
ul { margin: 1mm 0 3mm 0; padding-left: 6mm; }
.note { color: #444; font-size: 9pt; }
@media print { body { max-width: none; padding: 0; } }
"""


def page(title: str, body: str) -> str:
    """A complete HTML5 document: ``title`` (escaped here), the print style sheet, ``body``
    (HTML built from escaped parts)."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{STYLE}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def pdf_unavailable_reason() -> str | None:
    """None when a PDF can be written; else one line saying why not and how to get one."""
    try:
        import weasyprint  # noqa: F401
    except ImportError:
        return "no PDF: WeasyPrint is not installed (pip install 'ccplan[pdf]')"
    except OSError as error:  # the Python package is there, its system libraries are not
        return f"no PDF: WeasyPrint cannot load its system libraries (Pango): {error}"
    return None


def pdf_bytes(document: str) -> bytes:
    """The PDF of the HTML ``document`` (A4 from its ``@page`` rule), rendered by WeasyPrint.

    The document has no external resources, so nothing is fetched; call only when
    ``pdf_unavailable_reason()`` is None.
    """
    from weasyprint import HTML

    return HTML(string=document).write_pdf()
