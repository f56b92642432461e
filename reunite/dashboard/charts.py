"""Bar charts laid out on the server, drawn as inline SVG by dashboard/_chart.html.

No script and no style attribute: positions and colours are SVG presentation attributes
(x, y, width, height, fill), which the strict Content-Security-Policy allows. Each chart
carries its title, a description and the same numbers as a table, for screen readers
and for anyone who prefers to read figures.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

# Blue and orange: told apart with the common colour-vision deficiencies.
PALETTE = ("#0b5cad", "#c25400", "#5b3f8c")
WIDTH = 640


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    text: str  # the value as shown
    label: str  # "category: series"
    fill: str
    text_x: float
    text_y: float


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Tick:
    x1: float
    y1: float
    x2: float
    y2: float
    text: str
    text_x: float
    text_y: float


@dataclass(frozen=True)
class LegendItem:
    x: float
    y: float
    fill: str
    name: str

    @property
    def text_x(self) -> float:
        return self.x + 18

    @property
    def text_y(self) -> float:
        return self.y + 11


@dataclass(frozen=True)
class Chart:
    slug: str
    title: str
    description: str
    horizontal: bool
    width: int
    height: int
    categories: tuple[str, ...]
    series: tuple[str, ...]
    table: tuple[tuple[str, tuple[str, ...]], ...]  # (category, formatted values)
    bars: tuple[Bar, ...]
    labels: tuple[Label, ...]
    ticks: tuple[Tick, ...]
    legend: tuple[LegendItem, ...]

    @property
    def empty(self) -> bool:
        return not any(bar.value for bar in self.bars)


def nice_ceiling(value: float) -> int:
    """The smallest of 1, 2 or 5 times 10^k at or above `value` (at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return int(step * power)
    return int(10 * power)  # pragma: no cover (the loop always returns)


def bar_chart(
    *,
    slug: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[str],
    values: Sequence[Sequence[int]],
    fmt: Callable[[int], str] = str,
    horizontal: bool = False,
    least_scale: int = 1,
) -> Chart:
    """`values[i][s]` is category i's value in series s (non-negative). A category label
    may hold a line break ("Nov\\n2026"). The axis runs to at least `least_scale` (for
    money in cents: 100, so that an empty chart's axis reads $0 to $1)."""
    if len(values) != len(categories) or any(len(row) != len(series) for row in values):
        raise ValueError("values must hold one row per category and one value per series")
    top = 20 + (24 if len(series) > 1 else 0)
    scale = nice_ceiling(max([least_scale, *(v for row in values for v in row)]))
    bars: list[Bar] = []
    labels: list[Label] = []
    ticks: list[Tick] = []
    if horizontal:
        # Room for the longest label at 14 px (about 7.8 px a character), within reason.
        longest = max((len(c) for c in categories), default=0)
        left, right, row_height = round(min(300, max(120, 16 + 7.8 * longest))), 72, 30
        height = top + row_height * len(categories) + 28
        plot = WIDTH - left - right
        inner = row_height * 0.7
        for i, category in enumerate(categories):
            row_top = top + i * row_height
            labels.append(Label(left - 8, row_top + row_height / 2 + 4, (category,)))
            for s, name in enumerate(series):
                thickness = inner / len(series)
                y = row_top + (row_height - inner) / 2 + s * thickness
                value = values[i][s]
                length = plot * value / scale
                bars.append(
                    Bar(
                        left, y, length, thickness, value, fmt(value),
                        f"{category}: {name}", PALETTE[s % len(PALETTE)],
                        left + length + 4, y + thickness / 2 + 4,
                    )
                )  # fmt: skip
        bottom = top + row_height * len(categories)
        for value in _tick_values(scale):
            x = left + plot * value / scale
            ticks.append(Tick(x, top, x, bottom, fmt(value), x, bottom + 18))
    else:
        left, right, bottom_space = 72, 12, 48
        height = 260
        plot_width, plot_height = WIDTH - left - right, height - top - bottom_space
        group = plot_width / max(len(categories), 1)
        inner = group * 0.72
        baseline = top + plot_height
        for i, category in enumerate(categories):
            labels.append(
                Label(left + i * group + group / 2, baseline + 18, tuple(category.split("\n")))
            )
            for s, name in enumerate(series):
                thickness = inner / len(series)
                x = left + i * group + (group - inner) / 2 + s * thickness
                value = values[i][s]
                length = plot_height * value / scale
                bars.append(
                    Bar(
                        x, baseline - length, thickness, length, value, fmt(value),
                        f"{category.replace(chr(10), ' ')}: {name}", PALETTE[s % len(PALETTE)],
                        x + thickness / 2, baseline - length - 4,
                    )
                )  # fmt: skip
        for value in _tick_values(scale):
            y = baseline - plot_height * value / scale
            ticks.append(Tick(left, y, WIDTH - right, y, fmt(value), left - 6, y + 4))
    legend = tuple(
        LegendItem(16 + s * 180, 8, PALETTE[s % len(PALETTE)], name)
        for s, name in enumerate(series)
        if len(series) > 1
    )
    table = tuple(
        (category.replace("\n", " "), tuple(fmt(v) for v in row))
        for category, row in zip(categories, values, strict=True)
    )
    return Chart(
        slug=slug,
        title=title,
        description=description,
        horizontal=horizontal,
        width=WIDTH,
        height=height,
        categories=tuple(c.replace("\n", " ") for c in categories),
        series=tuple(series),
        table=table,
        bars=tuple(_rounded(bar) for bar in bars),
        labels=tuple(labels),
        ticks=tuple(ticks),
        legend=legend,
    )


def _tick_values(scale: int) -> list[int]:
    return [0, scale // 2, scale] if scale % 2 == 0 else [0, scale]


def _rounded(bar: Bar) -> Bar:
    r = lambda v: round(v, 1)  # noqa: E731 (a local shorthand)
    return Bar(
        r(bar.x), r(bar.y), r(bar.width), r(bar.height), bar.value, bar.text, bar.label,
        bar.fill, r(bar.text_x), r(bar.text_y),
    )  # fmt: skip
