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
import re
import unicodedata
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

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
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from kg.ontology import label
from kg.store import CaseStore, case_id
from kg.views.flywheel import flywheel
from kg.vocab import CONFIDENCE_IRIS, CONFIDENCES, PRECISION_IRIS, STAGE_IRIS, STAGES

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
        "2016-04 = month, 2016-04-01 = day, 2016-03–2016-09 = a range, "
        "≤ / ≥ = on or before / after.",
        "ends unknown": "An end that is not coded is left unknown: a short dashed stub "
        "(the last stage, still open, runs on).",
        "ends closed": "An end that is not coded is drawn to the next stage's start, as asked "
        "(a reading, not a coded date).",
        "marks": "After each start, the weakest confidence behind it: {marks}.",
        "mark": "{mark} = {word}",
        "mark joiner": ", ",
        "not graded": "not graded",
        "dates unknown": "stage dates unknown",
        "out of order": "out of the theory's order",
        "flows": "{n} flow(s)",
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
        "precision note": "日期精度以来源为准:2016 = 年,2016-04 = 月,2016-04-01 = 日,"
        "2016-03–2016-09 = 区间,≤ / ≥ = 不晚于 / 不早于。",
        "ends unknown": "未编码的结束日期视为未知:以短虚线段表示(最后一个阶段尚未结束,延续至右端)。",
        "ends closed": "未编码的结束日期按要求画至下一阶段开始(系解读,非已编码日期)。",
        "marks": "起始日期后的标记为其所依据的最低置信等级:{marks}。",
        "mark": "{mark} = {word}",
        "mark joiner": ",",
        "not graded": "未分级",
        "dates unknown": "阶段日期未知",
        "out of order": "不符合理论次序",
        "flows": "{n} 条数据流",
    },
}


# what a caption line is broken between: a word or one wide (Chinese) character, with "= …" or
# "/ …" after it (so "2016 = year" and "推 = 推断" stay whole), the closing marks after it (a
# line never starts with ,。) and the spaces after it
_UNIT = r"(?:[^\s\u2e80-\uffef]+|[\u2e80-\uffef])"
_TOKENS = re.compile(rf"{_UNIT}(?: [=/] {_UNIT})*[,。:;、)]*\s*|\s+")
# the mark after a start for its weakest confidence (kg.vocab.CONFIDENCES; None: nothing graded),
# explained in the caption with the ontology's label for the level
_MARKS: dict[str, dict[str | None, str]] = {
    "en": {"confirmed": "c", "suspected": "s", "inferred": "i", "reported": "r", None: "–"},
    "zh": {"confirmed": "核", "suspected": "疑", "inferred": "推", "reported": "报", None: "–"},
}


class FontWarning(UserWarning):
    """No font with Chinese glyphs was found: Chinese labels would not render."""


# --- data ---------------------------------------------------------------------------------------


def case_data(store: CaseStore, case: str, close_at_next: bool = False) -> dict:
    """What the case figure shows (kg.views.flywheel, as plain data): the episodes in sequence,
    the loop steps and the loop's closure (a case named by its graph IRI). An end not coded is
    closed at the next episode's start only with ``close_at_next`` (kept, so the figure can say
    which way its ends are drawn); each episode carries the weakest confidence behind its start
    and its start's bounds."""
    view = flywheel(store, case, close_at_next)
    closed = view["loop_closed"]
    return {
        "case": case,
        "city": view["city"],
        "close_at_next": close_at_next,
        "episodes": [
            {
                "stage": e["stage_word"],
                "sequence": e["sequence"],
                "start": e["start"],
                "start_precision": e["start_precision"],
                "start_earliest": e["start_earliest"],
                "start_latest": e["start_latest"],
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


def _month_end(day: dt.date) -> dt.date:
    following = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def between(earliest: str, latest: str) -> str:
    """Two bounds as briefly as they are exact: 2016-03-01, 2016-09-30 → 2016-03–2016-09;
    2015-01-01, 2016-12-31 → 2015–2016; otherwise the two days."""
    first, last = dt.date.fromisoformat(earliest[:10]), dt.date.fromisoformat(latest[:10])
    if (first.month, first.day, last.month, last.day) == (1, 1, 12, 31):
        return f"{first.year}–{last.year}"
    if first.day == 1 and last == _month_end(last):
        return f"{earliest[:7]}–{latest[:7]}"
    return f"{earliest[:10]}–{latest[:10]}"


def _shown(
    value: str | None, precision: str, earliest: str | None = None, latest: str | None = None
) -> str | None:
    """A date cut to its precision; a range as its bounds; None when not known."""
    if precision == "range" and earliest and latest:
        return between(earliest, latest)
    if not value or precision == "unknown":
        return None
    return {"year": value[:4], "month": value[:7]}.get(precision, value[:10])


def format_date(
    value: str | None,
    precision: str,
    lang: str,
    earliest: str | None = None,
    latest: str | None = None,
) -> str:
    """A date as precisely as it is known, with its precision in the ontology's words:
    2016-04 (month) for a month, 2016 (year) for a year, 2016-03–2016-09 (within a range) for a
    range with both bounds."""
    shown = _shown(value, precision, earliest, latest)
    if shown is None:
        return _WORDS[lang]["unknown"]
    word = _term(PRECISION_IRIS[precision], lang) if precision in PRECISION_IRIS else precision
    return f"{shown}({word})" if lang == "zh" else f"{shown} ({word})"


def short_date(
    value: str | None,
    precision: str,
    lang: str,
    earliest: str | None = None,
    latest: str | None = None,
) -> str:
    """A date cut to its precision, without the precision word (2016-04: known to the month;
    ≤2020-03-31: on or before; 2016-03–2016-09: a range)."""
    shown = _shown(value, precision, earliest, latest)
    if shown is None:
        return _WORDS[lang]["unknown"]
    return {"on or before": "≤", "on or after": "≥"}.get(precision, "") + shown


def confidence_mark(confidence: str | None, lang: str) -> str:
    """The mark written after a start for its weakest confidence (c, s, i, r; – when nothing
    behind it is graded), in brackets."""
    mark = _MARKS[lang].get(confidence, _MARKS[lang][None])
    return f"[{mark}]" if lang == "zh" else f" [{mark}]"


def _start_text(episode: dict, lang: str, short: bool) -> str:
    """A start as a label: its date (with the precision word unless ``short``) and its mark."""
    shape = short_date if short else format_date
    when = shape(
        episode["start"],
        episode["start_precision"],
        lang,
        episode.get("start_earliest"),
        episode.get("start_latest"),
    )
    return when + confidence_mark(episode.get("confidence"), lang)


def caption(episodes: Sequence[dict], close_at_next: bool, lang: str, width: int = 120) -> str:
    """The note under a timeline: how precise the dates are, how an end that is not coded is
    drawn (left unknown, or closed at the next start as asked), and what the marks after the
    starts mean (the levels that occur, strongest first, by the ontology's labels); lines of
    about ``width`` Latin characters (half as many Chinese ones)."""
    words = _WORDS[lang]
    found = {e.get("confidence") for e in episodes if e.get("start")}
    levels: list[str | None] = [c for c in CONFIDENCES if c in found]
    if None in found:
        levels.append(None)
    marks = words["mark joiner"].join(
        words["mark"].format(
            mark=_MARKS[lang][level],
            word=_term(CONFIDENCE_IRIS[level], lang) if level else words["not graded"],
        )
        for level in levels
    )
    lines = [words["precision note"], words["ends closed" if close_at_next else "ends unknown"]]
    if marks:
        lines.append(words["marks"].format(marks=marks))
    return "\n".join(part for line in lines for part in _wrap(line, width))


def _wrap(line: str, width: int) -> list[str]:
    """A line broken at spaces or between Chinese characters into lines of about ``width``
    Latin characters, a Chinese character counting as two."""

    def size(part: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in part)

    lines: list[str] = []
    current = ""
    for token in _TOKENS.findall(line):
        if current and size(current + token.rstrip()) > width:
            lines.append(current.rstrip())
            current = token.lstrip()
        else:
            current += token
    return [*lines, current.rstrip()] if current.strip() else lines


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
        points.append((0.55 * math.cos(angle), 0.55 * math.sin(angle)))
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
    start), an unknown end of an episode that has a later one is a short stub (never past the
    next known start), and only the last episode, still open, runs to the axis's end. An end
    closed at the next start (``close_at_next``) comes as the episode's end. Dashed edges mark
    what is not known."""
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
        later = next((k for k in known[i + 1 :] if k is not None), None)
        if start is None:
            start = spans[-1].end if spans else (later or left + stub) - stub
        if episode["end"]:
            end, end_known = _date(episode["end"]), True
        elif i == len(episodes) - 1:
            end, end_known = right, True  # the last episode, still open: runs on (an arrow says so)
        else:
            end, end_known = start + stub, False
        drawn = max(end, start + 20)  # wide enough to see,
        if later is not None and start < later and (end <= later or not end_known):
            drawn = min(drawn, later)  # but neither a stub nor that width runs past the next start
        spans.append(_Span(episode, start, drawn, known[i] is not None, end_known))
    return spans


_Align = Literal["bottom", "top"]


@dataclass(frozen=True)
class _Label:
    """A start's label to place: its text, the day it names (x, data units) and the spots it
    may take, each (y, vertical alignment, the y of the bar's edge a leader line starts from)."""

    text: Text
    x: float
    spots: tuple[tuple[float, _Align, float], ...]


# display units (pixels at the figure's dpi, 100: a point is 1.4) kept clear beside and above
# or below every label
_PAD_X, _PAD_Y = 4.0, 1.0


def _clear_shift(box: Bbox, blocked: Sequence[Bbox], low: float, high: float) -> float | None:
    """The shift along x nearest to 0 (right first, then left) that keeps ``box`` within
    [low, high] and clear of every blocked box beside it; None when there is none."""
    spans = [
        (b.x0 - _PAD_X, b.x1 + _PAD_X)
        for b in blocked
        if b.y1 + _PAD_Y > box.y0 and b.y0 - _PAD_Y < box.y1 and b.x1 > b.x0
    ]
    width = box.width

    def clear(left: float) -> bool:
        return (
            low <= left
            and left + width <= high
            and all(left + width <= a or left >= b for a, b in spans)
        )

    rightward = sorted({box.x0} | {b for _, b in spans if b > box.x0})
    leftward = sorted({a - width for a, _ in spans if a - width < box.x0}, reverse=True)
    right = next((float(x - box.x0) for x in rightward if clear(x)), None)
    left = next((float(x - box.x0) for x in leftward if clear(x)), None)
    if right is None or (left is not None and -left < right / 4):  # left only when much nearer
        return left
    return right


def _place_labels(figure: Figure, ax: Axes, labels: Sequence[_Label]) -> None:
    """Put each label where it overlaps no other text, bar or label already placed, measured
    on the drawn figure: at its day above the bar, else below it, else as little to the side
    as will do (right before left), with a thin leader line back to its day. Labels are left
    out of the layout, so moving them does not move anything else."""
    if not labels:
        return
    for each in labels:
        each.text.set_in_layout(False)
    figure.canvas.draw()  # lays the figure out: every extent measured below is final
    own = {id(each.text) for each in labels}
    blocked = [
        t.get_window_extent()
        for t in figure.findobj(Text)
        if id(t) not in own and t.get_visible() and t.get_text().strip()
    ]
    blocked += [patch.get_window_extent() for patch in ax.patches]
    blocked += [
        legend.get_window_extent()
        for legend in [*figure.legends, ax.get_legend()]
        if legend is not None
    ]
    frame = figure.bbox
    to_data = ax.transData.inverted()
    for each in sorted(labels, key=lambda lb: lb.x):
        best: tuple[float, int, float, tuple[float, _Align, float], Bbox] | None = None
        for order, spot in enumerate(each.spots):
            each.text.set_position((each.x, spot[0]))
            each.text.set_verticalalignment(spot[1])
            box = each.text.get_window_extent()
            if box.y0 < frame.y0 or box.y1 > frame.y1:
                continue
            shift = _clear_shift(box, blocked, frame.x0, frame.x1)
            if shift is not None and (best is None or (abs(shift), order) < best[:2]):
                best = (abs(shift), order, shift, spot, box)
        if best is None:  # nowhere clear (never seen): leave it at its day, above the bar
            y, va, _edge = each.spots[0]
            each.text.set_position((each.x, y))
            each.text.set_verticalalignment(va)
            blocked.append(each.text.get_window_extent())
            continue
        _distance, _order, shift, (y, va, edge), box = best
        anchor = ax.transData.transform((each.x, y))
        x = float(to_data.transform((anchor[0] + shift, anchor[1]))[0])
        each.text.set_position((x, y))
        each.text.set_verticalalignment(va)
        blocked.append(Bbox.from_extents(box.x0 + shift, box.y0, box.x1 + shift, box.y1))
        if abs(shift) > _PAD_X:
            (leader,) = ax.plot([each.x, x], [edge, y], color=_INK, lw=0.5, solid_capstyle="butt")
            leader.set_in_layout(False)


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


def _draw_timeline(ax: Axes, data: dict, lang: str) -> list[_Label]:
    """The case's episodes one a row; the start labels are returned to be placed once the
    figure is laid out (:func:`_place_labels`)."""
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
        return []
    ax.set_xlabel(
        caption(episodes, data.get("close_at_next", False), lang, width=66), fontsize=8, loc="left"
    )
    left, right = _time_limits(dates)
    ax.set_xlim(left, right)
    _year_axis(ax)
    spans = {id(span.episode): span for span in _episode_spans(episodes, left, right)}
    labels: list[_Label] = []
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
        text = _start_text(episode, lang, short=False)
        if episode["open"]:
            text += " →"
        label = ax.text(start, row - 0.27, text, ha="left", va="bottom", fontsize=8)
        labels.append(
            _Label(
                label, start, ((row - 0.27, "bottom", row - 0.22), (row + 0.27, "top", row + 0.22))
            )
        )
        if not episode["follows_theory"]:
            ax.text(end, row, " " + words["out of order"], va="center", fontsize=8)
    return labels


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
        timeline = right.subplots()
        labels = _draw_timeline(timeline, data, lang)
        right.suptitle(
            words["timeline"].format(city=city), x=0.02, ha="left", fontweight="bold", fontsize=11
        )
        _place_labels(figure, timeline, labels)
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
        labels: list[_Label] = []
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
            for span in spans:
                episode, start, end = span.episode, span.start, span.end
                stage = episode["stage"] or "startup"
                _stage_bar(ax, stage, start, end, row, 0.56, span.start_known and span.end_known)
                label = ax.text(
                    start,
                    row - 0.33,
                    _start_text(episode, lang, short=True),
                    ha="left",
                    va="bottom",
                    fontsize=8,
                )
                spots: tuple[tuple[float, _Align, float], ...] = (
                    (row - 0.33, "bottom", row - 0.28),
                    (row + 0.33, "top", row + 0.28),
                )
                labels.append(_Label(label, start, spots))
        figure.legend(  # under the caption: the layout keeps the two apart
            handles=[
                Patch(
                    facecolor=_FILL[s], edgecolor=_INK, hatch=_HATCH[s], label=stage_label(s, lang)
                )
                for s in STAGES
            ],
            loc="outside lower center",
            ncol=4,
            frameon=False,
            handlelength=2.6,
            handleheight=1.4,
        )
        ax.set_title(words["compare"], loc="left", fontweight="bold")
        episodes = [e for c in cases for e in c["episodes"]]
        closed = any(c.get("close_at_next", False) for c in cases)
        ax.set_xlabel(caption(episodes, closed, lang, width=136), fontsize=8, loc="left")
        _place_labels(figure, ax, labels)
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
