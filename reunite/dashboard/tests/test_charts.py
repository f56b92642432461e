"""The server-side bar chart layout (no database)."""

import pytest

from reunite.dashboard.charts import bar_chart, nice_ceiling


@pytest.mark.parametrize(
    ("value", "ceiling"),
    [
        (0, 1),
        (1, 1),
        (2, 2),
        (3, 5),
        (5, 5),
        (6, 10),
        (11, 20),
        (99, 100),
        (101, 200),
        (2_000_000, 2_000_000),
    ],
)
def test_the_scale_rounds_up_to_1_2_or_5(value, ceiling):
    assert nice_ceiling(value) == ceiling


def test_vertical_bars_are_as_tall_as_their_values():
    chart = bar_chart(
        slug="t", title="T", description="D", categories=["a", "b", "c"], series=["s"],
        values=[[0], [5], [10]],
    )  # fmt: skip
    heights = [bar.height for bar in chart.bars]
    assert [bar.value for bar in chart.bars] == [0, 5, 10]
    assert heights[0] == 0
    assert heights[2] == pytest.approx(2 * heights[1], abs=0.1)
    # Bars stand on one baseline and go up.
    assert len({round(bar.y + bar.height, 1) for bar in chart.bars}) == 1
    assert chart.bars[0].x < chart.bars[1].x < chart.bars[2].x
    assert [t.text for t in chart.ticks] == ["0", "5", "10"]
    assert chart.table == (("a", ("0",)), ("b", ("5",)), ("c", ("10",)))
    assert not chart.empty


def test_horizontal_bars_are_as_long_as_their_values():
    chart = bar_chart(
        slug="t", title="T", description="D", categories=["a", "b"], series=["s"],
        values=[[3], [1]], horizontal=True,
    )  # fmt: skip
    long, short = chart.bars
    assert long.width == pytest.approx(3 * short.width, abs=0.1)
    assert long.x == short.x
    assert long.y < short.y


def test_grouped_bars_have_a_legend_and_a_colour_per_series():
    chart = bar_chart(
        slug="t", title="T", description="D", categories=["bond", "travel"],
        series=["in", "out"], values=[[200, 50], [0, 0]], fmt=lambda c: f"${c // 100}",
    )  # fmt: skip
    assert [b.value for b in chart.bars] == [200, 50, 0, 0]
    assert chart.bars[0].fill != chart.bars[1].fill
    assert [item.name for item in chart.legend] == ["in", "out"]
    assert chart.table == (("bond", ("$2", "$0")), ("travel", ("$0", "$0")))
    assert chart.bars[1].label == "bond: out"


def test_a_chart_of_zeros_is_empty_and_still_drawn():
    chart = bar_chart(
        slug="t", title="T", description="D", categories=["a"], series=["s"], values=[[0]]
    )
    assert chart.empty
    assert chart.bars[0].height == 0


def test_month_labels_may_take_two_lines():
    chart = bar_chart(
        slug="t", title="T", description="D", categories=["Dec\n2025", "Jan"], series=["s"],
        values=[[1], [2]],
    )  # fmt: skip
    assert chart.labels[0].lines == ("Dec", "2025")
    assert chart.table[0][0] == "Dec 2025"


def test_values_must_match_categories_and_series():
    with pytest.raises(ValueError, match="one row per category"):
        bar_chart(slug="t", title="T", description="D", categories=["a"], series=["s"], values=[])
