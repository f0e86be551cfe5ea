"""The server-drawn charts never overlap their labels: long bar labels wrap, crowded columns slant their labels and
stand their values upright, with room kept on the left for the first slanted label."""
from __future__ import annotations

import re

from crm.reports.render.charts import CHARACTER, Bar, columns, funnel


def test_a_long_funnel_label_wraps_onto_two_lines_within_the_label_column():
    svg = funnel([Bar("Registrations of interest from households in partner authorities", 40), Bar("Stage 1", 4)],
                 "Funnel")
    lines = re.findall(r'<tspan x="(\d+)" y="[\d.]+">([^<]+)</tspan>', svg)
    assert len(lines) == 2 and all(len(text) * CHARACTER <= int(x) for x, text in lines)
    assert lines[1][1].endswith("\u2026")
    assert "<title>Registrations of interest from households in partner authorities</title>" in svg
    assert '>Stage 1</text>' in svg  # a short one stays on one line


def test_few_columns_keep_level_labels_and_many_slant_them_with_upright_values():
    few = columns([Bar("Q1", 3), Bar("Q2", 5)], "By quarter")
    assert "rotate" not in few
    many = columns([Bar(f"{month} 2026", 1234 * (month + 1)) for month in range(1, 25)], "By month")
    labels = re.findall(r'translate\(([\d.]+) [\d.]+\) rotate\(-45\)" text-anchor="end" class="hearth-chart__label">'
                        r'([^<]+)<', many)
    values = re.findall(r'rotate\(-90\)" text-anchor="start" class="hearth-chart__value">', many)
    assert len(labels) == 24 and len(values) == 24
    first_x, first_label = float(labels[0][0]), labels[0][1]
    assert first_x - len(first_label) * CHARACTER * 0.71 >= 0  # the first slanted label starts inside the chart
    height = float(re.search(r'viewBox="0 0 640 ([\d.]+)"', many).group(1))
    assert height > 260  # taller, for the slanted labels
