"""Figures for print: a city's flywheel and timeline, and the cities' stage timelines on one axis.

Data comes from the named queries (02 stage timeline, 11 loop closed) and the loop-step query
the API uses (``queries/api/loop-steps.rq``). Figures are grey-scale safe (each stage has its own
grey and hatching, and every mark is labelled), their text is at least 8 pt, and SVG text is
drawn as paths so the file renders without the font. Chinese labels (``lang="zh"``) use Noto
Sans CJK (Debian's fonts-noto-cjk, installed by ``.ci/install-system``), found by family name.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
from matplotlib import font_manager
from matplotlib import pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.offsetbox import DrawingArea
from matplotlib.patches import Circle, FancyArrowPatch, Patch, Rectangle, Wedge

from kg.ontology import label
from kg.store import CaseStore, case_id
from kg.views.flywheel import flywheel
from kg.vocab import STAGE_IRIS, STAGES

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType  # matplotlib 3.9 and later

CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC", "Noto Sans SC")
SUFFIXES = (".svg", ".png")
# each stage: a fill grey and a hatch, so stages differ in print without colour
_FILL = {
    "startup": "#f4f4f4",
    "rotation": "#d4d4d4",
    "acceleration": "#a8a8a8",
    "inertia": "#767676",
}
_HATCH = {"startup": "", "rotation": "///", "acceleration": "...", "inertia": "xx"}
_INK = "#1a1a1a"
_WORDS = {
    "en": {
        "flywheel": "{city}: the data flywheel",
        "timeline": "{city}: stage timeline",
        "compare": "Cities' flywheel stages on one time axis",
        "unknown": "date unknown",
        "not coded": "not coded",
        "closed": "loop closed",
        "closed since": "loop closed\nsince {date}",
        "closed undated": "loop closed\n(date unknown)",
        "open loop": "loop not\nclosed",
        "loop": "The data loop (filled: evidenced by coded data flows; dashed arrow: not closed)",
        "no flows": "no flow coded",
        "no end": "no end stated",
        "precision note": "Dates as precisely as the sources give them: 2016 = year, "
        "2016-04 = month, 2016-04-01 = day. A stage with no stated end runs to the next.",
        "dates unknown": "stage dates unknown",
        "out of order": "out of the theory's order",
        "flows": "{n} flow(s)",
        "year": "year",
        "day": "day",
        "month": "month",
    },
    "zh": {
        "flywheel": "{city}:数据飞轮",
        "timeline": "{city}:阶段时间线",
        "compare": "各城市飞轮阶段(同一时间轴)",
        "unknown": "日期未知",
        "not coded": "未编码",
        "closed": "回路闭合",
        "closed since": "回路闭合\n始于 {date}",
        "closed undated": "回路闭合\n(日期未知)",
        "open loop": "回路\n未闭合",
        "loop": "数据回路(实心:有已编码的数据流为证;虚线箭头:回路未闭合)",
        "no flows": "未编码数据流",
        "no end": "未写明结束",
        "precision note": "日期精度以来源为准:2016 = 年,2016-04 = 月,2016-04-01 = 日。"
        "未写明结束的阶段延续至下一阶段开始。",
        "dates unknown": "阶段日期未知",
        "out of order": "不符合理论次序",
        "flows": "{n} 条数据流",
        "year": "年",
        "day": "日",
        "month": "月",
    },
}


class FontWarning(UserWarning):
    """No font with Chinese glyphs was found: Chinese labels would not render."""


# --- data ---------------------------------------------------------------------------------------


def case_data(store: CaseStore, case: str, close_at_next: bool = False) -> dict:
    """What the case figure shows (kg.views.flywheel, as plain data): the episodes in sequence,
    the loop steps and the loop's closure (a case named by its graph IRI). An end not coded is
    closed at the next episode's start only with ``close_at_next``."""
    view = flywheel(store, case, close_at_next)
    closed = view["loop_closed"]
    return {
        "case": case,
        "city": view["city"],
        "episodes": [
            {
                "stage": e["stage_word"],
                "sequence": e["sequence"],
                "start": e["start"],
                "start_precision": e["start_precision"],
                "end": e["end"],
                "end_precision": e["end_precision"],
                "open": e["end_basis"] == "open",
                "end_basis": e["end_basis"],
                "confidence": e["confidence"],
                "follows_theory": e["follows_theory"],
            }
            for e in view["stages"]
        ],
        "steps": [{k: s[k] for k in ("step", "order", "flows")} for s in view["steps"]],
        "loop_closed": closed,
        "closed_since": view["closed_since"],
        "closed_since_precision": (
            view["closed_since_precision"] if view["closed_since"] else "unknown"
        )
        if closed
        else None,
    }


# --- fonts and text -----------------------------------------------------------------------------


def cjk_family() -> str | None:
    """The family name of an installed Noto Sans CJK font, or None."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((family for family in CJK_FAMILIES if family in installed), None)


def _rc(lang: str) -> dict[RcKeyType, object]:
    families = ["DejaVu Sans"]
    cjk = cjk_family()
    if cjk:
        families = [cjk, "DejaVu Sans"] if lang == "zh" else ["DejaVu Sans", cjk]
    elif lang == "zh":
        warnings.warn(
            "no font with Chinese glyphs was found (looked for "
            + ", ".join(CJK_FAMILIES)
            + "); Chinese labels will show as boxes. Install Debian's fonts-noto-cjk "
            "(bash .ci/install-system does).",
            FontWarning,
            stacklevel=3,
        )
    return {
        "font.family": families,  # named, so the text keeps them when the figure is drawn
        "font.size": 9,
        "axes.titlesize": 11,
        "axes.labelsize": 9,
        "xtick.labelsize": 8.5,
        "ytick.labelsize": 9,
        "legend.fontsize": 8.5,
        "svg.fonttype": "path",
        "svg.hashsalt": "flywheel-kg",
        "hatch.color": _INK,
        "hatch.linewidth": 0.6,
        "axes.edgecolor": _INK,
        "axes.labelcolor": _INK,
        "xtick.color": _INK,
        "ytick.color": _INK,
        "text.color": _INK,
    }


def _term(iri: str, lang: str) -> str:
    return label(iri, lang) or label(iri, "en") or iri.rsplit("#", 1)[-1]


def stage_label(stage: str, lang: str) -> str:
    """A stage's label from the ontology (``startup`` → startup stage / 启动阶段)."""
    return _term(STAGE_IRIS[stage], lang)


def format_date(value: str | None, precision: str, lang: str) -> str:
    """A date as precisely as it is known: 2016-04 for a month, 2016 for a year."""
    words = _WORDS[lang]
    if not value or precision == "unknown":
        return words["unknown"]
    shown = {"year": value[:4], "month": value[:7]}.get(precision, value)
    word = words.get(precision, precision)
    return f"{shown}({word})" if lang == "zh" else f"{shown} ({word})"


def short_date(value: str | None, precision: str, lang: str) -> str:
    """A date cut to its precision, without the precision word (2016-04: known to the month)."""
    if not value or precision == "unknown":
        return _WORDS[lang]["unknown"]
    return {"year": value[:4], "month": value[:7]}.get(precision, value)


def _city(data: dict, lang: str) -> str:
    names = data["city"]
    return names.get(lang) or names.get("en") or case_id(data["case"])


def _date(value: str) -> float:
    return float(mdates.date2num(dt.date.fromisoformat(value)))


# --- the case figure ----------------------------------------------------------------------------


def _draw_wheel(ax: Axes, data: dict, lang: str) -> None:
    words = _WORDS[lang]
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_xlim(-2.05, 2.05)
    ax.set_ylim(-2.45, 1.65)
    first: dict[str, dict] = {}
    for episode in data["episodes"]:
        if episode["stage"] and episode["stage"] not in first:
            first[episode["stage"]] = episode
    for i, stage in enumerate(STAGES):  # clockwise from the top
        theta2 = 90 - 90 * i
        ax.add_patch(
            Wedge(
                (0, 0),
                1.0,
                theta2 - 90 + 1,
                theta2 - 1,
                width=0.3,
                facecolor=_FILL[stage],
                edgecolor=_INK,
                hatch=_HATCH[stage],
                linewidth=0.9,
            )
        )
        middle = math.radians(theta2 - 45)
        ax.text(
            0.85 * math.cos(middle),
            0.85 * math.sin(middle),
            str(i + 1),
            ha="center",
            va="center",
            fontsize=10,
            fontweight="bold",
            bbox={"boxstyle": "circle,pad=0.2", "facecolor": "white", "edgecolor": _INK, "lw": 0.6},
        )
        episode = first.get(stage)
        when = (
            format_date(episode["start"], episode["start_precision"], lang)
            if episode
            else words["not coded"]
        )
        x, y = 1.12 * math.cos(middle), 1.12 * math.sin(middle)
        ax.text(
            x,
            y,
            f"{i + 1}. {stage_label(stage, lang)}\n{when}",
            ha="left" if x > 0 else "right",
            va="bottom" if y > 0 else "top",
            fontsize=9,
            linespacing=1.3,
        )
    # the data loop inside the ring: five steps clockwise from the top
    steps = data["steps"]
    points = []
    for j in range(len(steps)):
        angle = math.radians(90 - 72 * j)
        points.append((0.5 * math.cos(angle), 0.5 * math.sin(angle)))
    for j, (x, y) in enumerate(points):
        nx, ny = points[(j + 1) % len(points)]
        closing = j == len(points) - 1
        ax.add_patch(
            FancyArrowPatch(
                (x, y),
                (nx, ny),
                connectionstyle="arc3,rad=-0.25",
                arrowstyle="-|>",
                mutation_scale=8,
                shrinkA=7,
                shrinkB=7,
                color=_INK,
                lw=0.8,
                linestyle="-" if (not closing or data["loop_closed"]) else (0, (2, 2)),
            )
        )
    keys = []
    for number, ((x, y), step) in enumerate(zip(points, steps, strict=True), start=1):
        evidenced = step["flows"] > 0
        ax.add_patch(
            Circle(
                (x, y),
                0.085,
                facecolor=_INK if evidenced else "white",
                edgecolor=_INK,
                lw=0.9,
                zorder=3,
            )
        )
        ax.text(
            x,
            y,
            str(number),
            ha="center",
            va="center",
            fontsize=8,
            zorder=4,
            color="white" if evidenced else _INK,
            fontweight="bold",
        )
        flows = words["flows"].format(n=step["flows"]) if evidenced else words["no flows"]
        keys.append(
            Circle(
                (0, 0),
                1,
                facecolor=_INK if evidenced else "white",
                edgecolor=_INK,
                label=f"{number} {_term(step['step'], lang)}: {flows}",
            )
        )
    if data["loop_closed"]:
        center = (
            words["closed since"].format(
                date=format_date(data["closed_since"], data["closed_since_precision"], lang)
            )
            if data["closed_since"]
            else words["closed undated"]
        )
    else:
        center = words["open loop"]
    ax.text(
        0, 0, center, ha="center", va="center", fontsize=8.5, fontweight="bold", linespacing=1.3
    )
    ax.legend(
        handles=keys,
        title=words["loop"],
        loc="lower center",
        bbox_to_anchor=(0.5, 0.0),
        ncol=2,
        frameon=False,
        handler_map={Circle: _CircleHandler()},
        columnspacing=1.2,
        title_fontsize=8.5,
        alignment="left",
    )


class _CircleHandler:
    """Draws a legend key as a small circle."""

    def legend_artist(
        self, legend: Legend, orig_handle: Patch, fontsize: float, handlebox: DrawingArea
    ) -> Circle:
        x, y = handlebox.xdescent + handlebox.width / 2, handlebox.ydescent + handlebox.height / 2
        patch = Circle(
            (x, y),
            handlebox.height / 2.2,
            facecolor=orig_handle.get_facecolor(),
            edgecolor=_INK,
            lw=0.9,
            transform=handlebox.get_transform(),
        )
        handlebox.add_artist(patch)
        return patch


@dataclass(frozen=True)
class _Span:
    """Where an episode's bar runs, and whether each end is known (else drawn dashed)."""

    episode: dict
    start: float
    end: float
    start_known: bool
    end_known: bool


def _episode_spans(episodes: Sequence[dict], left: float, right: float) -> list[_Span]:
    """Each episode's bar, in the city's order. No episode is dropped once one start is known:
    an unknown start is placed where the episode before it ends (or just before the next known
    start), an unknown end of an episode that has a later one is a short stub, and only the
    last episode, still open, runs to the axis's end. Dashed edges mark what is not known."""
    stub = 0.035 * (right - left)
    known = [
        _date(e["start"]) if e["start"] and e["start_precision"] != "unknown" else None
        for e in episodes
    ]
    if not any(k is not None for k in known):
        return []
    spans: list[_Span] = []
    for i, episode in enumerate(episodes):
        start = known[i]
        if start is None:
            later = next((k for k in known[i + 1 :] if k is not None), None)
            start = spans[-1].end if spans else (later or left + stub) - stub
        if episode["end"]:
            end, end_known = _date(episode["end"]), True
        elif i == len(episodes) - 1:
            end, end_known = right, True  # the last episode, still open: runs on (an arrow says so)
        else:
            end, end_known = start + stub, False
        spans.append(_Span(episode, start, max(end, start + 20), known[i] is not None, end_known))
    return spans


def _stage_bar(
    ax: Axes, stage: str, start: float, end: float, row: float, height: float, known: bool = True
) -> None:
    """One episode as a bar in its stage's fill and hatching (grey-scale safe); dashed edges
    when its start or end is not known."""
    ax.add_patch(
        Rectangle(
            (start, row - height / 2),
            end - start,
            height,
            facecolor=_FILL[stage],
            edgecolor=_INK,
            hatch=_HATCH[stage],
            lw=0.8,
            linestyle="-" if known else "--",
        )
    )


def _time_limits(dates: Sequence[str]) -> tuple[float, float]:
    years = sorted(int(d[:4]) for d in dates)
    left = mdates.date2num(dt.date(years[0], 1, 1))
    right = mdates.date2num(dt.date(max(years[-1] + 2, years[0] + 4), 1, 1))
    return left, right


def _year_axis(ax: Axes) -> None:
    ax.xaxis.set_major_locator(mdates.YearLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.grid(axis="x", color="#bbbbbb", lw=0.5, linestyle=":")
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="y", length=0)


def _draw_timeline(ax: Axes, data: dict, lang: str) -> None:
    words = _WORDS[lang]
    episodes = sorted(data["episodes"], key=lambda e: e["sequence"])
    dates = [e["start"] for e in episodes if e["start"]] + [e["end"] for e in episodes if e["end"]]
    n = len(episodes)
    ax.set_ylim(n - 0.4, -0.6)
    ax.set_yticks(range(n))
    ax.set_yticklabels(
        [
            f"{e['sequence']}. {stage_label(e['stage'], lang) if e['stage'] else '?'}"
            for e in episodes
        ]
    )
    if not dates:
        ax.set_xlim(0, 1)
        ax.set_xticks([])
        for side in ("top", "right", "left", "bottom"):
            ax.spines[side].set_visible(False)
        ax.tick_params(axis="y", length=0)
        for row, _episode in enumerate(episodes):
            ax.text(0.02, row, words["unknown"], va="center", fontsize=9, style="italic")
        return
    left, right = _time_limits(dates)
    ax.set_xlim(left, right)
    _year_axis(ax)
    spans = {id(span.episode): span for span in _episode_spans(episodes, left, right)}
    for row, episode in enumerate(episodes):
        stage = episode["stage"] or "startup"
        span = spans.get(id(episode))
        if span is None:  # no start known at all (only an end): nothing to place it by
            ax.text(
                left + (right - left) * 0.01,
                row,
                words["unknown"],
                va="center",
                fontsize=9,
                style="italic",
            )
            continue
        start, end = span.start, span.end
        _stage_bar(ax, stage, start, end, row, 0.44, span.start_known and span.end_known)
        text = format_date(episode["start"], episode["start_precision"], lang)
        if episode["open"]:
            text += " →"
        ax.text(start, row - 0.27, text, ha="left", va="bottom", fontsize=8)
        if not episode["follows_theory"]:
            ax.text(end, row, " " + words["out of order"], va="center", fontsize=8)


def case_figure(data: dict, lang: str = "en") -> Figure:
    """The city's flywheel (left) and its stage timeline (right)."""
    words = _WORDS[lang]
    with plt.rc_context(_rc(lang)):
        figure = plt.figure(figsize=(11, 5.4), layout="constrained")
        # 1 × 2 squeezed is an array of two; the stub also allows one SubFigure
        left, right = figure.subfigures(1, 2, width_ratios=[1, 1.05])  # type: ignore[misc]
        city = _city(data, lang)
        _draw_wheel(left.subplots(), data, lang)
        left.suptitle(
            words["flywheel"].format(city=city), x=0.02, ha="left", fontweight="bold", fontsize=11
        )
        _draw_timeline(right.subplots(), data, lang)
        right.suptitle(
            words["timeline"].format(city=city), x=0.02, ha="left", fontweight="bold", fontsize=11
        )
    return figure


# --- the comparison figure ----------------------------------------------------------------------


def compare_figure(cases: Sequence[dict], lang: str = "en") -> Figure:
    """Each city's stages as consecutive segments on one time axis, cities one a row."""
    words = _WORDS[lang]
    with plt.rc_context(_rc(lang)):
        height = 1.8 + 0.75 * max(len(cases), 1)
        figure = plt.figure(figsize=(10, height), layout="constrained")
        ax = figure.subplots()
        dates = [d for c in cases for e in c["episodes"] for d in (e["start"], e["end"]) if d]
        left, right = _time_limits(dates) if dates else (0.0, 1.0)
        ax.set_xlim(left, right)
        ax.set_ylim(len(cases) - 0.4, -0.6)
        ax.set_yticks(range(len(cases)))
        ax.set_yticklabels([_city(c, lang) for c in cases])
        if dates:
            _year_axis(ax)
        for row, case in enumerate(cases):
            spans = _episode_spans(
                sorted(case["episodes"], key=lambda e: e["sequence"]), left, right
            )
            if not spans:
                ax.text(
                    left + (right - left) * 0.01,
                    row,
                    words["dates unknown"],
                    va="center",
                    fontsize=9,
                    style="italic",
                )
                continue
            last = {False: -math.inf, True: -math.inf}  # the last label above and below
            for span in spans:
                episode, start, end = span.episode, span.start, span.end
                stage = episode["stage"] or "startup"
                gap = 0.085 * (right - left)  # about a label's width: labels must not overlap
                below = start - last[False] < gap and last[True] < last[False]
                last[below] = start
                _stage_bar(ax, stage, start, end, row, 0.56, span.start_known and span.end_known)
                ax.text(
                    start,
                    row + 0.33 if below else row - 0.33,
                    short_date(episode["start"], episode["start_precision"], lang),
                    ha="left",
                    va="top" if below else "bottom",
                    fontsize=8,
                )
        ax.legend(
            handles=[
                Patch(
                    facecolor=_FILL[s], edgecolor=_INK, hatch=_HATCH[s], label=stage_label(s, lang)
                )
                for s in STAGES
            ],
            loc="upper center",
            bbox_to_anchor=(0.5, -0.12 if len(cases) > 2 else -0.2),
            ncol=4,
            frameon=False,
            handlelength=2.6,
            handleheight=1.4,
        )
        ax.set_title(words["compare"], loc="left", fontweight="bold")
        ax.set_xlabel(words["precision note"], fontsize=8, loc="left")
    return figure


# --- writing ------------------------------------------------------------------------------------


def save(figure: Figure, target: Path) -> Path:
    """Write a figure as SVG (text as paths) or PNG (300 dpi), by the file's extension."""
    suffix = target.suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(f"cannot tell the figure format from '{target.name}': use .svg or .png")
    with plt.rc_context({"svg.fonttype": "path", "svg.hashsalt": "flywheel-kg"}):
        figure.savefig(
            target,
            dpi=300 if suffix == ".png" else None,
            metadata={"Date": None} if suffix == ".svg" else None,
            facecolor="white",
        )
    plt.close(figure)
    return target


def plot_case(
    store: CaseStore, case: str, target: Path, lang: str = "en", close_at_next: bool = False
) -> Path:
    """Draw one case's flywheel and timeline into ``target`` (.svg or .png); ends not coded are
    drawn to the next stage's start only with ``close_at_next``."""
    return save(case_figure(case_data(store, case, close_at_next), lang), target)


def plot_compare(
    store: CaseStore,
    cases: Sequence[str],
    target: Path,
    lang: str = "en",
    close_at_next: bool = False,
) -> Path:
    """Draw the cities' stage timelines on one axis into ``target`` (.svg or .png); ends not
    coded are drawn to the next stage's start only with ``close_at_next``."""
    data = [case_data(store, c, close_at_next) for c in cases]
    return save(compare_figure(data, lang), target)
