"""Server-side SVG charts for the trends dashboard: `svg` draws heatmaps,
bars and weekly lines (accessible, no script, no external asset), `board`
turns the dashboard's figures into them."""

from recovery.trends.charts.board import dashboard_charts
from recovery.trends.charts.svg import (
    Bar,
    Chart,
    Highlight,
    Marker,
    Series,
    bar_chart,
    heatmap,
    line_chart,
    nice_max,
)

__all__ = [
    "Bar",
    "Chart",
    "Highlight",
    "Marker",
    "Series",
    "bar_chart",
    "dashboard_charts",
    "heatmap",
    "line_chart",
    "nice_max",
]
