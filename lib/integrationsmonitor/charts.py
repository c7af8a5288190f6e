"""Charts for the reports: matplotlib, German labels, colour-blind-safe colours (Okabe–Ito).
Bars carry their counts and lines their markers, so that they also read in black-and-white
print. Returned as PNG data URIs at 200 dpi, so that the HTML stays self-contained. (Not SVG:
WeasyPrint needs about 0.15 s to paint one SVG chart and 0.01 s for a PNG; a report holds
some 25 charts.)"""

from __future__ import annotations

import base64
import io
import re

import matplotlib

matplotlib.use("Agg")  # no display on servers; must precede pyplot
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from integrationsmonitor import formatting as fmt  # noqa: E402

# Okabe & Ito (2008), "Color Universal Design": distinguishable with common colour-vision
# deficiencies.
OKABE_ITO = {"orange": "#E69F00", "sky_blue": "#56B4E9", "bluish_green": "#009E73",
             "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00",
             "reddish_purple": "#CC79A7", "grey": "#999999", "black": "#000000"}
# Dark, middle, light in greyscale, so the three groups differ in print too.
GROUP_STYLE = {
    "umgesetzt": (OKABE_ITO["blue"], "white"),
    "laufend": (OKABE_ITO["sky_blue"], "black"),
    "offen": (OKABE_ITO["yellow"], "black"),
}
# Yellow is left out of lines: too faint on white.
LINE_COLOURS = [OKABE_ITO[c] for c in ("blue", "orange", "bluish_green", "vermillion",
                                       "reddish_purple", "sky_blue")]
LINE_STYLES = ["-", "--", "-.", ":", (0, (5, 1, 1, 1))]
MARKERS = ["o", "s", "^", "D", "v", "P"]

plt.rcParams.update({
    "font.family": "DejaVu Sans",  # ships with matplotlib: the same glyphs on every machine
    "font.size": 9,
    "svg.fonttype": "path",
    "svg.hashsalt": "integrationsmonitor",  # stable element IDs, reproducible SVG
    "axes.spines.top": False,
    "axes.spines.right": False,
})

percent_axis = FuncFormatter(lambda x, _pos: fmt.percent(x, 0))


DPI = 150  # sharp in print at the printed width (about 17 cm), cheap to lay out


def to_data_uri(fig: plt.Figure, tight: bool = True) -> str:
    """The figure as a PNG data URI. ``tight`` crops to the drawn content (costs a second
    draw); charts with fixed margins pass False."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight" if tight else None,
                metadata={"Software": None})
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def implementation_bars(rates: pd.DataFrame, labels: dict[str, str],
                        group_labels: dict[str, str]) -> str:
    """Stacked horizontal bars per AK and overall: shares umgesetzt / laufend / offen.

    Args:
        rates: output of :func:`measure_status.implementation_rates`.
        labels: bar labels by ak_id ("Gesamt" included).
        group_labels: legend labels by status group.
    """
    data = rates.iloc[::-1]  # first AK on top
    fig, ax = plt.subplots(figsize=(6.0, 0.42 * len(data) + 1.0))
    left = pd.Series(0.0, index=data.index)
    names = [labels[a] for a in data["ak_id"]]
    for group, (colour, ink) in GROUP_STYLE.items():
        share = (data[group] / data["base"].where(data["base"] > 0)).fillna(0)
        bars = ax.barh(names, share, left=left, color=colour, edgecolor="#444444",
                       linewidth=0.5, label=group_labels[group])
        # The count in each segment wide enough to hold it.
        ax.bar_label(bars, labels=[fmt.number(n) if s >= 0.06 else ""
                                   for n, s in zip(data[group], share)],
                     label_type="center", color=ink, fontsize=7.5)
        left += share
    for y, (_, row) in enumerate(data.iterrows()):
        if pd.notna(row["rate"]):
            ax.text(1.01, y, fmt.percent(row["rate"], 0), va="center", fontsize=8)
    ax.set_xlim(0, 1.08)
    ax.xaxis.set_major_formatter(percent_axis)
    ax.set_xlabel("Anteil an den Maßnahmen (ohne entfallene und zur Zeit nicht lösbare); "
                  "in den Balken: Anzahl")
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.16), ncol=1, frameon=False,
              fontsize=8)
    return to_data_uri(fig)


def rate_history(history: pd.DataFrame, labels: dict[str, str], period_labels: dict[str, str]
                 ) -> str:
    """Lines of the Umsetzungsquote per AK and overall across periods.

    Args:
        history: columns period, ak_id, rate (ak_id "Gesamt" for the whole concept).
    """
    fig, ax = plt.subplots(figsize=(5.6, 3.0))
    periods = sorted(history["period"].unique())
    x = range(len(periods))
    for i, (ak_id, grp) in enumerate(history.groupby("ak_id", sort=False)):
        grp = grp.set_index("period").reindex(periods)
        total = ak_id == "Gesamt"
        ax.plot(x, grp["rate"], label=labels[ak_id], linestyle=LINE_STYLES[i % len(LINE_STYLES)],
                marker=MARKERS[i % len(MARKERS)], markersize=4,
                color=OKABE_ITO["black"] if total else LINE_COLOURS[i % len(LINE_COLOURS)],
                linewidth=2.2 if total else 1.2)
    ax.set_xticks(list(x), [period_labels[p] for p in periods])
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(percent_axis)
    ax.set_ylabel("Umsetzungsquote")
    ax.grid(axis="y", linewidth=0.4, alpha=0.6)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=8)
    return to_data_uri(fig)


def stacked_counts(table: pd.DataFrame, colours: list[str], ylabel: str) -> str:
    """Stacked bars of published counts: one bar per column (Stichtag), one segment per row.

    Args:
        table: published counts (suppressed cells NaN: drawn as gaps), rows in stack order,
            columns already labelled for the axis.
    """
    fig, ax = plt.subplots(figsize=(6.2, 3.0))
    bottom = pd.Series(0.0, index=table.columns)
    for (label, row), colour in zip(table.iterrows(), colours):
        values = row.fillna(0)
        bars = ax.bar([str(c) for c in table.columns], values, bottom=bottom, color=colour,
                      edgecolor="#444444", linewidth=0.5, label=str(label))
        ax.bar_label(bars, labels=["*" if pd.isna(v) else fmt.number(v) for v in row],
                     label_type="center", fontsize=7.5,
                     color="white" if colour == OKABE_ITO["blue"] else "black")
        bottom += values
    if len(table.columns) > 4:  # dates side by side would run into each other
        ax.set_xticks(range(len(table.columns)),
                      [two_line_date(str(c)) for c in table.columns])
    ax.yaxis.set_major_formatter(FuncFormatter(lambda x, _p: fmt.number(x)))
    ax.set_ylabel(ylabel)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=8)
    return to_data_uri(fig)


def two_line_date(label: str) -> str:
    """An axis label with its German date broken after the month.

    >>> two_line_date("31.12.2018")
    '31.12.\\n2018'
    >>> two_line_date("Basis")
    'Basis'
    """
    return re.sub(r"(\d{2}\.\d{2}\.)(\d{4})", r"\1\n\2", label, count=1)


AMPEL_COLOURS = {"gruen": OKABE_ITO["bluish_green"], "gelb": OKABE_ITO["yellow"],
                 "rot": OKABE_ITO["vermillion"], "grau": OKABE_ITO["grey"]}
AMPEL_MARKERS = {"gruen": "o", "gelb": "^", "rot": "s", "grau": "o"}


def indicator_path(times: list[float], values: list[float], base: tuple[float, float] | None,
                   target: tuple[float, float], current: tuple[float, float] | None,
                   colour: str, label, tick_labels: dict[float, str], scale: str = "count",
                   holding: bool = False) -> str:
    """Baseline, target, the Zielpfad between them, actual values, and the verdict's colour.

    Args:
        times, values: the series (decimal years; NaN values are left out).
        base, target, current: (time, value) points; base/current None when missing.
        colour: Ampel colour of the verdict at the Stichtag (gruen, gelb, rot, grau).
        label: formats a value for the axis (German, in the indicator's unit).
        scale: "share" (0–1: the axis starts at 0, so that nothing is magnified), "points"
            (percentage points: the axis includes 0) or "count" (ticks at whole units only).
        holding: a holding target: the target is a line to stay beyond, not a path.
    """
    from matplotlib.ticker import MaxNLocator

    fig, ax = plt.subplots(figsize=(7.2, 2.3))
    if holding:
        ax.axhline(target[1], linestyle="--", color=OKABE_ITO["grey"], linewidth=1,
                   label="Halteziel")
    elif base is not None:
        ax.plot([base[0], target[0]], [base[1], target[1]], linestyle="--",
                color=OKABE_ITO["grey"], linewidth=1, label="Zielpfad (gerade Linie)")
    ax.plot(times, values, marker="o", markersize=3.5, color=OKABE_ITO["blue"], linewidth=1.4,
            label="Ist-Werte")
    if not holding:
        ax.plot([target[0]], [target[1]], marker="*", markersize=11, color=OKABE_ITO["black"],
                linestyle="none", label="Ziel")
    if current is not None:
        ax.plot([current[0]], [current[1]], marker=AMPEL_MARKERS[colour], markersize=9,
                color=AMPEL_COLOURS[colour], markeredgecolor="black", linestyle="none",
                label="Stichtag (Bewertung)")
    ax.set_xticks(list(tick_labels), list(tick_labels.values()), fontsize=7.5)
    if scale == "share":
        ax.set_ylim(0, max(1.0, *(v for v in values if v == v), target[1]) * 1.02)
    elif scale == "points":
        ax.axhline(0, color=OKABE_ITO["black"], linewidth=0.6)
    else:
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: label(v)))
    ax.tick_params(axis="y", labelsize=7.5)
    ax.grid(axis="y", linewidth=0.4, alpha=0.6)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)
    # Fixed margins instead of a tight crop: a third faster, and every indicator chart of
    # the annex has the same plot width.
    fig.subplots_adjust(left=0.11, right=0.71, bottom=0.13, top=0.95)
    return to_data_uri(fig, tight=False)
