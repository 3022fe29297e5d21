/*
 * Renderers for result values (the `value` of a `result` message, docs/protocol.md): one function per kind, and
 * any renderer that throws falls back to the plain-text repr.
 */
import { button, el, scrollablePre } from './dom.js';
import { formatBytes, formatInt, formatShape, nonFinite, num4 } from './format.js';
import { heatmap } from './heatmap.js';
import { t } from './strings.js';

// The elision marker, only when the value says "truncated" (a string value may be "..."); set per array.
let ELIDED = '...';
const NEVER = {};
const MAX_TABLE_CELLS = 5000;

const FLOAT_DIGITS = { float16: 4, half: 4, bfloat16: 3, float32: 8 };

/** One element of an array (or a scalar), formatted for its dtype. */
function formatScalar(x, dtype) {
  if (x === ELIDED) return '…';
  if (typeof x === 'boolean') return x ? 'True' : 'False';
  if (x === null) return 'None';
  if (dtype === 'string' && typeof x === 'string') return x;
  const nf = nonFinite(x);
  if (nf) return nf;
  if (typeof x === 'number') {
    const d = String(dtype || '');
    if (/^u?int/.test(d) || d === 'bool') return String(x);
    let s = FLOAT_DIGITS[d] ? String(Number(x.toPrecision(FLOAT_DIGITS[d]))) : String(x);
    if (/float|half|double/.test(d) && /^-?\d+$/.test(s)) s += '.0';
    return s;
  }
  if (typeof x === 'string') return x;
  return JSON.stringify(x);
}

/* Index labels for one axis: positions after the "..." marker count back from the end. */
function indexLabels(items, size) {
  const cut = items.indexOf(ELIDED);
  return items.map((x, i) => {
    if (i === cut) return '…';
    if (cut < 0 || i < cut || !Number.isInteger(size)) return String(i);
    return String(size - (items.length - i));
  });
}

function countCells(values) {
  if (!Array.isArray(values)) return 1;
  let n = 0;
  for (const v of values) n += Array.isArray(v) ? v.length : 1;
  return n;
}

/* 1-D and 2-D values as a compact grid with index headers. */
function renderGrid(values, shape, dtype) {
  const table = el('table', 'grid');
  const body = el('tbody');
  const isText = dtype === 'string';
  const cell = (x) => el('td', x === ELIDED ? 'elided' : isText ? 'str' : null, formatScalar(x, dtype));
  if (shape.length === 1) {
    const longRow = values.length > 12 && values.indexOf(ELIDED) < 0;
    if (longRow) {
      // Wrap long vectors into rows of 10, labelled with their first index.
      for (let i = 0; i < values.length; i += 10) {
        const tr = el('tr', null, el('th', 'idx', String(i)));
        values.slice(i, i + 10).forEach((x) => tr.append(cell(x)));
        body.append(tr);
      }
    } else {
      const head = el('tr');
      indexLabels(values, shape[0]).forEach((l) => head.append(el('th', 'idx', l)));
      const tr = el('tr');
      values.forEach((x) => tr.append(cell(x)));
      table.append(el('thead', null, head));
      body.append(tr);
    }
  } else {
    const firstRow = values.find((r) => Array.isArray(r)) || [];
    const head = el('tr', null, el('th', 'corner'));
    const cols = indexLabels(firstRow, shape[1]);
    cols.forEach((l) => head.append(el('th', 'idx', l)));
    table.append(el('thead', null, head));
    const rowLabels = indexLabels(values, shape[0]);
    values.forEach((row, r) => {
      const tr = el('tr', null, el('th', 'idx', rowLabels[r]));
      if (Array.isArray(row)) {
        row.forEach((x) => tr.append(cell(x)));
      } else {
        // A whole elided row: vertical ellipses, diagonal where the columns are elided too.
        firstRow.forEach((x) => tr.append(el('td', 'elided', x === ELIDED ? '⋱' : '⋮')));
      }
      body.append(tr);
    });
  }
  table.append(body);
  const wrap = el('div', 'grid-wrap', table);
  wrap.tabIndex = 0; // scrollable region must be keyboard reachable
  wrap.setAttribute('role', 'region');
  wrap.setAttribute('aria-label', t('values') + ' ' + formatShape(shape));
  return wrap;
}

/* NumPy-style nested text for >2-D (or irregular) values. */
function nestedText(values, ndim, dtype) {
  const quote = dtype === 'string';
  const leaf = (x) =>
    x === ELIDED ? '...' : quote && typeof x === 'string' ? JSON.stringify(x) : formatScalar(x, dtype);
  let width = 0;
  (function measure(a) {
    if (Array.isArray(a)) a.forEach(measure);
    else if (a !== ELIDED) width = Math.max(width, leaf(a).length);
  })(values);
  const pad = (s) => (s === '...' ? s : ' '.repeat(Math.max(0, width - s.length)) + s);
  function rec(a, depth) {
    if (!Array.isArray(a)) return pad(leaf(a));
    if (depth >= ndim - 1)
      return '[' + a.map((x) => (Array.isArray(x) ? JSON.stringify(x) : pad(leaf(x)))).join(' ') + ']';
    const sep = '\n'.repeat(Math.max(1, ndim - depth - 1)) + ' '.repeat(depth + 1);
    return '[' + a.map((x) => (x === ELIDED ? '...' : rec(x, depth + 1))).join(sep) + ']';
  }
  return rec(values, 0);
}

function code(text, cls) {
  return el('code', cls || null, text);
}

function badge(kind) {
  return el('span', 'badge badge-' + (/^[a-z]+$/.test(kind) ? kind : 'other'), kind);
}

/* tensor / variable / ndarray */
function renderArray(v) {
  const shape = Array.isArray(v.shape) ? v.shape : null;
  ELIDED = v.truncated === false ? NEVER : '...';
  const dtype = v.dtype ? String(v.dtype) : '';
  if (!shape || v.values === undefined || (shape.length > 0 && !Array.isArray(v.values))) return renderText(v);

  const meta = [];
  if (v.kind === 'variable' && v.name) meta.push(code(String(v.name), 'var-name'));

  // Scalars render inline: "42.0  float32 ()".
  if (shape.length === 0 && !Array.isArray(v.values)) {
    const span = el('span', 'scalar');
    if (v.kind !== 'tensor') span.append(badge(v.kind), ' ');
    meta.forEach((m) => span.append(m, ' '));
    span.append(code(formatScalar(v.values, dtype), 'scalar-value'), ' ', el('span', 'meta', dtype + ' ()'));
    if (v.device) span.append(' ', el('span', 'meta', v.device));
    span.title = v.repr || '';
    return span;
  }

  const head = el('div', 'card-head', badge(v.kind));
  meta.forEach((m) => head.append(m));
  head.append(code('shape=' + formatShape(shape)), code('dtype=' + dtype));
  if (v.device) head.append(el('span', 'meta', String(v.device)));
  if (v.kind === 'variable' && typeof v.trainable === 'boolean') {
    head.append(el('span', 'meta', t(v.trainable ? 'trainable' : 'not_trainable')));
  }

  let body;
  const empty = shape.some((d) => d === 0);
  if (empty) body = el('p', 'meta', t('empty'));
  else if (
    (shape.length === 1 || shape.length === 2) &&
    Array.isArray(v.values) &&
    countCells(v.values) <= MAX_TABLE_CELLS
  ) {
    body = renderGrid(v.values, shape, dtype);
  } else {
    body = scrollablePre('nested', nestedText(v.values, shape.length, dtype));
  }

  const card = el('div', 'card card-array', head, body);
  if (shape.length === 2 && body.className === 'grid-wrap' && dtype !== 'string') addHeatmapToggle(head, body, v);
  const foot = el('div', 'card-foot');
  if (v.size !== undefined) foot.append(el('span', null, t('elements', { n: formatInt(v.size) })));
  if (v.nbytes !== undefined) foot.append(el('span', null, formatBytes(v.nbytes)));
  const s = v.stats;
  if (s && typeof s === 'object') {
    if (s.min !== undefined) foot.append(el('span', null, t('stat_min') + ' ' + formatScalar(s.min, dtype)));
    if (s.max !== undefined) foot.append(el('span', null, t('stat_max') + ' ' + formatScalar(s.max, dtype)));
    if (s.mean !== undefined) foot.append(el('span', null, t('stat_mean') + ' ' + num4(s.mean)));
    [
      ['nan', 'stat_nan'],
      ['inf', 'stat_inf'],
    ].forEach(([k, label]) => {
      if (s[k]) foot.append(el('span', 'warn', t(label) + ' ' + (s[k] === true ? '✓' : formatInt(s[k]))));
    });
  }
  if (v.truncated) foot.append(el('span', 'meta', t('truncated')));
  if (foot.childNodes.length) card.append(foot);
  return card;
}

/* A toggle between the grid and a heatmap of the same (possibly summarised) values. */
function addHeatmapToggle(head, grid, v) {
  const marker = ELIDED;
  const btn = button('btn btn-quiet btn-toggle', t('heatmap'));
  btn.setAttribute('aria-pressed', 'false');
  let map = null;
  btn.addEventListener('click', () => {
    const on = btn.getAttribute('aria-pressed') !== 'true';
    if (on && !map) {
      const firstRow = v.values.find((r) => Array.isArray(r)) || [];
      ELIDED = marker;
      const labels = { rows: indexLabels(v.values, v.shape[0]), cols: indexLabels(firstRow, v.shape[1]) };
      const canvas = heatmap(v.values, (x) => x === marker, labels);
      if (!canvas) return;
      map = el('div', 'heatmap-wrap', canvas);
      grid.after(map);
    }
    btn.setAttribute('aria-pressed', String(on));
    grid.hidden = on;
    map.hidden = !on;
  });
  head.append(btn);
}

/** One short line for a value, shown at the end of its editor line. */
export function summarize(v) {
  if (!v || typeof v !== 'object') return String(v);
  if (Array.isArray(v.shape) && (v.kind === 'tensor' || v.kind === 'variable' || v.kind === 'ndarray')) {
    if (v.shape.length === 0 && !Array.isArray(v.values)) {
      ELIDED = NEVER;
      return formatScalar(v.values, v.dtype) + '  ' + v.dtype;
    }
    return formatShape(v.shape) + ' ' + v.dtype;
  }
  if (v.kind === 'model') return String(v.name || 'model') + (typeof v.params === 'number' ? ' · ' + t('params', { n: formatInt(v.params) }) : '');
  const text = String(v.repr === undefined ? '' : v.repr).split('\n')[0];
  return text.length > 48 ? text.slice(0, 47) + '…' : text;
}

/* shape / dtype / text: the repr in monospace (inline if it is one short line). */
function renderText(v) {
  const text = v && v.repr !== undefined ? String(v.repr) : JSON.stringify(v);
  if (text.indexOf('\n') < 0 && text.length <= 120) return code(text, 'inline-repr');
  return scrollablePre('repr', text);
}

function renderModel(v) {
  const head = el('div', 'card-head', badge('model'));
  if (v.name) head.append(code(String(v.name), 'var-name'));
  if (typeof v.params === 'number') head.append(el('span', 'meta', t('params', { n: formatInt(v.params) })));
  return el('div', 'card card-model', head, scrollablePre('summary', String(v.summary || v.repr || '')));
}

/* figure: a PNG from matplotlib; lossbench: bench_loss's report. */
function image(p, alt) {
  const img = el('img', 'figure');
  img.src = 'data:image/png;base64,' + p.png_b64; // fixed type: an image, whatever the data
  img.width = p.width;
  img.height = p.height;
  img.alt = alt;
  return img;
}

function renderBench(v) {
  const [first, ...checks] = String(v.repr).split('\n'); // a summary, then one line a check
  const head = el('div', 'card-head', badge('lossbench'), el('span', v.ok ? null : 'warn', first));
  return el('div', 'card', head, el('pre', 'repr', checks.join('\n')), v.plot && image(v.plot, t('bench_plot')));
}

const RENDERERS = {
  figure: (v) => image(v, v.repr),
  lossbench: renderBench,
  tensor: renderArray,
  variable: renderArray,
  ndarray: renderArray,
  shape: renderText,
  dtype: renderText,
  text: renderText,
  model: renderModel,
};

/** Render one result value; never throws. */
export function renderValue(v) {
  if (!v || typeof v !== 'object') return code(String(v), 'inline-repr');
  const fn = Object.prototype.hasOwnProperty.call(RENDERERS, v.kind) ? RENDERERS[v.kind] : renderText;
  try {
    return fn(v);
  } catch (err) {
    console.error('playground: cannot render', v.kind, err);
    return renderText(v);
  }
}
