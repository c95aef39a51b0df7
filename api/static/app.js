// The page: reads the API's JSON resources and draws the cases, a city's flywheel and
// timeline, the comparison of cities, and a SPARQL box. Addresses are relative to the page,
// and nothing is fetched from any other host.

import { t, label, LANGS } from "./i18n.js";
import { drawWheel, drawTimeline, drawCompare, formatDate, endUnknown, STAGE_CLASS } from "./charts.js";

const STAGE_ORDER = { StartupStage: 1, RotationStage: 2, AccelerationStage: 3, InertiaStage: 4 };
const STAGE_KEYS = ["startup", "rotation", "acceleration", "inertia"];

const state = {
  lang: "en",
  cases: [],
  caseId: null,
  flywheel: null,
  timeline: null,
  actors: null,
  compare: null,
  closeAtNext: false, // close ends not coded at the next stage's start (the checkbox)
  caseClosed: false, // what the case's resources were asked with
  compareClosed: false, // and the comparison
  casesLoaded: false, // until the list arrives, the page says it is loading, not "no cases"
  names: {}, // labels seen in any answer, by the IRI's local name (for stages, logics)
};

const $ = (id) => document.getElementById(id);

/** An HTML element with attributes and children. */
function h(name, attrs = {}, ...children) {
  const node = document.createElement(name);
  for (const [key, value] of Object.entries(attrs)) {
    if (value == null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child == null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

const tr = (key, vars) => t(state.lang, key, vars);
const L = (value, fallback = "") => label(value, state.lang, fallback);
/** The label of a node that carries `labels: {en, zh}` next to a plain `label`. */
const Lo = (node, fallback = "") => label(node?.labels ?? node?.label, state.lang, fallback);
const localName = (iri) => String(iri ?? "").split(/[#/]/).pop();

function remember(...items) {
  for (const item of items) {
    if (item && typeof item === "object" && item.iri && item.label) state.names[localName(item.iri)] = item.label;
  }
}

function nameOf(local, fallback) {
  return state.names[local] ? L(state.names[local]) : fallback;
}

// ---------------------------------------------------------------------------------------
// Talking to the API

class ApiError extends Error {}

async function problemText(response) {
  const type = response.headers.get("content-type") || "";
  if (type.includes("json")) {
    try {
      const body = await response.json();
      return body.detail || body.title || `${response.status} ${response.statusText}`;
    } catch { /* fall through */ }
  }
  const text = (await response.text().catch(() => "")).trim();
  return text ? text.slice(0, 2000) : `${response.status} ${response.statusText}`;
}

/** fetch, asking once more after Retry-After when the server is busy (503). */
async function patientFetch(path, options) {
  const response = await fetch(path, options);
  const wait = Number(response.headers.get("retry-after"));
  if (response.status !== 503 || !(wait >= 0 && wait <= 10)) return response;
  await new Promise((resolve) => setTimeout(resolve, wait * 1000 + 100));
  return fetch(path, options);
}

async function getJSON(path) {
  const response = await patientFetch(path, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new ApiError(await problemText(response));
  return response.json();
}

function setStatus(text, error = false) {
  const node = $("status");
  node.textContent = text || "";
  node.classList.toggle("error", error);
}

function busy(id, on) {
  $(id).setAttribute("aria-busy", on ? "true" : "false");
}

// ---------------------------------------------------------------------------------------
// Dates

/** A stage's dates in words; an end not known though a later stage exists (`endBasis`
 * "unknown", or "next episode" when that start is unknown) is said to be so, not read as a
 * stage still going on. */
function dateText(start, startPrecision, end, endPrecision, endBasis) {
  const a = formatDate(start, startPrecision);
  const b = formatDate(end, endPrecision);
  if (!a && !b) return tr("date.unknown");
  if (a && b) return tr("date.range", { a, b });
  if (a) return tr(endUnknown(end, endBasis) ? "date.fromUnknownEnd" : "date.from", { d: a });
  return `${tr("date.unknown")}, ${tr("date.until", { d: b })}`;
}

/** The precision of a stage's dates, start and end: "precision: start month, end day". */
function precisionTag(startPrecision, end, endPrecision, endBasis) {
  const a = tr(`precision.${startPrecision || "unknown"}`);
  const text = end
    ? tr("precision.both", { a, b: tr(`precision.${endPrecision || "unknown"}`) })
    : tr(endUnknown(end, endBasis) ? "precision.unknownEnd" : "precision.open", { a });
  return h("span", { class: `precision p-${startPrecision || "unknown"}` }, text);
}

/** A confidence level (confirmed, suspected, inferred, reported) by the ontology's label. */
function confidenceName(word) {
  if (!word) return tr("confidence.none");
  return nameOf(`${word.charAt(0).toUpperCase()}${word.slice(1)}`, word);
}

/** How sure a stage's start is and where its end comes from, in words (for tooltips). */
function aboutStage(confidence, endBasis) {
  const parts = [tr("confidence", { c: confidenceName(confidence) })];
  if (endBasis) parts.push(tr(`basis.${endBasis}`));
  return parts.join(" · ");
}

/** The sentence saying how ends not coded are shown, in the section `id`. */
function endsNote(id, closed) {
  const node = $(id);
  node.textContent = tr(closed ? "close.on" : "close.off");
  node.classList.toggle("closed", closed);
}

const closeQuery = (closed) => (closed ? "?close_at_next=true" : "");

/** The logic that led a stage, or those that tied for most actions. */
function logicText(ep) {
  if (ep.logic) return L(ep.logic.label, localName(ep.logic.iri));
  const tied = (ep.logics || []).map((lg) => L(lg.label, localName(lg.iri)));
  return tied.length ? tr("stage.tied", { list: tied.join(" + ") }) : null;
}

// ---------------------------------------------------------------------------------------
// Cases

function caseCity(item) {
  return L(item.city_labels ?? item.city_label, "") || L(item.labels ?? item.label, "") || item.id;
}

// Labels the resources give in English only or as plain words: the case's and its city's
// Chinese labels (in the case's graph) and the theory's terms (stages, logics, …), in one query.
const LABELS = `PREFIX fw: <https://w3id.org/dataflywheel/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?case ?study ?city ?term ?label WHERE {
  {
    GRAPH ?case { ?s a fw:CaseStudy ; fw:studiesCity ?c ; rdfs:label ?study . ?c rdfs:label ?city . }
    FILTER (lang(?study) = lang(?city))
  } UNION {
    VALUES ?type { fw:FlywheelStage fw:InstitutionalLogic fw:LoopStep fw:DrivingMechanism fw:ConfidenceLevel }
    { ?term a ?type ; rdfs:label ?label } UNION { GRAPH ?g { ?term a ?type ; rdfs:label ?label } }
  }
}`;

async function loadLabels() {
  let bindings = [];
  try {
    bindings = (await sparql(LABELS)).results?.bindings || [];
  } catch {
    return; // the English names and plain words stay
  }
  const terms = {};
  for (const b of bindings) {
    if (b.term) {
      const lang = b.label?.["xml:lang"];
      if (LANGS.includes(lang)) (terms[localName(b.term.value)] ??= {})[lang] = b.label.value;
      continue;
    }
    const item = state.cases.find((c) => c.iri === b.case?.value);
    const lang = b.city?.["xml:lang"];
    if (!item || !LANGS.includes(lang)) continue;
    if (typeof item.city_label === "string" || item.city_label == null) {
      item.city_labels ??= { en: item.city_label };
      item.city_labels[lang] = b.city.value;
    }
    if (typeof item.label === "string" || item.label == null) {
      item.labels ??= { en: item.label };
      item.labels[lang] = b.study.value;
    }
  }
  for (const [name, labels] of Object.entries(terms)) state.names[name] ??= labels;
}

function renderCases() {
  const list = $("case-list");
  list.replaceChildren();
  if (!state.casesLoaded) {
    list.append(h("li", { class: "hint loading" }, tr("status.loading")));
    return;
  }
  if (!state.cases.length) {
    list.append(h("li", { class: "hint" }, tr("cases.none")));
    return;
  }
  for (const item of state.cases) {
    const chosen = item.id === state.caseId;
    list.append(h("li", {},
      h("button", {
        type: "button", class: "case-card", "aria-pressed": chosen ? "true" : "false",
        "data-case": item.id, onclick: () => chooseCase(item.id, true),
      },
      h("span", { class: "case-city" }, caseCity(item)),
      h("span", { class: "case-label" }, L(item.labels ?? item.label, item.iri)),
      h("span", { class: "case-meta" },
        tr("cases.triples", { n: Number(item.triples ?? 0).toLocaleString(state.lang === "zh" ? "zh-CN" : "en") }),
        item.synthetic ? h("span", { class: "tag" }, tr("cases.synthetic")) : null))));
  }
}

async function chooseCase(id, scroll = false) {
  state.caseId = id;
  saveUrl();
  renderCases();
  for (const s of ["flywheel", "timeline"]) busy(s, true);
  setStatus(tr("status.loading"));
  const base = `cases/${encodeURIComponent(id)}`;
  const closed = state.closeAtNext;
  try {
    const [flywheel, timeline, actors] = await Promise.all([
      getJSON(`${base}/flywheel${closeQuery(closed)}`), getJSON(`${base}/timeline${closeQuery(closed)}`),
      getJSON(`${base}/actors`),
    ]);
    // another city was chosen meanwhile, or the ends are now asked for the other way
    if (state.caseId !== id || state.closeAtNext !== closed) return;
    Object.assign(state, { flywheel, timeline, actors, caseClosed: closed });
    for (const ep of [...(flywheel.stages || []), ...(timeline.episodes || [])]) {
      remember({ iri: ep.stage, label: ep.stage_label }, ep.mechanism, ep.logic);
    }
    setStatus("");
    renderCase();
    if (scroll) $("flywheel").scrollIntoView({ behavior: "smooth", block: "start" });
  } catch (error) {
    setStatus(tr("status.error", { what: id, detail: error.message }), true);
  } finally {
    for (const s of ["flywheel", "timeline"]) busy(s, false);
  }
}

function currentCase() {
  return state.cases.find((c) => c.id === state.caseId);
}

function renderCase() {
  if (!state.flywheel) return;
  const city = currentCase() ? caseCity(currentCase()) : state.caseId;
  for (const id of ["flywheel-city", "timeline-city"]) $(id).textContent = `: ${city}`;
  $("flywheel").dataset.case = state.caseId;
  $("timeline").dataset.case = state.caseId;
  $("timeline").dataset.closeAtNext = String(state.caseClosed);
  endsNote("timeline-ends", state.caseClosed);
  renderWheel(city);
  renderStages();
  renderLoop();
  renderActors();
  renderTimeline(city);
}

// ---------------------------------------------------------------------------------------
// The flywheel

function episodesByOrder(episodes) {
  return [1, 2, 3, 4].map((order) => episodes.filter((e) => Number(e.order) === order));
}

function episodeDates(ep) {
  return dateText(ep.start, ep.start_precision, ep.end, ep.end_precision, ep.end_basis);
}

function closedText(fw) {
  if (!fw.loop_closed) return tr("loop.open");
  const since = formatDate(fw.closed_since, fw.closed_since_precision);
  return since ? tr("loop.closed.since", { d: since }) : tr("loop.closed.undated");
}

function renderWheel(city) {
  const fw = state.flywheel;
  const groups = episodesByOrder(fw.stages || []);
  const stages = groups.map((eps, i) => {
    const first = eps[0];
    const key = Object.keys(STAGE_ORDER)[i];
    const dates = first ? episodeDates(first) + (eps.length > 1 ? ` (+${eps.length - 1})` : "") : tr("stage.notcoded");
    return {
      order: i + 1,
      coded: Boolean(first),
      label: first ? L(first.stage_label) : nameOf(key, STAGE_KEYS[i]),
      dates,
    };
  });
  const steps = [...(fw.steps || [])].sort((a, b) => a.order - b.order)
    .map((s) => ({ label: L(s.label, localName(s.step)), evidenced: Boolean(s.evidenced) }));
  const since = formatDate(fw.closed_since, fw.closed_since_precision);
  const centre = fw.loop_closed
    ? [tr("loop.center.closed"), since ? tr("date.from", { d: since }) : tr("date.unknown")]
    : [tr("loop.center.open"), null];
  $("wheel").replaceChildren(drawWheel({
    stages, steps, closed: Boolean(fw.loop_closed), centre, lang: state.lang,
    title: `${tr("flywheel.wheel", { city })}. ${stages.map((s) => `${s.order}. ${s.label}: ${s.dates}`).join("; ")}. ${closedText(fw)}.`,
  }));
}

function renderStages() {
  const list = $("stage-list");
  list.replaceChildren();
  const episodes = [...(state.flywheel.stages || [])].sort(
    (a, b) => (a.sequence ?? a.order) - (b.sequence ?? b.order) || a.order - b.order);
  for (const ep of episodes) {
    const actors = (ep.actors || []).map((a) => Lo(a, localName(a.iri)));
    list.append(h("li", { class: `stage-item ${STAGE_CLASS[ep.order] || ""}`, "data-stage": localName(ep.stage) },
      h("div", { class: "stage-head" },
        h("span", { class: "badge" }, String(ep.order ?? "?")),
        h("span", { class: "stage-name" }, L(ep.stage_label, localName(ep.stage)))),
      h("dl", { class: "facts" },
        h("dt", {}, tr("stage.dates")),
        h("dd", {},
          h("span", { class: "dates" }, episodeDates(ep)), " ",
          ep.start || ep.end ? precisionTag(ep.start_precision, ep.end, ep.end_precision, ep.end_basis) : null,
          ep.end_inferred && ep.end ? h("span", { class: "note" }, tr("date.inferred")) : null),
        ep.start ? [h("dt", {}, tr("stage.confidence")), h("dd", { class: "confidence" }, confidenceName(ep.confidence))] : null,
        ep.mechanism ? [h("dt", {}, tr("stage.mechanism")), h("dd", {}, L(ep.mechanism.label, localName(ep.mechanism.iri)))] : null,
        logicText(ep) ? [h("dt", {}, tr("stage.logic")), h("dd", { class: "logic" }, logicText(ep))] : null,
        actors.length ? [h("dt", {}, tr("stage.actors")), h("dd", {}, actors.join("; "))] : null)));
  }
}

function renderLoop() {
  const fw = state.flywheel;
  const node = $("loop-status");
  node.textContent = closedText(fw);
  node.className = `loop-status ${fw.loop_closed ? "closed" : "open"}`;
  const list = $("step-list");
  list.replaceChildren();
  for (const step of [...(fw.steps || [])].sort((a, b) => a.order - b.order)) {
    const flows = Number(step.flows || 0);
    list.append(h("li", { class: step.evidenced ? "evidenced" : "missing" },
      h("span", { class: "step-name" }, L(step.label, localName(step.step))),
      h("span", { class: "step-state" },
        step.evidenced ? tr("loop.evidenced") : tr("loop.notevidenced"),
        flows ? ` · ${flows === 1 ? tr("loop.flow1") : tr("loop.flows", { n: flows })}` : "")));
  }
}

function stageOrderOf(stage) {
  return STAGE_ORDER[localName(stage?.iri ?? stage)] ?? 9;
}

function renderActors() {
  const box = $("actors");
  const actors = state.actors?.actors || [];
  if (!actors.length) {
    box.replaceChildren(h("p", { class: "hint" }, tr("actors.none")));
    return;
  }
  const stageCols = [1, 2, 3, 4].map((order) => {
    const key = Object.keys(STAGE_ORDER)[order - 1];
    return { order, label: nameOf(key, STAGE_KEYS[order - 1]) };
  });
  const head = h("tr", {}, h("th", { scope: "col" }, tr("actors.actor")),
    stageCols.map((s) => h("th", { scope: "col", class: `stage-col ${STAGE_CLASS[s.order]}` }, s.label)));
  const rows = actors.map((actor) => {
    const cells = stageCols.map((s) => {
      const here = (actor.stages || []).filter((st) => stageOrderOf(st.stage) === s.order);
      const logics = here.flatMap((st) => st.logics || []);
      return h("td", {}, logics.map((lg) => h("div", { class: "logic" },
        L(lg.label, localName(lg.iri)),
        lg.actions ? h("span", { class: "count" }, ` · ${lg.actions === 1 ? tr("actors.action1") : tr("actors.actions", { n: lg.actions })}`) : null)));
    });
    return h("tr", {},
      h("th", { scope: "row" }, Lo(actor, localName(actor.actor)),
        actor.kind ? h("div", { class: "kind" }, L(actor.kind.label ?? actor.kind, localName(actor.kind.iri))) : null),
      cells);
  });
  box.replaceChildren(h("table", { class: "data actors" }, h("thead", {}, head), h("tbody", {}, rows)));
}

// ---------------------------------------------------------------------------------------
// The timeline

function renderTimeline(city) {
  const episodes = [...(state.timeline?.episodes || [])].sort(
    (a, b) => (a.sequence ?? a.order) - (b.sequence ?? b.order) || a.order - b.order);
  const dated = episodes.filter((e) => e.start);
  const undated = episodes.filter((e) => !e.start);
  const chart = $("timeline-chart");
  if (dated.length) {
    chart.replaceChildren(drawTimeline({
      lang: state.lang,
      title: tr("timeline.chart", { city }),
      rows: dated.map((ep) => ({
        order: Number(ep.order),
        label: L(ep.stage_label, localName(ep.stage)),
        start: ep.start,
        startPrecision: ep.start_precision,
        end: ep.end,
        endPrecision: ep.end_precision,
        endBasis: ep.end_basis,
        dateText: episodeDates(ep),
        extra: ` · ${aboutStage(ep.confidence, null)}`,
        actions: (ep.actions || []).filter((a) => a.date).map((a) => ({
          kind: a.kind,
          date: a.date,
          precision: a.date_precision,
          title: `${formatDate(a.date, a.date_precision)}: ${Lo(a, localName(a.action))}`,
        })),
      })),
    }));
    chart.append(h("ul", { class: "key" },
      ["action", "flow", "band", "unknown", "open"].map((k) => h("li", {}, h("span", { class: `key-${k}`, "aria-hidden": "true" }), tr(`timeline.legend.${k}`)))));
  } else {
    chart.replaceChildren(h("p", { class: "hint" }, tr("timeline.nodated")));
  }
  const box = $("timeline-undated");
  box.replaceChildren();
  if (dated.length) {
    const datedActions = dated.flatMap((ep) => (ep.actions || []).filter((a) => a.date).map((a) => ({ ep, a })));
    datedActions.sort((x, y) => String(x.a.date).localeCompare(String(y.a.date)));
    box.append(h("h3", {}, tr("timeline.dated")),
      h("ol", { class: "events" }, datedActions.map(({ ep, a }) => h("li", { class: STAGE_CLASS[ep.order] },
        h("span", { class: "when" }, formatDate(a.date, a.date_precision)), " ",
        h("span", { class: "what" }, Lo(a, localName(a.action))), " ",
        h("span", { class: "where" }, L(ep.stage_label))))));
  }
  if (undated.length) {
    box.append(h("h3", {}, tr("timeline.undated")),
      h("ol", { class: "undated" }, undated.map((ep) => h("li", { class: `stage-item ${STAGE_CLASS[ep.order] || ""}` },
        h("span", { class: "badge" }, String(ep.order ?? "?")), " ",
        h("span", { class: "stage-name" }, L(ep.stage_label, localName(ep.stage))), " ",
        h("span", { class: "unknown" }, episodeDates(ep)),
        (ep.actions || []).length ? h("ul", { class: "actions" }, ep.actions.map((a) => h("li", {},
          Lo(a, localName(a.action)), " ",
          h("span", { class: "unknown" }, `(${formatDate(a.date, a.date_precision) || tr("date.unknown")})`)))) : null))));
  }
  const loose = episodes.filter((e) => e.start).flatMap((ep) => (ep.actions || []).filter((a) => !a.date).map((a) => ({ ep, a })));
  if (loose.length) {
    box.append(h("h3", {}, tr("timeline.undatedActions")),
      h("ul", { class: "actions" }, loose.map(({ ep, a }) => h("li", {},
        Lo(a, localName(a.action)), " ",
        h("span", { class: "unknown" }, `(${L(ep.stage_label)}; ${tr("date.unknown")})`)))));
  }
}

// ---------------------------------------------------------------------------------------
// The comparison

function cityOfRow(row) {
  const item = state.cases.find((c) => c.iri === row.case || c.id === row.case);
  return item ? caseCity(item) : L(row.city, localName(row.case));
}

function logicName(value) {
  if (!value) return tr("empty");
  return String(value).split("+").map((v) => nameOf(`${v.charAt(0).toUpperCase()}${v.slice(1)}Logic`, v)).join(" + ");
}

function cell(row, key) {
  const value = row[key];
  if (value == null || value === "") return h("span", { class: "unknown" }, tr("empty"));
  if (typeof value === "boolean") return tr(value ? "yes" : "no");
  return String(value);
}

function dateCell(row, key) {
  const precision = row[`${key}_precision`];
  const text = formatDate(row[key], precision);
  if (!text) return h("span", { class: "unknown" }, precision === "unknown" || row[key] == null ? tr("precision.unknown") : tr("empty"));
  return h("span", {}, text);
}

function renderCompare() {
  const data = state.compare;
  if (!data) return;
  const rows = data.rows || [];
  const chartBox = $("compare-chart");
  const tableBox = $("compare-table");
  if (!rows.length) {
    chartBox.replaceChildren(h("p", { class: "hint" }, tr("compare.none")));
    tableBox.replaceChildren();
    return;
  }
  const stageName = (i) => nameOf(Object.keys(STAGE_ORDER)[i], STAGE_KEYS[i]);
  const chartRows = rows.map((row) => {
    const stages = STAGE_KEYS.map((key, i) => ({
      order: i + 1, label: stageName(i), start: row[`${key}_start`], startPrecision: row[`${key}_start_precision`],
      end: row[`${key}_end`], endPrecision: row[`${key}_end_precision`], endBasis: row[`${key}_end_basis`],
      confidence: row[`${key}_confidence`],
    })).filter((s) => s.start && s.startPrecision !== "unknown");
    for (const s of stages) {
      s.dateText = dateText(s.start, s.startPrecision, s.end, s.endPrecision, s.endBasis);
      s.about = aboutStage(s.confidence, s.endBasis);
    }
    return { city: cityOfRow(row), stages };
  });
  $("compare").dataset.closeAtNext = String(state.compareClosed);
  endsNote("compare-ends", state.compareClosed);
  chartBox.replaceChildren(drawCompare({
    rows: chartRows, lang: state.lang, title: tr("compare.chart"),
    legend: [0, 1, 2, 3].map((i) => ({ order: i + 1, label: stageName(i) })),
  }), h("ul", { class: "key" }, ["unknown", "open"].map((k) => h("li", {},
    h("span", { class: `key-${k}`, "aria-hidden": "true" }), tr(`timeline.legend.${k}`)))));

  const descriptions = data.descriptions || {};
  const columns = data.columns || Object.keys(rows[0]);
  const handled = new Set(["case", "city"]);
  const lines = [];
  // each stage: its start with its bounds and how sure it is, its end with its bounds and
  // where it comes from
  const stageParts = {
    start: (col) => (r) => dateCell(r, col),
    start_earliest: (col) => (r) => cell(r, col),
    start_latest: (col) => (r) => cell(r, col),
    confidence: (col) => (r) => (r[col] ? confidenceName(r[col]) : h("span", { class: "unknown" }, tr("confidence.none"))),
    end: (col) => (r) => dateCell(r, col),
    end_earliest: (col) => (r) => cell(r, col),
    end_latest: (col) => (r) => cell(r, col),
    end_basis: (col) => (r) => (r[col] ? tr(`basis.${r[col]}`) : h("span", { class: "unknown" }, tr("empty"))),
  };
  STAGE_KEYS.forEach((key, i) => {
    for (const [part, value] of Object.entries(stageParts)) {
      const col = `${key}_${part}`;
      handled.add(col).add(`${col}_precision`);
      lines.push({ col, head: [stageName(i), ` · ${tr(`compare.${part}`)}`], order: i + 1, value: value(col) });
    }
  });
  const extra = [
    ["years_startup_to_inertia", (r) => r.years_startup_to_inertia == null ? h("span", { class: "unknown" }, tr("precision.unknown"))
      : `${r.years_startup_to_inertia}${r.years_precision ? ` (${tr(`precision.${r.years_precision}`)})` : ""}`],
    ["loop_closed", (r) => cell(r, "loop_closed")],
    ["loop_closed_since", (r) => r.loop_closed ? dateCell(r, "loop_closed_since") : h("span", { class: "unknown" }, tr("empty"))],
  ];
  handled.add("years_precision").add("loop_closed_since_precision");
  for (const [col, value] of extra) {
    handled.add(col);
    lines.push({ col, head: [tr(`compare.${col}`)], value });
  }
  STAGE_KEYS.forEach((key, i) => {
    const col = `${key}_dominant_logic`;
    handled.add(col);
    lines.push({ col, head: [stageName(i), ` · ${tr("compare.dominant")}`], order: i + 1, value: (r) => logicName(r[col]) });
  });
  for (const col of columns) {
    if (handled.has(col)) continue;
    const key = `compare.${col}`;
    lines.push({ col, head: [tr(key) === key ? col : tr(key)], value: (r) => cell(r, col) });
  }
  const head = h("tr", {}, h("th", { scope: "col" }, tr("compare.field")),
    rows.map((r) => h("th", { scope: "col", class: "city" }, cityOfRow(r))));
  const body = lines.map((line) => h("tr", { "data-column": line.col },
    h("th", { scope: "row", title: descriptions[line.col] || null, class: line.order ? `stage-col ${STAGE_CLASS[line.order]}` : null }, line.head),
    rows.map((r) => h("td", {}, line.value(r)))));
  tableBox.replaceChildren(h("table", { class: "data compare-table" },
    h("caption", {}, `${tr("compare.caption")} ${tr(state.compareClosed ? "close.on" : "close.off")}`),
    h("thead", {}, head), h("tbody", {}, body)));
}

async function loadCompare() {
  busy("compare", true);
  const closed = state.closeAtNext;
  try {
    const compare = await getJSON(`compare${closeQuery(closed)}`);
    if (state.closeAtNext !== closed) return; // asked again the other way meanwhile
    Object.assign(state, { compare, compareClosed: closed });
    renderCompare();
  } catch (error) {
    $("compare-chart").replaceChildren(h("p", { class: "problem" }, tr("status.error", { what: tr("compare.heading"), detail: error.message })));
  } finally {
    busy("compare", false);
  }
}

// ---------------------------------------------------------------------------------------
// SPARQL

const DEFAULT_QUERY = `PREFIX fw: <https://w3id.org/dataflywheel/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>

# Each case's city and when its stages started
# (a case is a named graph; the stages' names are in the ontology's graph)
SELECT ?case ?city ?stage ?start WHERE {
  GRAPH ?case {
    ?c a fw:City ; rdfs:label ?city .
    ?e fw:episodeOf ?c ; fw:ofStage ?s ; fw:sequence ?n .
    OPTIONAL { ?e fw:startDate ?start }
  }
  GRAPH <https://w3id.org/dataflywheel/ontology> { ?s rdfs:label ?stage }
  FILTER (lang(?city) = "en" && lang(?stage) = "en")
}
ORDER BY ?city ?n`;

/** POST a query to the endpoint; its problem's detail when it is refused. */
async function sparql(query) {
  const response = await patientFetch("sparql", {
    method: "POST",
    headers: { "Content-Type": "application/sparql-query", Accept: "application/sparql-results+json" },
    body: query,
  });
  if (!response.ok) throw new ApiError(await problemText(response));
  return response.json();
}

function termCell(term) {
  if (!term) return h("td", { class: "unbound" });
  if (term.type === "uri") return h("td", { class: "iri" }, h("span", { class: "value" }, term.value));
  if (term.type === "bnode") return h("td", { class: "bnode" }, h("span", { class: "value" }, `_:${term.value}`));
  const tag = term["xml:lang"] ? `@${term["xml:lang"]}` : term.datatype && !term.datatype.endsWith("#string") ? `^^${localName(term.datatype)}` : "";
  return h("td", {}, h("span", { class: "value" }, term.value), tag ? h("span", { class: "tag-lang" }, tag) : null);
}

async function runSparql(event) {
  event?.preventDefault();
  const query = $("sparql-query").value;
  const error = $("sparql-error");
  const results = $("sparql-results");
  const button = $("sparql-run");
  error.hidden = true;
  button.disabled = true;
  button.textContent = tr("sparql.running");
  busy("sparql", true);
  $("sparql-count").textContent = "";
  try {
    const data = await sparql(query);
    if (typeof data.boolean === "boolean") {
      results.replaceChildren(h("p", { class: "ask" }, tr("sparql.ask", { v: String(data.boolean) })));
      return;
    }
    const vars = data.head?.vars || [];
    const bindings = data.results?.bindings || [];
    $("sparql-count").textContent = bindings.length === 1 ? tr("sparql.row1") : tr("sparql.rows", { n: bindings.length });
    results.replaceChildren(h("table", { class: "data results" },
      h("thead", {}, h("tr", {}, vars.map((v) => h("th", { scope: "col" }, `?${v}`)))),
      h("tbody", {}, bindings.map((b) => h("tr", {}, vars.map((v) => termCell(b[v])))))));
  } catch (problem) {
    results.replaceChildren();
    error.replaceChildren(h("strong", {}, tr("sparql.error")), h("pre", {}, problem.message));
    error.hidden = false;
  } finally {
    button.disabled = false;
    button.textContent = tr("sparql.run");
    busy("sparql", false);
  }
}

// ---------------------------------------------------------------------------------------
// Language, address, start

function applyLanguage() {
  document.documentElement.lang = state.lang === "zh" ? "zh-Hans" : "en";
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = tr(node.dataset.i18n);
  for (const node of document.querySelectorAll("[data-i18n-aria]")) node.setAttribute("aria-label", tr(node.dataset.i18nAria));
  for (const button of document.querySelectorAll("[data-lang]")) {
    button.setAttribute("aria-pressed", button.dataset.lang === state.lang ? "true" : "false");
  }
  document.title = `flywheel-kg: ${tr("title")}`;
  renderCases();
  renderCase();
  renderCompare();
}

function setLanguage(lang) {
  state.lang = LANGS.includes(lang) ? lang : "en";
  try { localStorage.setItem("flywheel-lang", state.lang); } catch { /* private mode */ }
  saveUrl();
  applyLanguage();
}

function saveUrl() {
  const url = new URL(window.location.href);
  if (state.caseId) url.searchParams.set("case", state.caseId);
  url.searchParams.set("lang", state.lang);
  if (state.closeAtNext) url.searchParams.set("close_at_next", "true");
  else url.searchParams.delete("close_at_next");
  history.replaceState(null, "", url);
}

/** The checkbox: ask the case and the comparison again, ends closed at the next start or not. */
async function setCloseAtNext(on) {
  state.closeAtNext = on;
  saveUrl();
  if (state.caseId) await chooseCase(state.caseId);
  await loadCompare();
}

async function start() {
  const params = new URLSearchParams(window.location.search);
  let stored = null;
  try { stored = localStorage.getItem("flywheel-lang"); } catch { /* private mode */ }
  const wanted = params.get("lang") || stored || (navigator.language?.startsWith("zh") ? "zh" : "en");
  state.lang = LANGS.includes(wanted) ? wanted : "en";
  state.closeAtNext = params.get("close_at_next") === "true";
  const closeBox = $("close-at-next");
  closeBox.checked = state.closeAtNext;
  closeBox.addEventListener("change", () => setCloseAtNext(closeBox.checked));
  for (const button of document.querySelectorAll("[data-lang]")) {
    button.addEventListener("click", () => setLanguage(button.dataset.lang));
  }
  const textarea = $("sparql-query");
  textarea.value = DEFAULT_QUERY;
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) runSparql(event);
  });
  $("sparql-form").addEventListener("submit", runSparql);
  applyLanguage();

  busy("cases", true);
  try {
    const data = await getJSON("cases");
    state.cases = data.cases || [];
    for (const item of state.cases) item.id ??= localName(item.iri);
    await loadLabels();
    state.casesLoaded = true;
  } catch (error) {
    setStatus(tr("status.error", { what: tr("cases.heading"), detail: error.message }), true);
  } finally {
    busy("cases", false);
  }
  renderCases();
  renderCompare();
  const chosen = params.get("case");
  const first = state.cases.find((c) => c.id === chosen) || state.cases[0];
  if (first) await chooseCase(first.id);
  await loadCompare(); // one thing at a time: the server's readers are few
  document.body.dataset.ready = "true";
  const target = window.location.hash && document.getElementById(decodeURIComponent(window.location.hash.slice(1)));
  if (target) target.scrollIntoView();
}

start();
