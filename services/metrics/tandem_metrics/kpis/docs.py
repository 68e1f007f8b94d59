"""The catalogue table of docs/kpis.md, rendered from the registry so the two cannot drift.

`python -m tandem_metrics.kpis.docs docs/kpis.md` rewrites the table between its markers; a unit test fails when
the file and the registry disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tandem_metrics.kpis.catalogue import KPIS, Direction, Kpi

START, END = "<!-- catalogue:start -->", "<!-- catalogue:end -->"
_ARROW = {Direction.HIGHER_IS_BETTER: "↑", Direction.LOWER_IS_BETTER: "↓", Direction.NEUTRAL: "–"}


def _number(value: float) -> str:
    return f"{value:g}"


def _row(kpi: Kpi) -> str:
    sign = "≥" if kpi.direction is Direction.HIGHER_IS_BETTER else "≤"
    thresholds = (f"green {sign} {_number(kpi.thresholds.green)}, amber {sign} {_number(kpi.thresholds.amber)}"
                  if kpi.thresholds else "–")
    periods = ", ".join(kpi.granularities) or "all time only"
    headline = "current month" if kpi.headline == "month" else "all time"
    return (f"| `{kpi.key}` | {kpi.name} | {kpi.area.value} | {kpi.formula_text} | {kpi.unit} | "
            f"{_ARROW[kpi.direction]} | {_number(kpi.target) if kpi.target is not None else '–'} | {thresholds} | "
            f"{kpi.owner} | {', '.join(kpi.dimensions)} | {periods}; value over {headline} | "
            f"{', '.join(f'`{e}`' for e in kpi.events)} |")


def render_table() -> str:
    """The catalogue as a Markdown table, between its markers."""
    head = ("| key | name | area | formula | unit | better | target | thresholds | owner | dimensions | series "
            "| computed from |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    return "\n".join([START, head, *(_row(k) for k in KPIS.values()), END])


def rewrite(text: str) -> str:
    """The document with its table replaced by the rendered one."""
    before, _, rest = text.partition(START)
    _, _, after = rest.partition(END)
    return before + render_table() + after


if __name__ == "__main__":  # pragma: no cover - a maintenance command
    path = Path(sys.argv[1])
    path.write_text(rewrite(path.read_text()))
