/* A heatmap of a 2-D value as sent (elided cells are gaps); hovering shows a cell's index and value. */
import { hiDpiCanvas } from './dom.js';
import { num4 } from './format.js';
import { t } from './strings.js';

// viridis, 5 stops: dark for the minimum, bright for the maximum
const STOPS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];

function color(f) {
  f = Math.max(0, Math.min(1, f)) * (STOPS.length - 1);
  const i = Math.min(Math.floor(f), STOPS.length - 2);
  const [a, b] = [STOPS[i], STOPS[i + 1]];
  return 'rgb(' + a.map((x, k) => Math.round(x + (b[k] - x) * (f - i))).join(',') + ')';
}

const asNumber = (x) => (typeof x === 'boolean' ? Number(x) : x);

export function heatmap(values, isElided, labels) {
  const rows = values.filter((r) => Array.isArray(r));
  let lo = Infinity;
  let hi = -Infinity;
  rows.flat().forEach((x) => {
    const n = asNumber(x);
    if (typeof n === 'number' && Number.isFinite(n)) [lo, hi] = [Math.min(lo, n), Math.max(hi, n)];
  });
  if (lo === Infinity) return null;
  const [nRows, nCols] = [values.length, rows[0].length];
  const cell = Math.max(4, Math.min(28, Math.floor(360 / Math.max(nRows, nCols))));
  const [canvas, ctx] = hiDpiCanvas(nCols * cell, nRows * cell);
  canvas.className = 'heatmap';
  values.forEach((row, r) => {
    if (!Array.isArray(row)) return;
    row.forEach((x, c) => {
      const n = asNumber(x);
      if (isElided(x) || typeof n !== 'number') return;
      ctx.fillStyle = Number.isFinite(n) ? color(hi > lo ? (n - lo) / (hi - lo) : 0.5) : '#d1242f';
      ctx.fillRect(c * cell, r * cell, cell, cell);
    });
  });
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', t('heatmap_label', { min: num4(lo), max: num4(hi) }));
  canvas.addEventListener('mousemove', (e) => {
    const [r, c] = [Math.floor(e.offsetY / cell), Math.floor(e.offsetX / cell)];
    const row = values[r];
    canvas.title = Array.isArray(row) && c < row.length ? `[${labels.rows[r]}, ${labels.cols[c]}] ${row[c]}` : '';
  });
  return canvas;
}
