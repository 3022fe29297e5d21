/* Result values (docs/protocol.md, `result`), one renderer per kind; the repr when one fails. */
import { el, scrollable, scrollablePre, toggleButton } from './dom.js';
import { formatBytes, formatInt, formatShape, nonFinite, num4 } from './format.js';
import { heatmap } from './heatmap.js';
import { renderModel } from './modelcard.js';
import { t } from './strings.js';

// `elided`: an array's marker of elided values, '...' in a summary (a string may be '...'), else NEVER.
const NEVER = {};
const MAX_TABLE_CELLS = 5000;
const FLOAT_DIGITS = { float16: 4, half: 4, bfloat16: 3, float32: 8 };

function formatScalar(x, dtype, elided) {
  if (x === elided) return '…';
  if (typeof x === 'boolean') return x ? 'True' : 'False';
  if (x === null) return 'None';
  if (typeof x === 'string' && dtype === 'string') return x;
  const label = nonFinite(x);
  if (label) return label;
  if (typeof x !== 'number') return typeof x === 'string' ? x : JSON.stringify(x);
  if (/^u?int/.test(dtype) || dtype === 'bool') return String(x);
  const s = FLOAT_DIGITS[dtype] ? String(Number(x.toPrecision(FLOAT_DIGITS[dtype]))) : String(x);
  return /float|half|double/.test(dtype) && /^-?\d+$/.test(s) ? s + '.0' : s;
}

/* After an elision, index labels count back from the end. */
function indexLabels(items, size, elided) {
  const cut = items.indexOf(elided);
  return items.map((x, i) => {
    if (i === cut) return '…';
    return String(cut < 0 || i < cut || !Number.isInteger(size) ? i : size - (items.length - i));
  });
}

const countCells = (values) => values.reduce((n, v) => n + (Array.isArray(v) ? v.length : 1), 0);
const firstRowOf = (values) => values.find((r) => Array.isArray(r)) || [];
const headerRow = (first, labels) => el('tr', null, first, ...labels.map((l) => el('th', 'idx', l)));

function renderGrid(values, shape, dtype, elided) {
  const cellClass = (x) => (x === elided ? 'elided' : dtype === 'string' ? 'str' : null);
  const row = (label, items) => el('tr', null, label, ...items.map((x) => el('td', cellClass(x), formatScalar(x, dtype, elided))));
  const table = el('table', 'grid');
  const body = el('tbody');
  if (shape.length === 1 && values.length > 12 && !values.includes(elided)) {
    // A long vector wraps into rows of 10, each labelled with its first index.
    for (let i = 0; i < values.length; i += 10) body.append(row(el('th', 'idx', String(i)), values.slice(i, i + 10)));
  } else if (shape.length === 1) {
    table.append(el('thead', null, headerRow(null, indexLabels(values, shape[0], elided))));
    body.append(row(null, values));
  } else {
    const firstRow = firstRowOf(values);
    table.append(el('thead', null, headerRow(el('th', 'corner'), indexLabels(firstRow, shape[1], elided))));
    const labels = indexLabels(values, shape[0], elided);
    values.forEach((items, r) => {
      const label = el('th', 'idx', labels[r]);
      if (Array.isArray(items)) body.append(row(label, items));
      // A whole elided row: vertical ellipses, diagonal where the columns are elided too.
      else body.append(el('tr', null, label, ...firstRow.map((x) => el('td', 'elided', x === elided ? '⋱' : '⋮'))));
    });
  }
  table.append(body);
  return scrollable(el('div', 'grid-wrap', table), t('values') + ' ' + formatShape(shape));
}

/* NumPy-style text, past two dimensions. */
function nestedText(values, ndim, dtype, elided) {
  const leaf = (x) => (x === elided ? '...' : dtype === 'string' && typeof x === 'string' ? JSON.stringify(x) : formatScalar(x, dtype, elided));
  const width = Math.max(0, ...values.flat(Infinity).map((x) => (x === elided ? 0 : leaf(x).length)));
  const pad = (s) => (s === '...' ? s : s.padStart(width));
  function nest(a, depth) {
    if (!Array.isArray(a)) return pad(leaf(a));
    if (depth >= ndim - 1) return '[' + a.map((x) => (Array.isArray(x) ? JSON.stringify(x) : pad(leaf(x)))).join(' ') + ']';
    const sep = '\n'.repeat(Math.max(1, ndim - depth - 1)) + ' '.repeat(depth + 1);
    return '[' + a.map((x) => (x === elided ? '...' : nest(x, depth + 1))).join(sep) + ']';
  }
  return nest(values, 0);
}

const code = (text, className) => el('code', className, text);
const meta = (text) => el('span', 'meta', text);
const badge = (kind) => el('span', 'badge badge-' + kind, kind);

/* tensor, variable, ndarray: a scalar inline ("42.0  float32 ()"), else a card. */
function renderArray(v) {
  const elided = v.truncated === false ? NEVER : '...';
  const { shape, dtype } = v;
  const name = v.kind === 'variable' && v.name ? code(v.name, 'var-name') : null;
  if (shape.length === 0 && !Array.isArray(v.values)) {
    const span = el('span', 'scalar');
    if (v.kind !== 'tensor') span.append(badge(v.kind), ' ');
    if (name) span.append(name, ' ');
    span.append(code(formatScalar(v.values, dtype, elided), 'scalar-value'), ' ', meta(dtype + ' ()'));
    if (v.device) span.append(' ', meta(v.device));
    span.title = v.repr;
    return span;
  }
  const head = el('div', 'card-head', badge(v.kind), name, code('shape=' + formatShape(shape)), code('dtype=' + dtype));
  if (v.device) head.append(meta(v.device));
  if (v.kind === 'variable') head.append(meta(t(v.trainable ? 'trainable' : 'not_trainable')));
  let body;
  if (shape.includes(0)) body = el('p', 'meta', t('empty'));
  else if (shape.length <= 2 && countCells(v.values) <= MAX_TABLE_CELLS) body = renderGrid(v.values, shape, dtype, elided);
  else body = scrollablePre('nested', nestedText(v.values, shape.length, dtype, elided));
  if (shape.length === 2 && body.className === 'grid-wrap' && dtype !== 'string') head.append(heatmapToggle(body, v, elided));
  return el('div', 'card card-array', head, body, cardFoot(v, elided));
}

function cardFoot(v, elided) {
  const foot = el('div', 'card-foot', el('span', null, t('elements', { n: formatInt(v.size) })), el('span', null, formatBytes(v.nbytes)));
  const stat = (key, text, className = null) => foot.append(el('span', className, t(key) + ' ' + text));
  const s = v.stats;
  if (s) {
    stat('stat_min', formatScalar(s.min, v.dtype, elided));
    stat('stat_max', formatScalar(s.max, v.dtype, elided));
    stat('stat_mean', num4(s.mean));
    if (s.nan) stat('stat_nan', formatInt(s.nan), 'warn');
    if (s.inf) stat('stat_inf', formatInt(s.inf), 'warn');
  }
  if (v.truncated) foot.append(meta(t('truncated')));
  return foot;
}

function heatmapToggle(grid, v, elided) {
  let map = null;
  return toggleButton('btn btn-quiet btn-toggle', t('heatmap'), (on) => {
    if (on && !map) {
      const labels = { rows: indexLabels(v.values, v.shape[0], elided), cols: indexLabels(firstRowOf(v.values), v.shape[1], elided) };
      const canvas = heatmap(v.values, (x) => x === elided, labels);
      if (!canvas) return false;
      map = el('div', 'heatmap-wrap', canvas);
      grid.after(map);
    }
    grid.hidden = on;
    map.hidden = !on;
  });
}

/** A value in a few words, for the end of its line in the editor. */
export function summarize(v) {
  if (['tensor', 'variable', 'ndarray'].includes(v.kind)) {
    const scalar = v.shape.length === 0 && !Array.isArray(v.values);
    return scalar ? formatScalar(v.values, v.dtype, NEVER) + '  ' + v.dtype : formatShape(v.shape) + ' ' + v.dtype;
  }
  if (v.kind === 'model') return (v.name || 'model') + (v.params === null ? '' : ' · ' + t('params', { n: formatInt(v.params) }));
  const text = v.repr.split('\n')[0];
  return text.length > 48 ? text.slice(0, 47) + '…' : text;
}

function renderText(v) {
  const text = String(v.repr);
  return text.includes('\n') || text.length > 120 ? scrollablePre('repr', text) : code(text, 'inline-repr');
}

function image(png, alt) {
  const img = el('img', 'figure');
  img.src = 'data:image/png;base64,' + png.png_b64; // an image, whatever the data
  img.width = png.width;
  img.height = png.height;
  img.alt = alt;
  return img;
}

function renderBench(v) {
  const [summary, ...checks] = v.repr.split('\n'); // a summary, then one line a check
  const head = el('div', 'card-head', badge('lossbench'), el('span', v.ok ? null : 'warn', summary));
  return el('div', 'card', head, el('pre', 'repr', checks.join('\n')), v.plot && image(v.plot, t('bench_plot')));
}

const RENDERERS = {
  tensor: renderArray,
  variable: renderArray,
  ndarray: renderArray,
  model: renderModel,
  figure: (v) => image(v, v.repr),
  lossbench: renderBench,
};

export function renderValue(v) {
  try {
    return (Object.hasOwn(RENDERERS, v.kind) ? RENDERERS[v.kind] : renderText)(v);
  } catch (err) {
    console.error('playground: cannot draw', v.kind, err);
    return renderText(v);
  }
}
