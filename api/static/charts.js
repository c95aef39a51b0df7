// Pictures drawn as plain SVG: the flywheel (stages around a ring, the data loop inside), a
// city's timeline and the cities' stage timelines on one axis. Every picture has a text
// alternative; the same facts are also written out as lists and tables next to it.

import { t, label } from "./i18n.js";

const SVG = "http://www.w3.org/2000/svg";
export const STAGE_CLASS = ["", "s1", "s2", "s3", "s4"];

/** An SVG element with attributes and children. */
export function svg(name, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attrs)) {
    if (value != null && value !== false) node.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child == null) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

/** The date as the source gives it: 2016-04-01 with month precision is "2016-04"; a date
 * known only as a bound is "≤2020-03-31" (on or before) or "≥2020-01-01" (on or after). */
export function formatDate(date, precision) {
  if (!date || precision === "unknown") return null;
  const text = String(date).slice(0, 10);
  if (precision === "year") return text.slice(0, 4);
  if (precision === "month") return text.slice(0, 7);
  if (precision === "on or before") return `≤${text}`;
  if (precision === "on or after") return `≥${text}`;
  return text;
}

/** Whether a stage's end is unknown though a later stage exists: not coded ("unknown"), or
 * the next stage's start as asked ("next episode") when that start is unknown too. */
export function endUnknown(end, endBasis) {
  return !end && (endBasis === "unknown" || endBasis === "next episode");
}

/** The first start after `start` (fractional years) among `starts`, or null: where a stage
 * whose end is not coded is drawn to, fading out, so it never runs over the stages after it. */
export function nextStartAfter(start, starts) {
  const later = starts.filter((s) => s > start);
  return later.length ? Math.min(...later) : null;
}

/** A horizontal gradient from a stage's colour to nearly nothing (an end not known). */
function fade(defs, id, cls) {
  defs.append(svg("linearGradient", { id, x1: 0, x2: 1, y1: 0, y2: 0 },
    svg("stop", { offset: "0%", class: `stop ${cls}` }),
    svg("stop", { offset: "100%", class: `stop end ${cls}` })));
  return `url(#${id})`;
}

/** A date as a fractional year (2016-07-02 → 2016.5), for placing it on an axis. */
export function yearOf(date) {
  const [y, m, d] = String(date).slice(0, 10).split("-").map(Number);
  const start = Date.UTC(y, 0, 1);
  const next = Date.UTC(y + 1, 0, 1);
  return y + (Date.UTC(y, (m || 1) - 1, d || 1) - start) / (next - start);
}

/** How long a date of this precision may stretch: a month, a year, or nothing. */
function spanOf(precision) {
  return precision === "year" ? 1 : precision === "month" ? 1 / 12 : 0;
}

function arcPath(cx, cy, r, a0, a1, reverse = false) {
  const p = (a) => [cx + r * Math.cos(a), cy + r * Math.sin(a)];
  const [x0, y0] = p(reverse ? a1 : a0);
  const [x1, y1] = p(reverse ? a0 : a1);
  const large = Math.abs(a1 - a0) > Math.PI ? 1 : 0;
  return `M${x0.toFixed(2)},${y0.toFixed(2)} A${r},${r} 0 ${large} ${reverse ? 0 : 1} ${x1.toFixed(2)},${y1.toFixed(2)}`;
}

function ringSegment(cx, cy, r0, r1, a0, a1) {
  const p = (r, a) => `${(cx + r * Math.cos(a)).toFixed(2)},${(cy + r * Math.sin(a)).toFixed(2)}`;
  const large = a1 - a0 > Math.PI ? 1 : 0;
  return `M${p(r1, a0)} A${r1},${r1} 0 ${large} 1 ${p(r1, a1)} L${p(r0, a1)} A${r0},${r0} 0 ${large} 0 ${p(r0, a0)} Z`;
}

let uid = 0;

/**
 * The flywheel: `stages` is [{order, label, dates, coded}] for the four stages, `steps` the
 * loop steps [{label, evidenced}] in order, `closed` whether the loop is closed.
 */
export function drawWheel({ stages, steps, closed, centre, title, lang }) {
  const id = `wheel${++uid}`;
  const c = 230;
  const R1 = 214;
  const R0 = 146;
  const gap = 0.035;
  const root = svg("svg", {
    viewBox: "0 0 460 460", class: "wheel", role: "img", "aria-labelledby": `${id}-t`,
  }, svg("title", { id: `${id}-t` }, title));
  const defs = svg("defs", {},
    svg("marker", { id: `${id}-arrow`, viewBox: "0 0 10 10", refX: 8, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" },
      svg("path", { d: "M0,1 L9,5 L0,9 z", class: "arrowhead" })),
    svg("marker", { id: `${id}-arrow-open`, viewBox: "0 0 10 10", refX: 8, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" },
      svg("path", { d: "M0,1 L9,5 L0,9 z", class: "arrowhead open" })),
  );
  root.append(defs);

  stages.forEach((stage, i) => {
    const a0 = -Math.PI / 2 + (i * Math.PI) / 2 + gap;
    const a1 = a0 + Math.PI / 2 - 2 * gap;
    const bottom = i === 1 || i === 2;
    const group = svg("g", { class: `stage ${STAGE_CLASS[stage.order] || ""} ${stage.coded ? "" : "uncoded"}` });
    group.append(svg("path", { d: ringSegment(c, c, R0, R1, a0, a1), class: "segment" }));
    const lines = [`${stage.order}  ${stage.label}`, stage.dates];
    const radii = bottom ? [R0 + 26, R0 + 48] : [R1 - 24, R1 - 46];
    lines.forEach((text, k) => {
      const pathId = `${id}-s${i}-${k}`;
      defs.append(svg("path", { id: pathId, d: arcPath(c, c, radii[k], a0, a1, bottom) }));
      group.append(svg("text", { class: k === 0 ? "stage-label" : "stage-date", lang },
        svg("textPath", { href: `#${pathId}`, startOffset: "50%", "text-anchor": "middle" }, text)));
    });
    root.append(group);
  });
  // Arrows in the gaps: the wheel turns clockwise.
  for (let i = 0; i < 4; i++) {
    const a = -Math.PI / 2 + (i * Math.PI) / 2;
    root.append(svg("path", { d: arcPath(c, c, R1 + 9, a - 0.09, a + 0.09), class: "turn", "marker-end": `url(#${id}-arrow)` }));
  }

  // The data loop: five steps round an inner circle.
  const r = 88;
  const n = steps.length || 5;
  const at = (k) => -Math.PI / 2 + (2 * Math.PI * k) / n;
  steps.forEach((step, k) => {
    const a = at(k);
    const b = at(k + 1);
    const last = k === n - 1;
    const solid = last ? closed : step.evidenced && steps[(k + 1) % n].evidenced;
    root.append(svg("path", {
      d: arcPath(c, c, r, a + 0.26, b - 0.26),
      class: `loop-arrow ${solid ? "" : "faint"} ${last ? "closing" : ""}`,
      "marker-end": `url(#${id}-arrow${solid ? "" : "-open"})`,
    }));
  });
  steps.forEach((step, k) => {
    const a = at(k);
    const x = c + r * Math.cos(a);
    const y = c + r * Math.sin(a);
    const g = svg("g", { class: `step ${step.evidenced ? "evidenced" : "missing"}` });
    g.append(svg("circle", { cx: x.toFixed(1), cy: y.toFixed(1), r: 17 }));
    g.append(svg("text", { x: x.toFixed(1), y: (y + 4.5).toFixed(1), class: "step-num", "text-anchor": "middle" }, String(k + 1)));
    g.append(svg("text", {
      x: x.toFixed(1), y: (y + 31).toFixed(1), class: "step-label", "text-anchor": "middle", lang,
    }, step.label));
    root.append(g);
  });
  root.append(svg("text", { x: c, y: c + 2, class: `centre ${closed ? "closed" : "open"}`, "text-anchor": "middle", lang }, centre[0]));
  if (centre[1]) root.append(svg("text", { x: c, y: c + 20, class: "centre-sub", "text-anchor": "middle", lang }, centre[1]));
  return root;
}

function niceYears(lo, hi) {
  const start = Math.floor(lo);
  const end = Math.max(Math.ceil(hi), start + 1);
  const span = end - start;
  const step = span > 24 ? 5 : span > 12 ? 2 : 1;
  const ticks = [];
  for (let y = start; y <= end; y += step) ticks.push(y);
  return { start, end, ticks };
}

function axis(group, scale, ticks, top, bottom, x0, x1) {
  for (const year of ticks) {
    const x = scale(year);
    if (x < x0 - 0.5 || x > x1 + 0.5) continue;
    group.append(svg("line", { x1: x, x2: x, y1: top, y2: bottom, class: "grid" }));
    group.append(svg("text", { x, y: bottom + 16, class: "tick", "text-anchor": "middle" }, String(year)));
  }
}

/**
 * A city's timeline: `rows` are dated episodes [{order, label, start, startPrecision, end,
 * endPrecision, endBasis, dateText, extra, actions: [{date, precision, title}]}]. An episode
 * whose end is unknown though a later one exists (endUnknown) fades out at the next episode's
 * start; only one with no end and no later episode ("open") fades to the axis's end.
 */
export function drawTimeline({ rows, title, lang }) {
  const id = `tl${++uid}`;
  const left = 190;
  const width = 920;
  const right = 24;
  const rowH = 44;
  const top = 12;
  const dates = [];
  for (const row of rows) {
    dates.push(yearOf(row.start), yearOf(row.start) + spanOf(row.startPrecision));
    if (row.end) dates.push(yearOf(row.end) + spanOf(row.endPrecision));
    for (const a of row.actions) dates.push(yearOf(a.date) + spanOf(a.precision));
  }
  const { start, end, ticks } = niceYears(Math.min(...dates), Math.max(...dates) + 0.25);
  const scale = (y) => left + ((y - start) / (end - start)) * (width - left - right);
  const height = top + rows.length * rowH + 30;
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "timeline", role: "img", "aria-labelledby": `${id}-t` },
    svg("title", { id: `${id}-t` }, title));
  const defs = svg("defs", {});
  root.append(defs);
  axis(root, scale, ticks, top - 4, top + rows.length * rowH + 2, left, width - right);
  const starts = rows.map((row) => yearOf(row.start));
  rows.forEach((row, i) => {
    const y = top + i * rowH;
    const cls = STAGE_CLASS[row.order] || "";
    const g = svg("g", { class: `episode ${cls}` });
    g.append(svg("text", { x: left - 12, y: y + rowH / 2 + 4, class: "row-label", "text-anchor": "end", lang }, row.label));
    const s0 = scale(yearOf(row.start));
    const s1 = scale(yearOf(row.start) + spanOf(row.startPrecision));
    // an end not coded: up to the next start (a short stub when no later start is dated)
    const unknownEnd = endUnknown(row.end, row.endBasis);
    const next = unknownEnd ? nextStartAfter(yearOf(row.start), starts) : null;
    const until = row.end ? yearOf(row.end) : unknownEnd ? next ?? yearOf(row.start) + 0.25 : end;
    const e = row.end || unknownEnd ? scale(until) : width - right;
    const barY = y + 10;
    const barH = rowH - 20;
    if (s1 > s0) g.append(svg("rect", { x: s0, y: barY, width: Math.max(s1 - s0, 1), height: barH, class: "bar fuzzy" },
      svg("title", {}, t(lang, "precision", { p: t(lang, `precision.${row.startPrecision}`) }))));
    const from = Math.min(s1, e);
    const wide = Math.max(e - from, 2);
    if (row.end) {
      g.append(svg("rect", { x: from, y: barY, width: wide, height: barH, class: "bar" },
        svg("title", {}, `${row.label}: ${row.dateText}${row.extra || ""}`)));
    } else if (unknownEnd) {
      g.append(svg("rect", { x: from, y: barY, width: wide, height: barH, class: "bar unknown-end", fill: fade(defs, `${id}-g${i}`, cls) },
        svg("title", {}, `${row.label}: ${row.dateText} (${t(lang, "timeline.unknownEnd")})${row.extra || ""}`)));
    } else {
      g.append(svg("rect", { x: from, y: barY, width: wide, height: barH, class: "bar open", fill: fade(defs, `${id}-g${i}`, cls) },
        svg("title", {}, `${row.label}: ${row.dateText} (${t(lang, "timeline.open")})${row.extra || ""}`)));
    }
    // An event is drawn in its stage's bar: in the middle of the part of its date's span (a
    // year, a month, a day) that the stage covers, or at the bar's nearer end.
    const barFrom = yearOf(row.start);
    const barTo = until;
    for (const action of row.actions) {
      const from = yearOf(action.date);
      const to = from + spanOf(action.precision);
      const lo = Math.max(from, barFrom);
      const hi = Math.min(to, barTo);
      const at = lo <= hi ? (lo + hi) / 2 : Math.min(Math.max((from + to) / 2, barFrom), barTo);
      const ax = scale(at);
      const ay = barY + barH / 2;
      const mark = action.kind === "flow"
        ? svg("circle", { cx: ax, cy: ay, r: 5.5, class: "flow", tabindex: 0 })
        : svg("path", { d: `M${ax},${ay - 7} L${ax + 7},${ay} L${ax},${ay + 7} L${ax - 7},${ay} Z`, class: "action", tabindex: 0 });
      mark.append(svg("title", {}, action.title));
      g.append(mark);
    }
    root.append(g);
  });
  return root;
}

/**
 * The cities' stages on one axis: `rows` are [{city, stages: [{order, label, start,
 * startPrecision, end, endPrecision, endBasis, dateText, about}]}] with only dated stages
 * (`about`: how sure the start is and where the end comes from, in words, for the tooltip).
 * A stage whose end is unknown though a later one exists (endUnknown) fades out at the row's
 * next start (a short stub when no later start is dated), never over the bars after it; only
 * the last, open one runs to the axis's end.
 */
export function drawCompare({ rows, legend, title, lang }) {
  const id = `cmp${++uid}`;
  const left = 170;
  const width = 920;
  const right = 24;
  const rowH = 40;
  const top = 40;
  const dates = [];
  for (const row of rows) {
    for (const s of row.stages) {
      dates.push(yearOf(s.start));
      if (s.end) dates.push(yearOf(s.end));
    }
  }
  const root = svg("svg", { class: "compare", role: "img", "aria-labelledby": `${id}-t` }, svg("title", { id: `${id}-t` }, title));
  const defs = svg("defs", {});
  root.append(defs);
  let lx = left;
  for (const item of legend) {
    const g = svg("g", { class: `legend ${STAGE_CLASS[item.order]}` });
    g.append(svg("rect", { x: lx, y: 8, width: 14, height: 14, rx: 3, class: "swatch" }));
    const text = svg("text", { x: lx + 20, y: 20, class: "legend-label", lang }, item.label);
    g.append(text);
    root.append(g);
    lx += 28 + item.label.length * (lang === "zh" ? 13 : 7.2);
  }
  const hasDates = dates.length > 0;
  const { start, end, ticks } = hasDates ? niceYears(Math.min(...dates), Math.max(...dates) + 1) : niceYears(2000, 2001);
  const scale = (y) => left + ((y - start) / (end - start)) * (width - left - right);
  const height = top + rows.length * rowH + 30;
  root.setAttribute("viewBox", `0 0 ${width} ${height}`);
  if (hasDates) axis(root, scale, ticks, top - 4, top + rows.length * rowH + 2, left, width - right);
  rows.forEach((row, i) => {
    const y = top + i * rowH;
    const g = svg("g", { class: "city-row", "data-row": i });
    root.append(g);
    g.append(svg("text", { x: left - 12, y: y + rowH / 2 + 4, class: "row-label", "text-anchor": "end", lang }, row.city));
    if (!row.stages.length) {
      g.append(svg("text", { x: left + 8, y: y + rowH / 2 + 4, class: "none" }, t(lang, "compare.undated")));
    }
    const starts = row.stages.map((s) => yearOf(s.start));
    row.stages.forEach((s, k) => {
      const x0 = scale(yearOf(s.start));
      const unknownEnd = endUnknown(s.end, s.endBasis);
      const next = unknownEnd ? nextStartAfter(yearOf(s.start), starts) : null;
      const x1 = s.end ? scale(yearOf(s.end))
        : unknownEnd ? (next != null ? scale(next) : Math.min(scale(yearOf(s.start) + 0.25), width - right))
          : width - right;
      const kind = s.end ? "" : unknownEnd ? "unknown-end" : "open";
      const fill = unknownEnd ? fade(defs, `${id}-r${i}-${k}`, STAGE_CLASS[s.order]) : null;
      const rect = svg("rect", {
        x: x0, y: y + 8, width: next != null ? Math.max(x1 - x0, 0) : Math.max(x1 - x0, 3), height: rowH - 16,
        class: `bar ${STAGE_CLASS[s.order]} ${kind}`, fill,
      }, svg("title", {}, `${row.city} · ${s.label}: ${s.dateText}${s.about ? ` · ${s.about}` : ""}`));
      g.append(rect);
      const text = formatDate(s.start, s.startPrecision);
      if (x1 - x0 > text.length * 7.2 + 12) {
        g.append(svg("text", { x: x0 + 6, y: y + rowH / 2 + 4, class: "bar-text" }, text));
      }
    });
  });
  return root;
}

export { label };
