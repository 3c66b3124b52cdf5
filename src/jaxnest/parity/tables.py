"""pandas DataFrames as Markdown and HTML tables (no tabulate dependency)."""
from __future__ import annotations

import html

import pandas as pd


def _cell(v) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return ""
    if isinstance(v, float):
        return f"{v:.3g}"
    return str(v).replace("|", "\\|").replace("\n", " ")


def to_markdown(df: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table of ``df`` (index dropped)."""
    cols = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join(" --- " for _ in cols) + "|"]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


_VERDICT_CLASS = {"pass": "ok", "fail": "bad", "FAIL": "bad", "runs": "ok",
                  "unsupported": "warn", "error": "bad", "timeout": "warn",
                  "needs-extra": "muted", "nest-failed": "muted", "passed": "ok",
                  "failed": "bad", "skipped": "muted", "inconclusive": "warn",
                  "nest-timeout": "muted"}


def to_html(df: pd.DataFrame, verdict_col: str | None = None) -> str:
    """An HTML table; cells of ``verdict_col`` get a colour class by their value."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    rows = []
    for row in df.itertuples(index=False):
        cells = []
        for col, v in zip(df.columns, row):
            cls = _VERDICT_CLASS.get(str(v), "") if col == verdict_col else ""
            attr = f' class="{cls}"' if cls else ""
            cells.append(f"<td{attr}>{html.escape(_cell(v).replace(chr(92) + '|', '|'))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


CSS = """
body { font-family: -apple-system, Segoe UI, Helvetica, Arial, sans-serif; margin: 2em auto;
       max-width: 1100px; color: #222; line-height: 1.4; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.85em; }
th, td { border: 1px solid #ccc; padding: 3px 7px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td.ok { background: #dff3df; } td.bad { background: #f8d7d7; font-weight: bold; }
td.warn { background: #fff1c7; } td.muted { background: #eee; color: #666; }
.verdict { font-size: 1.3em; padding: 0.3em 0.7em; display: inline-block; border-radius: 4px; }
.verdict.ok { background: #dff3df; } .verdict.bad { background: #f8d7d7; }
.verdict.warn { background: #fff1c7; } .verdict.muted { background: #eee; }
img { max-width: 100%; border: 1px solid #eee; margin: 0.4em 0; }
code, pre { background: #f6f6f6; padding: 1px 4px; } pre { padding: 8px; overflow-x: auto; }
"""
