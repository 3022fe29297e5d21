/*
 * Live training curves: one small <canvas> line chart per metric, train (solid) and validation (dashed) series,
 * x in epochs. Points are added as progress messages arrive; drawing is coalesced to one per animation frame.
 *
 *   const chart = createChart('loss');  container.append(chart.el);  chart.add('train', 1.5, 0.31);
 */
import { el } from './dom.js';
import { num4 } from './format.js';
import { t } from './strings.js';

const W = 300;
const H = 140;
const PAD = { l: 46, r: 8, t: 8, b: 20 };
const MAX_POINTS = 2000; // per series; older batch points are thinned out
const COLORS = { train: '#0550ae', val: '#bc4c00' };

export function createChart(metric) {
  const canvas = document.createElement('canvas');
  const dpr = window.devicePixelRatio || 1;
  canvas.width = W * dpr;
  canvas.height = H * dpr;
  canvas.style.width = W + 'px';
  canvas.style.height = H + 'px';
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', t('curve', { metric: metric }));
  const legend = el(
    'div',
    'chart-legend',
    el('span', null, el('i', 'swatch swatch-train'), t('train')),
    el('span', null, el('i', 'swatch swatch-val'), t('validation')),
  );
  const box = el('figure', 'chart', el('figcaption', null, metric), canvas, legend);
  const series = { train: [], val: [] };
  let queued = false;

  function add(name, x, y) {
    const n = Number(y);
    if (!Number.isFinite(n) || !Number.isFinite(x)) return;
    const s = series[name];
    // A batch point at the same x as the previous (same step) replaces it.
    if (s.length && s[s.length - 1][0] === x) s[s.length - 1][1] = n;
    else s.push([x, n]);
    if (s.length > MAX_POINTS) series[name] = s.filter((p, i) => i % 2 === 0 || i === s.length - 1);
    if (!queued) {
      queued = true;
      requestAnimationFrame(draw);
    }
  }

  function draw() {
    queued = false;
    const all = series.train.concat(series.val);
    const ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, W, H);
    if (!all.length) return;
    let x1 = 1;
    let lo = Infinity;
    let hi = -Infinity;
    all.forEach((p) => {
      x1 = Math.max(x1, p[0]);
      lo = Math.min(lo, p[1]);
      hi = Math.max(hi, p[1]);
    });
    if (hi === lo) {
      hi += Math.abs(hi) * 0.05 || 1;
      lo -= Math.abs(lo) * 0.05 || 1;
    }
    const px = (x) => PAD.l + (x / x1) * (W - PAD.l - PAD.r);
    const py = (y) => PAD.t + (1 - (y - lo) / (hi - lo)) * (H - PAD.t - PAD.b);
    // axes and labels
    ctx.strokeStyle = '#d0d7de';
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(PAD.l, PAD.t);
    ctx.lineTo(PAD.l, H - PAD.b);
    ctx.lineTo(W - PAD.r, H - PAD.b);
    ctx.stroke();
    ctx.fillStyle = '#57606a';
    ctx.font = '11px system-ui, sans-serif';
    ctx.textAlign = 'right';
    ctx.textBaseline = 'top';
    ctx.fillText(num4(hi), PAD.l - 4, PAD.t);
    ctx.textBaseline = 'bottom';
    ctx.fillText(num4(lo), PAD.l - 4, H - PAD.b);
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    const step = Math.max(1, Math.ceil(x1 / 6));
    for (let e = step; e <= x1; e += step) ctx.fillText(String(e), px(e), H - PAD.b + 4);
    // series
    ['train', 'val'].forEach((name) => {
      const s = series[name];
      if (!s.length) return;
      ctx.strokeStyle = ctx.fillStyle = COLORS[name];
      ctx.lineWidth = 1.75;
      ctx.setLineDash(name === 'val' ? [5, 3] : []);
      ctx.beginPath();
      s.forEach((p, i) => (i ? ctx.lineTo(px(p[0]), py(p[1])) : ctx.moveTo(px(p[0]), py(p[1]))));
      ctx.stroke();
      ctx.setLineDash([]);
      if (s.length < 60) s.forEach((p) => ctx.fillRect(px(p[0]) - 1.5, py(p[1]) - 1.5, 3, 3));
    });
    legend.lastChild.hidden = !series.val.length;
  }

  return { el: box, add: add };
}
