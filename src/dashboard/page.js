// anneal dashboard: the page's script (embedded in anneal-dashboard at build time).
// It reads GET /api/status, /api/targets/NAME/history and /api/experiments/KEY — the JSON of
// `anneal status`, `history` and `show` — and applies the ledger records that GET /events
// sends as they are written. Text from the ledger (hypotheses, logs, diffs) only ever goes
// into the page as textContent, never as markup.
'use strict';

const COLORS = {
  baseline: '#2f6fdf', kept: '#2e9d4f', discarded: '#9aa1ad', rejected: '#f08c00',
  crashed: '#d63b3b', blocked: '#8d5a3b', unchanged: '#bcbd22', duplicate: '#e377c2',
};
const OUTCOMES = ['baseline', 'kept', 'discarded', 'rejected', 'crashed', 'blocked', 'unchanged', 'duplicate'];

const page = {
  target: null,     // the target shown
  status: [],       // GET /api/status
  history: [],      // GET /api/targets/NAME/history, then kept up to date by the events
  loaded: false,
  pending: [],      // events that came before the history did
  charts: {},
  selected: null,   // key of the experiment shown below the table
  fresh: new Set(), // other targets with news since the page loaded
};

function $(id) { return document.getElementById(id); }

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

/// A number as the commands print it ({:g}: six significant digits).
function num(v) {
  if (typeof v !== 'number' || !isFinite(v)) return '-';
  return String(Number(v.toPrecision(6)));
}

function money(v) { return typeof v === 'number' ? '$' + v.toFixed(2) : '-'; }

async function getJSON(url) {
  const r = await fetch(url, { credentials: 'same-origin', cache: 'no-store' });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(`${url}: ${r.status} ${body.error || ''}`);
  return body;
}

function showError(message) { $('error').textContent = message || ''; }

function currentTargetFromPath() {
  const m = location.pathname.match(/^\/targets\/([^/]+)$/);
  return m ? decodeURIComponent(m[1]) : null;
}

function targetStatus() { return page.status.find(t => t.name === page.target) || null; }

function direction() {
  const t = targetStatus();
  const o = t && t.objectives && t.objectives[0];
  return o && o.direction === 'minimize' ? 'minimize' : 'maximize';
}

function better(a, b) { return direction() === 'minimize' ? a < b : a > b; }

// ---- loading ----------------------------------------------------------------------------

async function loadStatus() {
  page.status = await getJSON('/api/status');
  renderNav();
  renderSummary();
  renderSearch();
  renderJudge();
}

async function load() {
  try {
    await loadStatus();
    if (!page.target) page.target = currentTargetFromPath() || (page.status[0] && page.status[0].name) || null;
    if (!page.target) {
      $('target-name').textContent = 'no targets in the Annealfile';
      return;
    }
    renderNav();
    renderSummary();
    renderSearch();
    renderJudge();
    page.history = await getJSON('/api/targets/' + encodeURIComponent(page.target) + '/history');
    page.loaded = true;
    for (const ev of page.pending.splice(0)) apply(ev);
    renderHistory();
    document.body.dataset.ready = '1';
    showError('');
  } catch (e) {
    showError(String(e.message || e));
  }
}

let statusTimer = null;
/// The status again (best score, spend, search state), at most a few times a second.
function refreshStatusSoon() {
  if (statusTimer) return;
  statusTimer = setTimeout(async () => {
    statusTimer = null;
    try { await loadStatus(); } catch (e) { showError(String(e.message || e)); }
  }, 150);
}

// ---- live events ------------------------------------------------------------------------

/// One ledger record: it replaces the experiment of its number (a later attempt), or is a
/// new one; a #0 with another key starts a new run (the target's configuration changed).
function apply(ev) {
  if (ev.target !== page.target) {
    page.fresh.add(ev.target);
    renderNav();
    return;
  }
  if (!page.loaded) { page.pending.push(ev); return; }
  const r = ev.record;
  if (r.id === 0 && page.history.length && page.history[0].key !== r.key) page.history = [];
  const i = page.history.findIndex(h => h.id === r.id);
  if (i >= 0) page.history[i] = r; else page.history.push(r);
  page.history.sort((a, b) => a.id - b.id);
  renderHistory();
}

function connect() {
  const live = $('live');
  const source = new EventSource('/events');
  let opened = false;
  // The history is loaded once the stream is open, so no record falls between the two.
  const fallback = setTimeout(() => { if (!page.loaded) load(); }, 1500);
  source.onopen = () => {
    live.className = 'on';
    live.textContent = 'live';
    if (!opened) { opened = true; clearTimeout(fallback); if (!page.loaded) load(); }
    else refreshStatusSoon();
  };
  source.onmessage = (e) => {
    let ev;
    try { ev = JSON.parse(e.data); } catch { return; }
    apply(ev);
    refreshStatusSoon();
  };
  source.onerror = () => {
    live.className = 'off';
    live.textContent = 'reconnecting';
  };
}

// ---- rendering --------------------------------------------------------------------------

function renderNav() {
  const nav = $('targets');
  nav.replaceChildren();
  for (const t of page.status) {
    const a = el('a', t.name);
    a.href = '/targets/' + encodeURIComponent(t.name);
    if (t.name === page.target) a.className = 'current';
    if (page.fresh.has(t.name)) a.append(el('span', null, 'fresh'));
    nav.append(a);
  }
}

function renderSummary() {
  const t = targetStatus();
  $('target-name').textContent = page.target || '…';
  document.title = (page.target ? page.target + ' — ' : '') + 'anneal dashboard';
  if (!t) return;
  const best = $('best-score');
  best.textContent = num(t.best_score);
  best.dataset.value = typeof t.best_score === 'number' ? String(t.best_score) : '';
  $('baseline-score').textContent = num(t.baseline_score);
  $('experiment-count').textContent = t.budget ? `${t.experiments} / ${t.budget}` : String(t.experiments);
  $('spent').textContent = money(t.spent_total_usd || t.spent_usd || 0);
  $('state').textContent = t.state || '';
  const o = (t.objectives || [])[0];
  $('objective').textContent = o ? `(${o.metric}, ${o.direction})` : '';
}

function scored() { return page.history.filter(r => typeof r.score === 'number'); }

function hypothesisLines(text) {
  const lines = [];
  for (const part of String(text || '').split(/;\s*|\n/)) {
    let p = part.trim();
    while (p.length > 90) { lines.push(p.slice(0, 90)); p = p.slice(90); }
    if (p) lines.push(p);
    if (lines.length >= 6) { lines.push('…'); break; }
  }
  return lines;
}

/// A log axis only helps, and only works, when every score is positive.
function logScale() {
  return $('log-scale').checked && scored().every(r => r.score > 0);
}

function renderTrajectory() {
  const points = scored();
  $('trajectory-box').dataset.points = String(points.length);
  const datasets = [];
  for (const outcome of OUTCOMES) {
    const data = points.filter(r => r.outcome === outcome).map(r => ({ x: r.id, y: r.score, r }));
    if (!data.length) continue;
    datasets.push({
      type: 'scatter', label: outcome, data, backgroundColor: COLORS[outcome], borderColor: COLORS[outcome],
      pointRadius: outcome === 'kept' || outcome === 'baseline' ? 5 : 4, pointHoverRadius: 7,
      pointStyle: outcome === 'crashed' ? 'crossRot' : outcome === 'rejected' ? 'triangle' : 'circle',
    });
  }
  // Best so far: the best score any kept candidate (or the baseline) had up to each experiment.
  const bestLine = [];
  let best = null;
  for (const r of page.history) {
    if (typeof r.score === 'number' && (r.outcome === 'kept' || r.outcome === 'baseline') &&
        (best === null || better(r.score, best))) best = r.score;
    if (best !== null) bestLine.push({ x: r.id, y: best });
  }
  if (bestLine.length)
    datasets.push({ type: 'line', label: 'best so far', data: bestLine, stepped: 'before', borderColor: '#2e9d4f',
                    borderWidth: 2, pointRadius: 0, fill: false });
  const base = page.history.find(r => r.outcome === 'baseline' && typeof r.score === 'number');
  if (base && page.history.length) {
    const last = page.history[page.history.length - 1].id;
    datasets.push({ type: 'line', label: 'baseline score', data: [{ x: 0, y: base.score }, { x: Math.max(last, 1), y: base.score }],
                    borderColor: '#2f6fdf', borderDash: [6, 4], borderWidth: 1.5, pointRadius: 0, fill: false });
  }
  const options = {
    animation: false, maintainAspectRatio: false, parsing: true,
    scales: { x: { type: 'linear', title: { display: true, text: 'experiment' }, ticks: { precision: 0 } },
              y: { type: logScale() ? 'logarithmic' : 'linear', title: { display: true, text: 'score' } } },
    plugins: {
      legend: { position: 'bottom' },
      tooltip: {
        filter: item => item.raw && item.raw.r,
        callbacks: {
          title: items => items.length ? `#${items[0].raw.r.id} ${items[0].raw.r.outcome}: ${num(items[0].raw.r.score)}` : '',
          label: item => hypothesisLines(item.raw.r.hypothesis || '(no hypothesis)'),
        },
      },
    },
    onClick: (evt, elements, chart) => {
      const hit = elements.find(e => chart.data.datasets[e.datasetIndex].data[e.index].r);
      if (hit) showExperiment(chart.data.datasets[hit.datasetIndex].data[hit.index].r.key);
    },
  };
  upsertChart('trajectory', { data: { datasets }, options });
}

function upsertChart(id, config) {
  if (typeof Chart === 'undefined') return;
  const existing = page.charts[id];
  if (existing && existing.config.type === (config.type || 'scatter')) {
    existing.data = config.data;
    existing.options = config.options;
    existing.update('none');
    return;
  }
  if (existing) existing.destroy();
  page.charts[id] = new Chart($(id), Object.assign({ type: 'scatter' }, config));
}

function renderOutcomes() {
  const counts = {};
  for (const r of page.history) counts[r.outcome] = (counts[r.outcome] || 0) + 1;
  const body = $('outcomes').tBodies[0];
  body.replaceChildren();
  for (const outcome of OUTCOMES.concat(Object.keys(counts).filter(o => !OUTCOMES.includes(o)))) {
    if (!counts[outcome]) continue;
    const tr = el('tr');
    const td = el('td');
    td.append(el('span', outcome, 'outcome o-' + outcome));
    tr.append(td, el('td', counts[outcome]));
    tr.dataset.outcome = outcome;
    tr.dataset.count = String(counts[outcome]);
    body.append(tr);
  }
}

function groupBy(records, keyOf, valueOf) {
  const out = new Map();
  for (const r of records) {
    const k = keyOf(r);
    if (!k) continue;
    out.set(k, (out.get(k) || 0) + valueOf(r));
  }
  return out;
}

function renderRates() {
  const t = targetStatus();
  const days = groupBy(page.history, r => (r.time || '').slice(0, 10), r => r.cost_usd || 0);
  const labels = [...days.keys()].sort();
  const datasets = [{ type: 'bar', label: 'spent (ledger, $)', data: labels.map(d => days.get(d)), backgroundColor: '#7aa2e3' }];
  if (t && typeof t.usd_per_day === 'number')
    datasets.push({ type: 'line', label: 'budget.usd_per_day', data: labels.map(() => t.usd_per_day), borderColor: '#d63b3b',
                    borderDash: [5, 4], pointRadius: 0 });
  $('spend-note').textContent = t ? `(today ${money(t.spent_today_usd)} paid${typeof t.usd_per_day === 'number' ? ' of ' + money(t.usd_per_day) : ''})` : '';
  upsertChart('spend-chart', { type: 'bar', data: { labels, datasets },
                               options: { animation: false, maintainAspectRatio: false, plugins: { legend: { position: 'bottom' } } } });
  const hours = groupBy(page.history, r => (r.time || '').slice(0, 13), () => 1);
  const hourLabels = [...hours.keys()].sort();
  upsertChart('rate-chart', { type: 'bar', data: { labels: hourLabels.map(h => h.replace('T', ' ') + 'h'),
                                                   datasets: [{ label: 'experiments', data: hourLabels.map(h => hours.get(h)), backgroundColor: '#9ad0a9' }] },
                              options: { animation: false, maintainAspectRatio: false, plugins: { legend: { display: false } },
                                         scales: { y: { ticks: { precision: 0 } } } } });
}

function renderJudge() {
  const judged = page.history.filter(r => r.judge && Array.isArray(r.judge.criteria));
  const t = targetStatus();
  const panel = $('judge-panel');
  if (!judged.length && !(t && t.judge)) { panel.classList.add('hidden'); return; }
  panel.classList.remove('hidden');
  const labels = new Map();
  for (const r of judged) for (const c of r.judge.criteria) labels.set(c.label, c.question || c.label);
  const datasets = [...labels.keys()].map((label, i) => ({
    type: 'line', label: `${label} ${labels.get(label)}`.slice(0, 60),
    data: judged.map(r => { const c = r.judge.criteria.find(x => x.label === label); return c ? { x: r.id, y: c.rate } : null; }).filter(Boolean),
    borderColor: ['#2f6fdf', '#2e9d4f', '#f08c00', '#d63b3b', '#8d5a3b', '#7b61ff'][i % 6], pointRadius: 3, tension: 0,
  }));
  upsertChart('criteria-chart', { data: { datasets }, options: { animation: false, maintainAspectRatio: false,
    scales: { x: { type: 'linear', ticks: { precision: 0 }, title: { display: true, text: 'experiment' } },
              y: { min: 0, max: 1, title: { display: true, text: 'pass rate' } } },
    plugins: { legend: { position: 'bottom' } } } });
  const held = t && t.judge && t.judge.held_out;
  $('held-out').textContent = held
    ? `held-out score ${num(held.score)} (after #${held.after}) vs ${num(held.samples_score)} on the samples: a gap of ${num(held.gap)}` +
      (held.paused ? ' — PAUSED: the agent may be fitting the judge' : held.warning ? ' — warning: the gap grew' : '')
    : 'no held-out check yet';
}

function renderSearch() {
  const t = targetStatus();
  const search = t && t.search;
  const front = search && search.front;
  $('front-panel').classList.toggle('hidden', !front);
  if (front) {
    const objectives = t.objectives || [];
    const head = $('front').tHead.rows[0];
    head.replaceChildren(el('th', '#'), el('th', 'commit'), ...objectives.map(o => el('th', `${o.metric} (${o.direction === 'minimize' ? 'min' : 'max'})`)));
    const body = $('front').tBodies[0];
    body.replaceChildren();
    for (const m of front) {
      const tr = el('tr');
      tr.append(el('td', m.id), el('td', String(m.commit).slice(0, 12)), ...m.values.map(v => el('td', num(v))));
      body.append(tr);
    }
    if (objectives.length >= 2) {
      const [a, b] = objectives.map(o => o.metric);
      const all = page.history.filter(r => r.scores && typeof r.scores[a] === 'number' && typeof r.scores[b] === 'number')
        .map(r => ({ x: r.scores[a], y: r.scores[b], r }));
      upsertChart('front-chart', { data: { datasets: [
        { label: 'experiments', data: all, backgroundColor: '#c3c9d4' },
        { label: 'front', data: front.map(m => ({ x: m.values[0], y: m.values[1] })), backgroundColor: '#2e9d4f', pointRadius: 6 }] },
        options: { animation: false, maintainAspectRatio: false,
                   scales: { x: { title: { display: true, text: a } }, y: { title: { display: true, text: b } } } } });
    }
  }
  const tree = search && (search.tree || search.strategy === 'tree');
  $('tree-panel').classList.toggle('hidden', !tree);
  if (tree) renderTree(search.tree);
  const archive = search && search.archive;
  $('archive-panel').classList.toggle('hidden', !archive);
  if (archive) {
    $('archive').textContent = `${archive.cells} cells filled, ${Math.round((archive.coverage || 0) * 100)}% of the archive covered`;
    renderArchive(archive.grid);
  }
}

/// The archive's cells: a grid over the first two descriptors (a row for one), each filled
/// cell with its elite's number and fitness; a click opens that experiment.
function renderArchive(grid) {
  const table = $('archive-grid');
  table.replaceChildren();
  if (!grid || !Array.isArray(grid.descriptors) || !grid.descriptors.length) return;
  const [across, down] = grid.descriptors;
  const rows = down ? Math.min(down.bins, 50) : 1;
  const cols = Math.min(across.bins, 50);
  const cells = grid.cells || {};
  const fitnesses = Object.values(cells).map(c => c.fitness);
  const lo = Math.min(...fitnesses), hi = Math.max(...fitnesses);
  const head = el('tr');
  head.append(el('th', down ? `${down.name} ↓  ${across.name} →` : across.name));
  for (let c = 0; c < cols; c++) head.append(el('th', num(across.min + (across.max - across.min) * c / across.bins)));
  table.append(head);
  for (let r = 0; r < rows; r++) {
    const tr = el('tr');
    tr.append(el('th', down ? num(down.min + (down.max - down.min) * r / down.bins) : ''));
    for (let c = 0; c < cols; c++) {
      // Cells of more than two descriptors fold onto their first two bins.
      const found = Object.entries(cells).find(([k]) => {
        const bins = k.split(',').map(Number);
        return bins[0] === c && (down ? bins[1] === r : true);
      });
      const td = el('td', found ? `#${found[1].id} ${num(found[1].fitness)}` : '');
      td.className = 'cell';
      if (found) {
        const t = hi > lo ? (found[1].fitness - lo) / (hi - lo) : 1;
        td.style.background = `rgba(46, 157, 79, ${0.15 + 0.6 * t})`;
        td.style.cursor = 'pointer';
        td.dataset.id = String(found[1].id);
        td.addEventListener('click', () => {
          const rec = page.history.find(h => h.id === found[1].id);
          if (rec) showExperiment(rec.key);
        });
      }
      tr.append(td);
    }
    table.append(tr);
  }
}

/// The candidates as a tree: each experiment under the commit it was made from.
function renderTree(summary) {
  $('tree-note').textContent = summary ? `(${summary.nodes} candidates, ${summary.live} live)` : '';
  const children = new Map();
  let root = null;
  for (const r of page.history) {
    if (r.outcome === 'baseline') { root = r; continue; }
    const p = r.parent || '';
    if (!children.has(p)) children.set(p, []);
    children.get(p).push(r);
  }
  const list = $('tree');
  list.replaceChildren();
  if (!root) return;
  const item = (r, depth) => {
    const li = el('li');
    li.append(el('span', r.outcome, 'outcome o-' + r.outcome), el('span', ` #${r.id} ${num(r.score)} `), el('span', (r.hypothesis || '').slice(0, 80), 'muted'));
    li.style.cursor = 'pointer';
    li.addEventListener('click', (e) => { e.stopPropagation(); showExperiment(r.key); });
    const kids = r.commit && depth < 50 ? (children.get(r.commit) || []) : [];
    if (kids.length) {
      const ul = el('ul');
      for (const k of kids) ul.append(item(k, depth + 1));
      li.append(ul);
    }
    return li;
  };
  list.append(item(root, 0));
}

function renderTable() {
  const body = $('points').tBodies[0];
  body.replaceChildren();
  for (const r of page.history.slice().reverse()) {
    const tr = el('tr', null, 'clickable');
    tr.dataset.id = String(r.id);
    tr.dataset.outcome = r.outcome;
    tr.dataset.score = typeof r.score === 'number' ? String(r.score) : '';
    if (r.key === page.selected) tr.classList.add('selected');
    const outcome = el('td');
    outcome.append(el('span', r.outcome, 'outcome o-' + r.outcome));
    const why = r.hypothesis || r.detail || '';
    tr.append(el('td', r.id), outcome, el('td', num(r.score)), el('td', money(r.cost_usd)),
              el('td', (r.time || '').replace('T', ' ').replace('Z', '')), el('td', why));
    tr.addEventListener('click', () => showExperiment(r.key));
    body.append(tr);
  }
}

function renderHistory() {
  renderTrajectory();
  renderOutcomes();
  renderRates();
  renderJudge();
  renderSearch();
  renderTable();
}

// ---- one experiment ---------------------------------------------------------------------

function fact(list, name, value) {
  if (value === undefined || value === null || value === '') return;
  list.append(el('dt', name), el('dd', value));
}

function renderDiff(pre, text) {
  pre.replaceChildren();
  if (!text) { pre.textContent = '(no change recorded)'; return; }
  for (const line of text.split('\n')) {
    const cls = line.startsWith('+++') || line.startsWith('---') || line.startsWith('diff ') ? 'file'
      : line.startsWith('@@') ? 'hunk' : line.startsWith('+') ? 'add' : line.startsWith('-') ? 'del' : null;
    pre.append(el('span', line + '\n', cls));
  }
}

async function showExperiment(key) {
  if (!key) return;
  page.selected = key;
  try {
    const e = await getJSON('/api/experiments/' + encodeURIComponent(key));
    const panel = $('experiment');
    panel.classList.remove('hidden');
    $('experiment-title').textContent = `${e.target} #${e.id}: ${e.outcome}${typeof e.score === 'number' ? ' ' + num(e.score) : ''}`;
    const facts = $('experiment-facts');
    facts.replaceChildren();
    fact(facts, 'hypothesis', e.hypothesis);
    fact(facts, 'decision', e.decision && e.decision.reason);
    if (e.decision && typeof e.decision.probability === 'number') fact(facts, 'probability', num(e.decision.probability));
    if (e.judge && e.judge.test) fact(facts, 'statistical test', JSON.stringify(e.judge.test));
    if (e.judge && typeof e.judge.score === 'number') fact(facts, 'judge score', num(e.judge.score));
    fact(facts, 'detail', e.detail);
    for (const v of e.violations || []) fact(facts, 'violation', `${v.path} (${v.reason})`);
    const stages = Object.entries(e.scores || {}).map(([k, v]) => `${k} ${num(v)}`).join(', ');
    fact(facts, 'stages', stages);
    fact(facts, 'commit', e.commit);
    fact(facts, 'cost', money(e.cost_usd));
    fact(facts, 'duration', typeof e.duration_s === 'number' ? e.duration_s.toFixed(2) + ' s' : '');
    fact(facts, 'key', e.key);
    const body = $('nodes').tBodies[0];
    body.replaceChildren();
    for (const n of e.nodes || []) {
      const tr = el('tr', null, 'clickable');
      tr.dataset.key = n.key;
      const cached = n.cached === true ? 'hit' : n.cached === false ? 'ran' : '-';
      tr.append(el('td', n.draft), el('td', n.what), el('td', n.outcome || 'not run'),
                el('td', typeof n.duration_s === 'number' ? n.duration_s.toFixed(2) + ' s' : '-'), el('td', cached),
                el('td', n.key.slice(0, 16)));
      tr.addEventListener('click', () => showNode(n.key, n.what));
      body.append(tr);
    }
    $('node-logs').replaceChildren();
    renderDiff($('diff'), e.diff);
    renderTable();
  } catch (err) {
    showError(String(err.message || err));
  }
}

async function showNode(key, what) {
  try {
    const n = await getJSON('/api/experiments/' + encodeURIComponent(key));
    const box = $('node-logs');
    box.replaceChildren(el('h2', `${what} ${key.slice(0, 16)}${n.result && n.result.detail ? ': ' + n.result.detail : ''}`));
    const logs = n.logs || {};
    const names = Object.keys(logs);
    if (!names.length) box.append(el('p', 'no output stored', 'muted'));
    for (const name of names) {
      box.append(el('div', name, 'muted'));
      box.append(el('pre', logs[name] === null ? '(missing from the cache)' : logs[name]));
    }
  } catch (err) {
    showError(String(err.message || err));
  }
}

$('log-scale').addEventListener('change', renderTrajectory);
connect();
