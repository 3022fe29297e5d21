/* A Keras model as a card (docs/protocol.md, "Model card"): its layers with totals; once built, each weight's
   statistics and histogram behind a toggle. An older recording, without layers, shows its summary text. */
import { el, scrollable, scrollablePre, toggleButton } from './dom.js';
import { formatInt, formatShape, num4 } from './format.js';
import { t } from './strings.js';

const count = (n) => (Number.isFinite(n) ? formatInt(n) : '?');
const n4 = (x) => (x === null || x === undefined ? '' : num4(x));

function table(keys, rows) {
  const line = (tag, cells) => el('tr', null, ...cells.map((c) => el(tag, null, ...[c].flat())));
  return scrollable(el('div', 'grid-wrap', el('table', 'layers', el('thead', null, line('th', keys.map(t))), el('tbody', null, ...rows.map((r) => line('td', r))))));
}

export function renderModel(v) {
  const head = el('div', 'card-head', el('span', 'badge badge-model', 'model'), v.name && el('code', 'var-name', v.name));
  if (v.params !== null) head.append(el('span', 'meta', t('params', { n: formatInt(v.params) })));
  if (!Array.isArray(v.layers)) return el('div', 'card card-model', head, scrollablePre('summary', v.summary || v.repr));
  const rows = v.layers.slice(0, 500).map((l) => [[el('code', null, String(l.name)), el('span', 'meta', ' ' + l.type)], String(l.output_shape), count(l.params), l.trainable ? '✓' : '✗']);
  const layers = table(['col_layer', 'col_output', 'col_params', 'trainable'], rows);
  const totals = [t('params', { n: count(v.params) }), t('trainable') + ' ' + count(v.trainable_params), t('not_trainable') + ' ' + count(v.non_trainable_params)];
  if (v.layers_truncated > 0) totals.push(t('layers_more', { n: count(v.layers_truncated) }));
  const foot = el('td', null, totals.join(' · '));
  foot.colSpan = 4;
  layers.firstChild.append(el('tfoot', null, el('tr', null, foot)));
  const card = el('div', 'card card-model', head, layers);
  if (Array.isArray(v.weights) && v.weights.length) head.append(weightsToggle(card, v.weights));
  return card;
}

function weightsToggle(card, weights) {
  let shown = null;
  return toggleButton('btn btn-quiet btn-toggle', t('weights'), (on) => {
    shown ||= card.appendChild(table(['col_weight', 'histogram', 'stat_min', 'stat_max', 'stat_mean', 'stat_std', 'stat_nonfinite'], weights.slice(0, 500).map(weightRow)));
    shown.hidden = !on;
  });
}

function weightRow(w) {
  const s = w.stats || {};
  const name = [el('code', null, `${w.layer}/${w.name}`), el('span', 'meta', ' ' + formatShape(w.shape || []))];
  return [name, histogram(s), n4(s.min), n4(s.max), n4(s.mean), n4(s.std), el('span', s.nan || s.inf ? 'warn' : null, `${s.nan ?? ''}/${s.inf ?? ''}`)];
}

/* Bars of the counts, from min (left) to max (right). */
function histogram(s) {
  const counts = Array.isArray(s.hist) ? s.hist.slice(0, 64).map(Number) : [];
  const canvas = Object.assign(el('canvas', 'histogram'), { width: 96, height: 24 });
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', t('histogram_label', { min: n4(s.min), max: n4(s.max), counts }));
  const ctx = canvas.getContext('2d');
  const [top, w] = [Math.max(1, ...counts), 96 / Math.max(1, counts.length)];
  ctx.fillStyle = '#0550ae';
  counts.forEach((c, i) => ctx.fillRect(i * w, 24 - (22 * c) / top, Math.max(1, w - 1), (22 * c) / top));
  return canvas;
}
