// The Abaqueue dashboard: plain JavaScript, no build step. Everything shown is set as text (never
// as HTML), the session lives in an HttpOnly cookie, and every action carries the CSRF token the
// sign-in answered with.

let FINAL = new Set();      // the final job states, as the scheduler names them
const PAGE_SIZE = 100;

const $ = (id) => document.getElementById(id);
let me = null;            // {user, role, team, csrf} once signed in
let rows = new Map();     // job id -> job, the page shown
let pageTokens = [""];    // the token of each page reached; the last is the current page's
let nextToken = "";
let events = null;        // the EventSource of live changes

async function api(path, options = {}) {
  const headers = {"Accept": "application/json", ...(options.headers || {})};
  if (options.method && options.method !== "GET") {
    headers["Content-Type"] = "application/json";
    if (me) headers["X-CSRF-Token"] = me.csrf;
  }
  const answer = await fetch(path, {credentials: "same-origin", ...options, headers});
  const body = await answer.json().catch(() => ({}));
  if (!answer.ok) {
    const error = new Error(body.error || `${answer.status} ${answer.statusText}`);
    error.status = answer.status;
    throw error;
  }
  return body;
}

function show(section) {
  for (const id of ["sign-in", "jobs", "job", "admin", "nodes", "queue", "batches", "batch"]) {
    $(id).hidden = id !== section;
  }
  $("nav").hidden = $("who").hidden = section === "sign-in";
}

function duration(seconds) {
  if (seconds === null || seconds === undefined) return "";
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function progressCell(job) {
  const td = document.createElement("td");
  const bar = document.createElement("progress");
  bar.max = 1;
  bar.value = job.state === "COMPLETED" ? 1 : job.progress.overall_fraction;
  const label = document.createElement("span");
  label.textContent = ` ${Math.round(100 * bar.value)} %`;
  td.append(bar, label);
  return td;
}

function jobRow(job) {
  const tr = document.createElement("tr");
  tr.dataset.jobId = job.id;
  tr.dataset.state = job.state;
  const name = document.createElement("td");
  const link = document.createElement("a");
  link.href = `#/jobs/${encodeURIComponent(job.id)}`;
  link.textContent = job.name;
  const id = document.createElement("div");
  id.className = "job-id";
  id.textContent = job.id;
  name.append(link, id);
  tr.append(name, cell(job.state, `state state-${job.state}`), progressCell(job), cell(job.owner),
            cell(job.cpus), cell(job.license_tokens), cell(job.node), cell(duration(job.waited_s)),
            cell(duration(job.ran_s)), cell(job.priority));
  return tr;
}

function filters() {
  return {state: $("filter-state").value, user: $("filter-user").value.trim(), team: $("filter-team").value.trim(),
          batch: $("filter-batch").value.trim(), search: $("filter-search").value.trim().toLowerCase()};
}

function matches(job, f) {
  if (f.state && job.state !== f.state) return false;
  if (f.user && job.owner !== f.user) return false;
  if (f.team && job.team !== f.team) return false;
  if (f.batch && job.batch_id !== f.batch) return false;
  return !f.search || job.name.toLowerCase().includes(f.search) || job.id.includes(f.search);
}

function renderJobs() {
  const f = filters();
  const body = $("jobs-body");
  const shown = [...rows.values()].filter((job) => matches(job, f));
  body.replaceChildren(...shown.map(jobRow));
  $("jobs-count").textContent = `${shown.length} job${shown.length === 1 ? "" : "s"} on this page`;
  $("next-page").disabled = !nextToken;
  $("first-page").disabled = pageTokens.length <= 1;
}

let renderDue = false;

function renderSoon() {  // many changes at once: one redraw a frame
  if (renderDue) return;
  renderDue = true;
  requestAnimationFrame(() => { renderDue = false; renderJobs(); });
}

async function loadJobs() {
  const f = filters();
  const query = new URLSearchParams({page_size: PAGE_SIZE});
  if (f.state) query.append("state", f.state);
  for (const name of ["user", "team", "batch"]) if (f[name]) query.set(name, f[name]);
  const token = pageTokens[pageTokens.length - 1];
  if (token) query.set("page_token", token);
  $("jobs-error").textContent = "";
  let page;
  try {
    page = await api(`/api/jobs?${query}`);
  } catch (e) {
    if (e.status === 401) throw e;
    $("jobs-error").textContent = e.message;  // a filter refused: which one and why
    page = {jobs: [], next_page_token: ""};
  }
  rows = new Map(page.jobs.map((job) => [job.id, job]));
  nextToken = page.next_page_token;
  renderJobs();
}

function follow() {
  if (events) return;
  events = new EventSource("/api/events");
  events.addEventListener("open", () => $("live").classList.add("on"));
  events.addEventListener("error", () => $("live").classList.remove("on"));
  events.addEventListener("failed", () => {  // the stream could not go on from where it was: afresh
    events.close();
    events = null;
    route().then(follow, failed);
  });
  events.addEventListener("job", (message) => {
    const job = JSON.parse(message.data);
    const known = rows.has(job.id);
    const onFirstPage = pageTokens.length === 1;
    if (known || (onFirstPage && matches(job, filters()))) {
      const previous = rows.get(job.id);
      if (!previous || previous.version <= job.version) {
        if (!known) rows = new Map([[job.id, job], ...rows]);  // newest first
        else rows.set(job.id, job);
        renderSoon();
      }
    }
    if (location.hash === `#/jobs/${encodeURIComponent(job.id)}`) followShownJob(job).catch(failed);
  });
}

function field(list, name, value) {
  if (value === "" || value === null || value === undefined) return;
  const dt = document.createElement("dt");
  dt.textContent = name;
  const dd = document.createElement("dd");
  dd.textContent = value;
  list.append(dt, dd);
}

function renderJob(job) {
  $("job-title").textContent = `${job.name} — ${job.state}`;
  const list = $("job-fields");
  list.replaceChildren();
  const p = job.progress;
  field(list, "Job id", job.id);
  field(list, "State", job.state);
  field(list, "Owner", job.team ? `${job.owner} (${job.team})` : job.owner);
  field(list, "Cores, license tokens", `${job.cpus}, ${job.license_tokens}`);
  field(list, "Node", job.node);
  field(list, "Priority", job.priority);
  field(list, "Batch", job.batch_id);
  field(list, "Waited", duration(job.waited_s));
  field(list, "Ran", duration(job.ran_s));
  if (p.total_steps) field(list, "Step", `${p.step} of ${p.total_steps}, increment ${p.increment}`);
  field(list, "Done", `${Math.round(100 * (job.state === "COMPLETED" ? 1 : p.overall_fraction))} %`);
  if (p.seconds_left !== null) field(list, "Time left", duration(p.seconds_left));
  field(list, "Warning", p.warning);
  field(list, "Waiting for", job.reasons.join("; "));
  field(list, "Error", job.error_message);
  $("job-cancel").hidden = FINAL.has(job.state);
  $("job-cancel").dataset.jobId = job.id;
  renderStates(job);
  if (job.waiting !== undefined) renderDetail(job);
}

function renderStates(job) {  // each move of its state, and how long it stayed (the last: until now)
  const moves = job.states;
  $("job-states-part").hidden = moves.length === 0;
  $("job-states").replaceChildren(...moves.map((m, i) => {
    const tr = document.createElement("tr");
    const until = i + 1 < moves.length ? moves[i + 1].time : FINAL.has(m.state) ? null : Date.now() / 1000;
    tr.append(cell(when(m.time)), cell(m.state, `state state-${m.state}`),
      cell(until === null ? "" : duration(Math.max(0, until - m.time))), cell(m.attempt || ""), cell(m.node));
    return tr;
  }));
}

function when(seconds) {
  return seconds === null || seconds === undefined ? "" : new Date(seconds * 1000).toLocaleString();
}

function bytes(n) {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i += 1; }
  return `${i ? n.toFixed(1) : n} ${units[i]}`;
}

function renderDetail(job) {  // what only GET /api/jobs/ID tells: reasons, history, files
  const w = job.waiting;
  $("job-waiting").hidden = !w;
  if (w) {
    const items = w.reasons.map((r) => {
      const li = document.createElement("li");
      li.textContent = r.message;
      li.dataset.code = r.code;
      return li;
    });
    const place = document.createElement("li");
    place.textContent = `${w.ahead} job${w.ahead === 1 ? "" : "s"} ahead, at priority ${w.effective_priority}` +
      (w.estimated_start ? `; may start about ${when(w.estimated_start)}` : "");
    $("job-reasons").replaceChildren(...items, place);
  }
  $("job-history-part").hidden = job.history.length === 0;
  $("job-history").replaceChildren(...job.history.map((a) => {
    const tr = document.createElement("tr");
    tr.append(cell(a.attempt), cell(a.node), cell(when(a.end_time)), cell(a.cause), cell(a.message));
    return tr;
  }));
  $("job-files-part").hidden = job.result_files.length === 0;
  if (job.result_files.length) loadDownloads(job.id).catch(failed);
}

async function loadDownloads(id) {
  const answer = await api(`/api/jobs/${encodeURIComponent(id)}/downloads`);
  $("job-files").replaceChildren(...answer.files.map((f) => {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = f.url;  // presigned: the browser fetches the file from the blob store itself
    a.textContent = f.name;
    a.rel = "noreferrer";
    li.append(a, ` ${bytes(f.size_bytes)}`);
    return li;
  }));
}

let logShown = {id: "", seq: 0};
let logReads = Promise.resolve();  // one read of the log at a time: no line shown twice

function loadLog(id) {
  logReads = logReads.catch(() => {}).then(() => readLog(id));
  return logReads;
}

async function readLog(id) {
  if (logShown.id !== id) {
    logShown = {id, seq: 0};
    $("job-log").textContent = "";
  }
  for (;;) {
    const page = await api(`/api/jobs/${encodeURIComponent(id)}/log?after_seq=${logShown.seq}`);
    if (logShown.id !== id || page.lines.length === 0) return;
    const text = page.lines.map((l) => `${when(l.time)}  ${l.source.padEnd(9)} ${l.text}`).join("\n");
    $("job-log").textContent += ($("job-log").textContent ? "\n" : "") + text;
    logShown.seq = page.lines[page.lines.length - 1].seq;
  }
}

const CHART_EVERY_MS = 10_000;  // the chart reads the job's whole .sta so far: not at every change
let chartAt = 0;

async function followShownJob(job) {  // a change of the job on the page: the page follows it
  if (FINAL.has(job.state)) return openJob(job.id);  // once: its files, reasons and chart as they end
  renderJob(job);
  await loadLog(job.id);  // only the lines after those shown
  if (Date.now() - chartAt >= CHART_EVERY_MS) await loadChart(job.id);
}

async function loadChart(id) {
  chartAt = Date.now();
  drawConvergence((await api(`/api/jobs/${encodeURIComponent(id)}/convergence`)).rows);
}

async function openJob(id) {
  show("job");
  $("job-error").textContent = "";
  try {
    renderJob(await api(`/api/jobs/${encodeURIComponent(id)}`));
    await loadLog(id);
    await loadChart(id);
  } catch (e) {
    $("job-title").textContent = e.message;
    $("job-fields").replaceChildren();
    $("job-cancel").hidden = true;
  }
}

function button(text, onClick, className) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = text;
  if (className) b.className = className;
  b.addEventListener("click", onClick);
  return b;
}

async function decide(job, verb, body) {
  $("admin-error").textContent = "";
  try {
    await api(`/api/admin/jobs/${encodeURIComponent(job.id)}/${verb}`, {method: "POST", body: JSON.stringify(body)});
  } catch (e) {
    $("admin-error").textContent = e.message;
    return;
  }
  await openAdmin();
}

function approvalRow(job) {
  const tr = document.createElement("tr");
  tr.dataset.jobId = job.id;
  const actions = document.createElement("td");
  const reason = document.createElement("input");
  reason.placeholder = "why reject";
  reason.size = 14;
  actions.append(button("Approve", () => decide(job, "approve", {})), " ", reason, " ",
                 button("Reject", () => decide(job, "reject", {reason: reason.value}), "danger"));
  const name = document.createElement("td");
  const link = document.createElement("a");
  link.href = `#/jobs/${encodeURIComponent(job.id)}`;
  link.textContent = job.name;
  name.append(link);
  tr.append(name, cell(job.owner), cell(job.cpus), cell(job.license_tokens), cell(job.reasons.join("; ")), actions);
  return tr;
}

let settingsShown = {};

async function loadSettings() {
  settingsShown = await api("/api/admin/settings");
  const form = $("settings-form");
  form.replaceChildren(...Object.entries(settingsShown).map(([name, value]) => {
    const label = document.createElement("label");
    const input = document.createElement("input");
    input.name = name;
    if (typeof value === "boolean") {
      input.type = "checkbox";
      input.checked = value;
    } else {
      input.type = "number";
      input.step = Number.isInteger(value) && !name.includes("factor") && !name.includes("exponent") &&
        !name.endsWith("_minutes") ? "1" : "any";
      input.value = value;
    }
    label.append(name.replaceAll("_", " "), input);
    return label;
  }));
}

async function saveSettings() {
  const changed = {};
  for (const input of $("settings-form").elements) {
    const value = input.type === "checkbox" ? input.checked : Number(input.value);
    if (value !== settingsShown[input.name]) changed[input.name] = value;
  }
  $("settings-note").textContent = "";
  try {
    await api("/api/admin/settings", {method: "POST", body: JSON.stringify(changed)});
    await loadSettings();
    $("settings-note").textContent = Object.keys(changed).length ? `saved: ${Object.keys(changed).join(", ")}`
                                                                  : "nothing changed";
  } catch (e) {
    $("settings-note").textContent = e.message;
  }
}

async function loadTokens() {
  const answer = await api("/api/admin/tokens");
  $("tokens-body").replaceChildren(...answer.tokens.filter((t) => !t.revoked).map((t) => {
    const tr = document.createElement("tr");
    tr.dataset.tokenId = t.token_id;
    tr.append(cell(t.token_id), cell(t.user), cell(t.role), cell(t.team), cell(when(t.created)),
              cell(t.expires ? when(t.expires) : "never"), cell(t.description),
              withChild(document.createElement("td"), button("Revoke", () => revokeToken(t), "danger")));
    return tr;
  }));
}

async function revokeToken(t) {
  $("token-note").textContent = "";
  try {
    await api(`/api/admin/tokens/${encodeURIComponent(t.token_id)}/revoke`, {method: "POST", body: "{}"});
    $("token-note").textContent = `revoked ${t.token_id} (${t.user})`;
  } catch (e) {
    $("token-note").textContent = e.message;
  }
  await loadTokens();
}

async function createToken(e) {
  e.preventDefault();
  const body = {user: $("token-user").value.trim(), role: $("token-role").value, team: $("token-team").value.trim(),
                description: $("token-description").value};
  if ($("token-days").value) body.ttl_days = Number($("token-days").value);
  const answer = await fetch("/api/admin/tokens", {method: "POST", credentials: "same-origin", body: JSON.stringify(body),
    headers: {"Content-Type": "application/json", "X-CSRF-Token": me.csrf}});
  if (!answer.ok) {
    $("token-note").textContent = (await answer.json().catch(() => ({}))).error || answer.statusText;
    return;
  }
  // the secret goes straight to the browser's downloads, as a file: never shown, never in a URL
  const name = (answer.headers.get("Content-Disposition") || "").match(/filename="([^"]+)"/)?.[1] || "abaqueue.token";
  const link = document.createElement("a");
  link.href = URL.createObjectURL(await answer.blob());
  link.download = name;
  link.click();
  URL.revokeObjectURL(link.href);
  $("token-note").textContent = `created ${answer.headers.get("X-Token-Id")} for ${body.user}: saved as ${name}`;
  $("token-form").reset();
  await loadTokens();
}

async function openAdmin() {
  show("admin");
  $("admin-error").textContent = "";
  try {
    const held = await api("/api/admin/approvals");
    $("admin-more").hidden = false;
    $("approvals-wrap").hidden = false;
    $("approvals-body").replaceChildren(...held.jobs.map(approvalRow));
    $("approvals-count").textContent = `${held.jobs.length} job${held.jobs.length === 1 ? "" : "s"} awaiting approval`;
    await loadSettings();
    await loadTokens().catch((e) => { $("token-note").textContent = e.message; });
  } catch (e) {
    if (e.status === 401) throw e;
    $("admin-more").hidden = true;
    $("approvals-wrap").hidden = true;
    $("approvals-count").textContent = "";
    $("admin-error").textContent = e.status === 403 ? `Refused: ${e.message}` : e.message;
  }
}

function nodeRow(node) {
  const tr = document.createElement("tr");
  tr.dataset.node = node.name;
  tr.dataset.state = node.state;
  const running = document.createElement("td");
  for (const id of node.jobs) {
    const a = document.createElement("a");
    a.href = `#/jobs/${encodeURIComponent(id)}`;
    a.textContent = id.slice(0, 8);
    a.title = id;
    running.append(a, " ");
  }
  const slot = node.transfers_held ? "in use" : node.transfers_waiting ? `${node.transfers_waiting} waiting` : "free";
  const seen = node.seen_s_ago === null ? "never" : `${duration(node.seen_s_ago)} ago`;
  const actions = document.createElement("td");
  if (me.role === "admin") {
    const verb = node.drained ? "resume" : "drain";
    actions.append(button(node.drained ? "Resume" : "Drain", () => nodeAction(node.name, verb),
                          node.drained ? "" : "danger"));
  }
  tr.append(cell(node.name), cell(node.state, `state node-${node.state}`), cell(`${node.cpus_in_use} of ${node.cpus}`),
            cell(node.license_tokens_in_use), running, cell(seen), cell(slot), actions);
  return tr;
}

async function nodeAction(name, verb) {
  $("nodes-error").textContent = "";
  try {
    await api(`/api/admin/nodes/${encodeURIComponent(name)}/${verb}`, {method: "POST", body: "{}"});
  } catch (e) {
    $("nodes-error").textContent = e.message;
    return;
  }
  await openNodes();
}

async function openNodes() {
  show("nodes");
  try {
    const answer = await api("/api/nodes");
    $("nodes-body").replaceChildren(...answer.nodes.map(nodeRow));
  } catch (e) {
    if (e.status === 401) throw e;
    $("nodes-error").textContent = e.message;
  }
}

const SVG = "http://www.w3.org/2000/svg";

function svg(name, attributes) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  return element;
}

// A line chart of `points` (objects) into the <svg> `chart`: x from `x(point)` (seconds since the
// epoch), one polyline per series {value, className}; `log`: a logarithmic y axis; `marks`: points
// drawn as crosses (cut-backs); `label(v)`: how the y axis names a value; `minSpan`: the shortest
// stretch of time the x axis shows, in seconds.
function plot(chart, points, x, series, {log = false, marks = [], label = String, empty = "nothing yet",
                                        minSpan = 60} = {}) {
  const [w, h, left, bottom] = [800, 240, 56, 24];
  chart.replaceChildren();
  if (points.length === 0) {
    const text = svg("text", {x: w / 2, y: h / 2, "text-anchor": "middle", class: "chart-note"});
    text.textContent = empty;
    chart.append(text);
    return;
  }
  const values = points.flatMap((p) => series.map((s) => s.value(p))).filter((v) => !log || v > 0);
  let low = log ? Math.min(...values) : 0, high = Math.max(log ? low * 10 : 1, ...values);
  if (log) { low = Math.log10(low); high = Math.log10(high); if (high - low < 1) high = low + 1; }
  const scale = (v) => (log ? Math.log10(Math.max(v, 10 ** low)) : v);
  const t0 = x(points[0]), t1 = Math.max(x(points[points.length - 1]), t0 + minSpan);
  const px = (t) => left + (w - left - 8) * (t - t0) / (t1 - t0);
  const py = (v) => h - bottom - (h - bottom - 8) * (scale(v) - low) / (high - low);
  chart.append(svg("line", {x1: left, y1: h - bottom, x2: w - 8, y2: h - bottom, class: "axis"}),
               svg("line", {x1: left, y1: h - bottom, x2: left, y2: 8, class: "axis"}));
  for (const value of [log ? 10 ** low : 0, log ? 10 ** high : high]) {
    const text = svg("text", {x: left - 6, y: py(value) + 4, "text-anchor": "end", class: "chart-note"});
    text.textContent = label(value);
    chart.append(text);
  }
  for (const [t, anchor] of [[t0, "start"], [t1, "end"]]) {
    const text = svg("text", {x: px(t), y: h - 6, "text-anchor": anchor, class: "chart-note"});
    text.textContent = new Date(t * 1000).toLocaleTimeString();
    chart.append(text);
  }
  for (const s of series) {
    const line = points.map((p) => `${px(x(p)).toFixed(1)},${py(s.value(p)).toFixed(1)}`).join(" ");
    chart.append(svg("polyline", {points: line, class: s.className}));
  }
  for (const p of marks) {
    const [cx, cy] = [px(x(p)), py(series[0].value(p))];
    chart.append(svg("path", {d: `M${cx - 4},${cy - 4}L${cx + 4},${cy + 4}M${cx - 4},${cy + 4}L${cx + 4},${cy - 4}`,
                              class: "cut-back"}));
  }
}

function drawUsage(samples) {
  plot($("usage-chart"), samples, (s) => s.time,
       [{value: (s) => s.cores_in_use, className: "line-cores"}, {value: (s) => s.tokens_in_use, className: "line-tokens"}],
       {empty: "no samples yet: one a minute"});
}

function drawConvergence(rows) {
  $("convergence-part").hidden = rows.length === 0;
  if (rows.length === 0) return;
  const cutBacks = rows.filter((r) => r.cut_back);
  const converged = rows.filter((r) => !r.cut_back);
  plot($("increment-chart"), rows, (r) => r.time, [{value: (r) => r.time_increment, className: "line-cores"}],
       {log: true, marks: cutBacks, label: (v) => v.toPrecision(2), minSpan: 5});
  plot($("step-time-chart"), converged, (r) => r.time, [{value: (r) => r.step_time, className: "line-tokens"}],
       {label: (v) => v.toPrecision(3), minSpan: 5});
  const last = converged[converged.length - 1];
  $("convergence-note").textContent = `${rows.length} increment attempts, ${cutBacks.length} cut back` +
    (last ? `; last converged: step ${last.step}, increment ${last.increment}, step time ${last.step_time}` : "");
}

function card(label, value) {
  const div = document.createElement("div");
  div.className = "card";
  const b = document.createElement("b");
  b.textContent = value;
  const span = document.createElement("span");
  span.textContent = label;
  div.append(b, span);
  return div;
}

async function openQueue() {
  show("queue");
  $("queue-error").textContent = "";
  let q;
  try {
    q = await api("/api/queue");
  } catch (e) {
    if (e.status === 401) throw e;
    $("queue-error").textContent = e.message;
    return;
  }
  const count = (state) => q.by_state[state] || 0;
  $("queue-cards").replaceChildren(
    card("waiting", count("WAITING")), card("running", count("RUNNING") + count("STARTING")),
    card("held", count("BLOCKED")), card("average wait", duration(q.average_wait_s)),
    card("cores in use", `${q.cores_in_use} of ${q.cores_total}`),
    card("license tokens in use", q.tokens_total ? `${q.tokens_in_use} of ${q.tokens_total}` : `${q.tokens_in_use}`));
  drawUsage(q.usage);
  const users = Object.entries(q.by_user).sort((a, b) => b[1] - a[1]);
  $("queue-users").replaceChildren(...users.map(([user, n]) => {
    const tr = document.createElement("tr");
    tr.append(cell(user), cell(n));
    return tr;
  }));
  const limits = $("queue-limits");
  limits.replaceChildren();
  const st = q.settings;
  field(limits, "Jobs running at once", `${st.max_concurrent} in all, ${st.user_max_concurrent} per user` +
        (st.enable_fair_share ? `, ${st.team_max_concurrent} per team (fair share)` : ""));
  field(limits, "License tokens", st.license_tokens_total ? `${st.license_tokens_total} in all` : "not counted");
  field(limits, "Starvation boost", st.starvation_threshold_minutes
        ? `+1 level every ${st.starvation_threshold_minutes} min waited, up to ${st.starvation_max_boost}` : "off");
  field(limits, "Approval needed over", [st.approval_cpus_over ? `${st.approval_cpus_over} cores` : "",
        st.approval_tokens_over ? `${st.approval_tokens_over} tokens` : ""].filter(Boolean).join(", ") || "never");
}

function jobLink(id, text) {
  const a = document.createElement("a");
  a.href = `#/jobs/${encodeURIComponent(id)}`;
  a.textContent = text;
  return a;
}

function withChild(td, child) {
  td.append(child);
  return td;
}

function stageBar(b) {
  const td = document.createElement("td");
  const bar = document.createElement("progress");
  bar.max = Math.max(1, b.total_stages);
  bar.value = b.completed_stages;
  const label = document.createElement("span");
  label.textContent = ` ${b.completed_stages} of ${b.total_stages} stages`;
  td.append(bar, label);
  return td;
}

function batchRow(b) {
  const tr = document.createElement("tr");
  tr.dataset.batchId = b.id;
  const a = document.createElement("a");
  a.href = `#/batches/${encodeURIComponent(b.id)}`;
  a.textContent = b.name;
  tr.append(withChild(document.createElement("td"), a), cell(b.owner), stageBar(b),
            cell(`${b.completed} of ${b.total_jobs}`), cell(b.failed), cell(b.waiting), cell(b.running.length),
            cell(b.finished ? "finished" : when(b.estimated_finish)));
  return tr;
}

async function openBatches() {
  show("batches");
  $("batches-error").textContent = "";
  try {
    const answer = await api("/api/batches");
    $("batches-body").replaceChildren(...answer.batches.map(batchRow));
  } catch (e) {
    if (e.status === 401) throw e;
    $("batches-error").textContent = e.message;
  }
}

async function openBatch(id) {
  show("batch");
  let b;
  try {
    b = await api(`/api/batches/${encodeURIComponent(id)}`);
  } catch (e) {
    if (e.status === 401) throw e;
    $("batch-title").textContent = e.message;
    return;
  }
  $("batch-title").textContent = `${b.name}${b.cancelled ? " — cancelled" : b.finished ? " — finished" : ""}`;
  const list = $("batch-fields");
  list.replaceChildren();
  field(list, "Owner", b.owner);
  field(list, "Stages done", `${b.completed_stages} of ${b.total_stages} (inputs in, solved, results out per job)`);
  field(list, "Jobs", `${b.completed} completed, ${b.failed} failed, ${b.cancelled_jobs} cancelled, ` +
        `${b.waiting} waiting, ${b.running.length} running, of ${b.total_jobs}`);
  field(list, "At most at once", b.parallelism);
  field(list, "Estimated finish", b.finished ? "finished" : when(b.estimated_finish) || "not known yet");
  const now = Date.now() / 1000;
  $("batch-running").replaceChildren(...b.running.map((r) => {
    const tr = document.createElement("tr");
    tr.append(withChild(document.createElement("td"), jobLink(r.job_id, r.name)), cell(r.node), cell(r.stage),
              cell(r.stage_start ? duration(now - r.stage_start) : ""));
    return tr;
  }));
  $("batch-failures").replaceChildren(...b.failures.map((j) => {
    const tr = document.createElement("tr");
    tr.append(withChild(document.createElement("td"), jobLink(j.id, j.name)), cell(j.state, `state state-${j.state}`),
              cell(j.node), cell(j.error_message));
    return tr;
  }));
}

async function route() {
  if (!me) return;
  const match = location.hash.match(/^#\/jobs\/(.+)$/);
  if (match) return openJob(decodeURIComponent(match[1]));
  if (location.hash === "#/admin") return openAdmin();
  if (location.hash === "#/nodes") return openNodes();
  if (location.hash === "#/queue") return openQueue();
  if (location.hash === "#/batches") return openBatches();
  const batch = location.hash.match(/^#\/batches\/(.+)$/);
  if (batch) return openBatch(decodeURIComponent(batch[1]));
  show("jobs");
  await loadJobs();
}

async function signedIn(who) {
  me = who;
  FINAL = new Set(who.final_states);
  const select = $("filter-state");
  select.replaceChildren(select.options[0]);
  for (const state of who.states) {
    const option = document.createElement("option");
    option.value = option.textContent = state;
    select.append(option);
  }
  $("who-name").textContent = `${me.user} (${me.role})`;
  $("nav-admin").hidden = me.role !== "admin";
  follow();
  await route();
}

function signedOut() {
  me = null;
  if (events) events.close();
  events = null;
  rows = new Map();
  show("sign-in");
}

function setUp() {
  $("sign-in-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const input = $("token");
    $("sign-in-error").textContent = "";
    try {
      const who = await api("/api/signin", {method: "POST", body: JSON.stringify({token: input.value})});
      input.value = "";  // the token is the server's to keep, not the page's
      await signedIn(who);
    } catch (err) {
      $("sign-in-error").textContent = err.message;
    }
  });
  $("sign-out").addEventListener("click", async () => {
    await api("/api/signout", {method: "POST"}).catch(() => {});
    signedOut();
  });
  const reload = () => { pageTokens = [""]; loadJobs().catch(failed); };
  $("filter-state").addEventListener("change", reload);
  for (const id of ["filter-user", "filter-team", "filter-batch"]) $(id).addEventListener("change", reload);
  $("filter-search").addEventListener("input", renderJobs);
  $("filters").addEventListener("submit", (e) => e.preventDefault());
  $("next-page").addEventListener("click", () => { pageTokens.push(nextToken); loadJobs().catch(failed); });
  $("first-page").addEventListener("click", reload);
  $("job-cancel").addEventListener("click", async (e) => {
    try {
      renderJob(await api(`/api/jobs/${encodeURIComponent(e.target.dataset.jobId)}/cancel`, {method: "POST"}));
    } catch (err) {
      $("job-error").textContent = err.message;
    }
  });
  $("settings-save").addEventListener("click", saveSettings);
  $("token-form").addEventListener("submit", createToken);
  window.addEventListener("hashchange", () => route().catch(failed));
}

function failed(error) {
  if (error.status === 401) signedOut();
  else console.error(error);
}

setUp();
api("/api/me").then(signedIn, signedOut);
