/* The training panel: each fit a run, kept until Restart; ticked runs overlaid, a chart per metric (the learning
   rate too when it changes); a table of each run's settings (docs/protocol.md, progress `settings`). */
import { createCurves } from './curves.js';
import { button, download, el } from './dom.js';
import { finite, formatDuration, formatInt, formatTick, num4 } from './format.js';
import { t } from './strings.js';

const MAX_RUNS = 20;
const MAX_CHARTS = 8;
const MAX_KEYS = 12; // log names a run: a kernel may send any number
const MAX_EPOCHS = 100000;
const MAX_SHOWN = 1000; // points a line, as TensorBoard samples
const MIN_REDRAW_MS = 50; // a fast fit's points are drawn in batches
const COLORS = ['#0550ae', '#bc4c00', '#1a7f37', '#8250df', '#cf222e', '#0a7ea4', '#9a6700', '#6e7781'];
const COLUMNS = 'optimizer lr loss batch epochs params time final'.split(' ');

/** root: the page's empty panel, or none (a recorded run's). */
export function createTrainingPanel(root = el('section', 'training')) {
  const log = checkbox(t('log_scale'));
  const smoothing = Object.assign(el('input'), { type: 'range', max: 0.99, step: 0.01, value: 0.6 });
  const charts = new Map();
  const chartsEl = el('div', 'charts');
  const rows = el('tbody');
  const head = ['', 'run', ...COLUMNS].map((key) => el('th', null, key && t('col_' + key)));
  const tools = el('div', 'training-tools', log.el, el('label', null, t('smoothing'), ' ', smoothing), button('btn btn-quiet', t('export_png'), () => import('./chartpng.js').then((m) => m.png(charts))));
  const table = el('table', 'runs', el('thead', null, el('tr', null, ...head)), rows);
  root.replaceChildren(el('h2', 'pane-title', t('phase_fit')), tools, table, chartsEl);
  root.hidden = true;
  let runs = [];
  let count = 0; // runs begun
  let queued = false;
  let drawnAt = 0;
  const wait = () => Math.max(0, drawnAt + MIN_REDRAW_MS - performance.now());
  const redraw = () => queued || (queued = setTimeout(() => requestAnimationFrame(draw), wait()));
  log.input.addEventListener('change', redraw);
  smoothing.addEventListener('input', redraw);

  /** A fit starts: its run, and the function to feed it the fit's progress. */
  function begin(title) {
    const same = runs.filter((r) => r.title === title).length;
    const run = { title, label: same ? `${title} (${same + 1})` : title, color: COLORS[(count++ * 2) % 8], cols: new Map() };
    Object.assign(run, { epochs: [], lr: [], times: [], settings: {}, shown: true });
    const show = checkbox('', t('show_run', { run: run.label }));
    show.input.addEventListener('change', () => redraw((run.shown = show.input.checked)));
    const swatch = el('i', 'swatch');
    swatch.style.borderColor = run.color;
    run.cells = COLUMNS.map(() => el('td'));
    const save = button('btn btn-quiet', t('export_csv'), () => download(new Blob([csv(run)]), run.label + '.csv'));
    run.row = el('tr', null, el('td', null, show.el), el('td', null, swatch, run.label), ...run.cells, el('td', null, save));
    rows.append(run.row);
    runs.push(run);
    if (runs.length > MAX_RUNS) runs.shift().row.remove();
    root.hidden = false;
    return (m) => add(run, m);
  }

  function add(run, m) {
    const epoch = finite(m.epoch);
    if (m.event !== 'epoch' || epoch === null || run.epochs.length >= MAX_EPOCHS) return;
    const i = run.epochs.push(Math.round(epoch)) - 1;
    for (const [key, value] of Object.entries(m.logs || {})) {
      if (run.cols.size < MAX_KEYS && !run.cols.has(key)) run.cols.set(key, []);
      if (run.cols.has(key)) run.cols.get(key)[i] = Number(value);
    }
    [run.lr[i], run.times[i], run.asked] = [finite(m.lr), finite(m.epoch_time_s), finite(m.epochs)];
    if (m.settings && typeof m.settings === 'object') run.settings = m.settings;
    redraw((run.dirty = true));
  }

  function draw() {
    [queued, drawnAt] = [false, performance.now()];
    const shown = runs.filter((r) => r.shown && r.epochs.length);
    const lo = Math.min(...shown.map((r) => r.epochs[0]));
    const hi = Math.min(lo + MAX_EPOCHS, Math.max(...shown.map((r) => r.epochs.at(-1))));
    const k = Math.ceil((hi - lo + 1) / MAX_SHOWN); // every k-th epoch, and the last
    const xs = shown.length ? Array.from({ length: Math.ceil((hi - lo + 1) / k) }, (_, i) => lo + i * k) : [];
    if (xs.length && xs.at(-1) !== hi) xs.push(hi);
    const along = (run, values) => {
      const ys = xs.map(() => null);
      run.epochs.forEach((e, i) => {
        const j = e === hi ? xs.length - 1 : (e - lo) / k;
        if (Number.isInteger(j) && j < xs.length && Number.isFinite(values[i])) ys[j] = values[i];
      });
      return ys;
    };
    const metrics = new Map(); // metric -> lines
    const line = (metric, label, color, values, dashed) => {
      if (!metrics.has(metric)) metrics.set(metric, []);
      metrics.get(metric).push({ label, color, ys: along(...values), dashed });
    };
    for (const run of shown) {
      run.cols.forEach((values, key) => {
        const val = key.startsWith('val_');
        const color = val ? COLORS[(COLORS.indexOf(run.color) + 1) % 8] : run.color;
        line(val ? key.slice(4) : key, run.label + (val ? ' ' + t('validation') : ''), color, [run, values], val);
      });
    }
    if (shown.some((r) => new Set(r.lr.filter((x) => x !== null)).size > 1)) {
      shown.forEach((run) => line('lr', run.label, run.color, [run, run.lr]));
    }
    charts.forEach((chart, metric) => metrics.has(metric) || (chart.remove(), charts.delete(metric)));
    metrics.forEach((lines, metric) => chartFor(metric)?.draw(xs, lines, log.input.checked, Number(smoothing.value)));
    runs.forEach(drawRow);
  }

  function chartFor(metric) {
    if (!charts.has(metric) && charts.size < MAX_CHARTS) {
      charts.set(metric, createCurves(metric === 'lr' ? t('learning_rate') : metric));
      chartsEl.append(charts.get(metric).el);
    }
    return charts.get(metric);
  }

  function drawRow(run) {
    if (!run.dirty) return;
    run.dirty = false;
    const s = run.settings;
    const last = run.epochs.length - 1;
    const times = run.times.filter((x) => x !== null);
    const final = [...run.cols].filter(([, v]) => v[last] !== undefined).map(([key, v]) => key + ' ' + num4(v[last]));
    [
      text(s.optimizer),
      finite(s.learning_rate) === null ? '' : (formatTick(s.learning_rate) + ' ' + text(s.schedule)).trim(),
      text(s.loss),
      finite(s.batch_size) ?? '',
      run.epochs[last] + (run.asked ? '/' + run.asked : ''),
      finite(s.params) === null ? '' : formatInt(s.params),
      times.length ? formatDuration((1000 * times.reduce((a, b) => a + b)) / times.length) : '',
      final.join(' · '),
    ].forEach((c, i) => (run.cells[i].textContent = c));
  }

  function clear() {
    runs.forEach((run) => run.row.remove());
    charts.forEach((chart) => chart.remove());
    charts.clear();
    [runs, count, root.hidden] = [[], 0, true];
  }

  return { el: root, begin, clear };
}

const text = (x) => (typeof x === 'string' ? x.slice(0, 80) : '');

function checkbox(label, name) {
  const input = Object.assign(el('input'), { type: 'checkbox', checked: !!name });
  if (name) input.setAttribute('aria-label', name);
  return { input, el: el('label', null, input, label) };
}

/** A run's epochs, a line each; log names (the kernel's) as word characters: no spreadsheet formulas. */
export function csv(run) {
  const keys = [...run.cols.keys()];
  const lines = [['epoch', ...keys.map((k) => k.replace(/\W/g, '_')), 'lr', 'epoch_time_s']];
  run.epochs.forEach((e, i) => lines.push([e, ...keys.map((k) => run.cols.get(k)[i]), run.lr[i], run.times[i]]));
  return lines.map((line) => line.map((x) => x ?? '').join(',')).join('\n') + '\n';
}
