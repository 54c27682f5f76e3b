"""A simple, accessible bar chart as inline SVG (no script), for the portal's dataset pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Chart:
    """What the template draws: bars with positions, and a text alternative."""

    title: str
    x_label: str
    y_label: str
    bars: list[Bar]
    width: int
    height: int
    description: str


def _selected(rows: list[dict[str, Any]], where: str | None) -> list[dict[str, Any]]:
    if not where:
        return rows
    conditions = [c.split("=", 1) for c in where.split(",") if "=" in c]
    return [r for r in rows if all(str(r.get(k)) == v for k, v in conditions)]


def bar_chart(
    spec: dict[str, str], rows: list[dict[str, Any]], title: str, width: int = 640, height: int = 240
) -> Chart | None:
    """Bars of ``spec['y']`` by ``spec['x']`` over the rows matching ``spec['where']``.

    Suppressed (None) values and totals are left out.
    """
    x, y = spec["x"], spec["y"]
    points = [
        (str(r[x]), float(r[y]))
        for r in _selected(rows, spec.get("where"))
        if r.get(y) is not None and str(r.get(x)) != "total"
    ][:40]
    if not points:
        return None
    top = max(v for _, v in points) or 1.0
    slot = width / len(points)
    bars = [
        Bar(
            label,
            value,
            i * slot + slot * 0.1,
            height - value / top * (height - 20),
            slot * 0.8,
            value / top * (height - 20),
        )
        for i, (label, value) in enumerate(points)
    ]
    description = "; ".join(f"{b.label}: {b.value:g}" for b in bars)
    return Chart(title, x, y, bars, width, height, description)
