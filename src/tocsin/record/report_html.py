"""The transparency report as one self-contained HTML page with SVG charts (no scripts, no external files), and
the same numbers as CSV."""
from __future__ import annotations

import csv
import io
from html import escape
from typing import Any

from .transparency import Report, to_csv_rows

_COLOURS = ("#b03a2e", "#1f618d", "#7d3c98", "#117a65", "#b9770e", "#566573", "#2e4053", "#a04000")


def bar_chart(title: str, data: dict[str, Any], unit: str = "") -> str:
    """A horizontal bar chart in SVG; each bar is labelled with its key and value (readable without colour)."""
    rows = [(str(k), float(v)) for k, v in data.items() if isinstance(v, (int, float))]
    height = 34 + 24 * max(1, len(rows))
    top = max((v for _, v in rows), default=0) or 1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" width="520" '
             f'height="{height}" viewBox="0 0 520 {height}" class="chart">',
             f'<title>{escape(title)}</title>',
             f'<text x="0" y="18" font-size="14" font-weight="bold">{escape(title)}</text>']
    if not rows:
        parts.append('<text x="0" y="44" font-size="12">no data in this period</text>')
    for i, (k, v) in enumerate(rows):
        y = 30 + 24 * i
        w = 300 * v / top
        label = f"{v:g}{unit}"
        parts.append(f'<text x="0" y="{y + 15}" font-size="12">{escape(k[:22])}</text>'
                     f'<rect x="150" y="{y + 3}" width="{w:.1f}" height="16" fill="{_COLOURS[i % len(_COLOURS)]}"/>'
                     f'<text x="{155 + w:.1f}" y="{y + 15}" font-size="12" class="value">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def charts(rep: Report) -> list[tuple[str, dict[str, Any]]]:
    """The report's charts, as (title, data): the HTML report draws them all, the dashboard the first four."""
    return [("Actioned items by category", rep.actioned_by_category),
            ("Actioned items by language", rep.actioned_by_language),
            ("Actioned items by source", rep.actioned_by_source),
            ("Enforcement actions by type", rep.actions_by_type),
            ("Actioned items by content type", rep.actioned_by_content_type),
            ("Decisions: automated and human", {"automated": rep.decisions_automated, "human": rep.decisions_human}),
            ("Appeals", {"filed": rep.appeals_filed, "decided": rep.appeals_decided,
                         "overturned": rep.appeals_overturned})]


def _fmt_s(v: Any) -> str:
    if v is None:
        return "–"
    v = float(v)
    return f"{v:.0f} s" if v < 120 else f"{v / 60:.1f} min" if v < 7200 else f"{v / 3600:.1f} h"


def _pct(v: Any) -> str:
    return "–" if v is None else f"{100 * float(v):.1f}%"


def render_html(rep: Report, title: str = "tocsin transparency report") -> str:
    r = rep
    prev = r.prevalence
    ci = prev.get("ci95") or ["–", "–"]
    summary = [
        ("Items processed", f"{r.items_processed}", "items_processed"),
        ("Items actioned", f"{r.actioned_items}", "actioned_items"),
        ("Proactive rate", _pct(r.proactive_rate), "proactive_rate"),
        ("Median time to action", _fmt_s(r.time_to_action_s.get("median")), "time_to_action_median"),
        ("90th percentile time to action", _fmt_s(r.time_to_action_s.get("p90")), "time_to_action_p90"),
        ("Median time from notice to action (DSA art. 15)", _fmt_s(r.notice_to_action_s.get("median")),
         "notice_to_action_median"),
        ("Automated decisions", f"{r.decisions_automated}", "decisions_automated"),
        ("Human decisions", f"{r.decisions_human}", "decisions_human"),
        ("Appeals filed", f"{r.appeals_filed}", "appeals_filed"),
        ("Appeals decided", f"{r.appeals_decided}", "appeals_decided"),
        ("Decisions overturned on appeal", f"{r.appeals_overturned}", "appeals_overturned"),
        ("Overturn rate", _pct(r.overturn_rate), "overturn_rate"),
        ("Interim protections applied", f"{r.interim_actions}", "interim_actions"),
        ("Prevalence (sample of {0})".format(prev.get("sample", 0)),
         f"{_pct(prev.get('estimate'))} (95% CI {_pct(ci[0]) if ci[0] != '–' else '–'} to "
         f"{_pct(ci[1]) if ci[1] != '–' else '–'})", "prevalence"),
    ]
    rows = "".join(f'<tr data-metric="{m}"><th scope="row">{escape(k)}</th><td>{escape(v)}</td></tr>'
                   for k, v, m in summary)
    figures = "".join(f'<figure>{bar_chart(t, d)}</figure>' for t, d in charts(r))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>
<style>body{{font:14px/1.45 system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#1b1b1b}}
table{{border-collapse:collapse}}th,td{{text-align:left;padding:4px 12px;border-bottom:1px solid #ddd}}
.charts{{display:flex;flex-wrap:wrap;gap:16px}}figure{{margin:0}}</style></head>
<body><h1>{escape(title)}</h1>
<p>Period: <time>{escape(r.period_from)}</time> to <time>{escape(r.period_to)}</time> (both days included).
Every number is computed from the hash-chained audit log ({r.events_read} events read); see
<code>tocsin transparency --format json</code> for the same numbers as data.</p>
<table class="summary">{rows}</table>
<h2>Charts</h2><div class="charts">{figures}</div>
<p><small>Proactive: actioned before any user report (Meta's definition). Time to action: from the first signal or
report to the first enforcement action. Prevalence: {escape(str(prev.get('method', '')))}.</small></p>
</body></html>"""


def render_csv(rep: Report) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["metric", "key", "value"])
    for row in to_csv_rows(rep):
        w.writerow(row)
    return out.getvalue()
