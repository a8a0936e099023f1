"""The web view's HTML: one page layout, tables and forms, every value escaped."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

STYLE = """
body{font-family:system-ui,sans-serif;margin:0;color:#1b1f24}
header{background:#16324f;color:#fff;padding:.6em 1.2em;display:flex;gap:1.5em;align-items:center}
header a{color:#fff}main{padding:1em 1.2em}
table{border-collapse:collapse;margin:.5em 0}td,th{padding:.25em .6em;border-bottom:1px solid #ddd}
th{text-align:left;background:#f3f5f7}td.n{text-align:right;font-variant-numeric:tabular-nums}
.bar{width:8em;height:.8em;background:#e4e8ec;display:inline-block;vertical-align:middle}
.bar span{display:block;height:100%;background:#2f7d4f}
.bar span.high{background:#c0392b}
form.filters{display:flex;gap:.6em;flex-wrap:wrap;align-items:end}
label{display:flex;flex-direction:column;font-size:.85em}
.error{color:#a00}
"""


def page(title: str, body: str, *, signed_in: bool = True) -> str:
    nav = ('<a href="/certificates">Certificates</a> <a href="/entries">Entries</a>'
           ' <a href="/transmissions">Transmissions</a>'
           '<form method="post" action="/logout" style="margin-left:auto">'
           '<button type="submit">Sign out</button></form>') if signed_in else ""
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f"<title>{escape(title)} · ecert</title><style>{STYLE}</style></head>"
            f"<body><header><strong>ecert</strong>{nav}</header>"
            f"<main><h1>{escape(title)}</h1>{body}</main></body></html>")


def table(headings: Iterable[str], rows: Iterable[Iterable[str]], *,
          numeric: frozenset[str] = frozenset(), raw: frozenset[str] = frozenset(),
          table_id: str = "") -> str:
    """Rows under headings; cells are escaped, but for the columns named `raw` (markup made
    here: links, bars)."""
    heads = list(headings)
    out = [f'<table{f" id={escape(table_id)!s}" if table_id else ""}><thead><tr>']
    out += [f"<th>{escape(h)}</th>" for h in heads]
    out.append("</tr></thead><tbody>")
    for row in rows:
        cells = []
        for heading, cell in zip(heads, row, strict=True):
            text = cell if heading in raw else escape(cell)
            cls = ' class="n"' if heading in numeric else ""
            cells.append(f"<td{cls}>{text}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def link(href: str, text: str) -> str:
    return f'<a href="{escape(href)}">{escape(text)}</a>'


def field(name: str, label: str, value: str | None, options: Iterable[str] | None = None
          ) -> str:
    """A labelled input, or a select of `options` (the first meaning any)."""
    if options is None:
        return (f'<label>{escape(label)}<input name="{escape(name)}"'
                f' value="{escape(value or "")}"></label>')
    choices = "".join(
        f'<option value="{escape(o)}"{" selected" if o == (value or "") else ""}>'
        f'{escape(o or "any")}</option>' for o in options)
    return f'<label>{escape(label)}<select name="{escape(name)}">{choices}</select></label>'
