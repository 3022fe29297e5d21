/* A live training curve of one metric, train (solid) and validation (dashed) by epoch; drawn once a frame. */
import { el, hiDpiCanvas } from './dom.js';
import { num4 } from './format.js';
import { t } from './strings.js';

const W = 300;
const H = 140;
const PAD = { l: 46, r: 8, t: 8, b: 20 };
const MAX_POINTS = 2000; // a series; then every other older point goes
const COLORS = { train: '#0550ae', val: '#bc4c00' };

export function createChart(metric) {
  const [canvas, ctx] = hiDpiCanvas(W, H);
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', t('curve', { metric }));
  const swatch = (name, label) => el('span', null, el('i', 'swatch swatch-' + name), t(label));
  const legend = el('div', 'chart-legend', swatch('train', 'train'), swatch('val', 'validation'));
  const series = { train: [], val: [] };
  let queued = false;

  function add(name, x, y) {
    const n = Number(y);
    if (!Number.isFinite(n)) return;
    const s = series[name];
    if (s.length && s[s.length - 1][0] === x) s[s.length - 1][1] = n; // the same step again: replaces it
    else s.push([x, n]);
    if (s.length > MAX_POINTS) series[name] = s.filter((p, i) => i % 2 === 0 || i === s.length - 1);
    if (queued) return;
    queued = true;
    requestAnimationFrame(draw);
  }

  function draw() {
    queued = false;
    const all = series.train.concat(series.val);
    ctx.clearRect(0, 0, W, H);
    const x1 = Math.max(1, ...all.map((p) => p[0]));
    let lo = Math.min(...all.map((p) => p[1]));
    let hi = Math.max(...all.map((p) => p[1]));
    if (hi === lo) [lo, hi] = [lo - (Math.abs(lo) * 0.05 || 1), hi + (Math.abs(hi) * 0.05 || 1)];
    const px = (x) => PAD.l + (x / x1) * (W - PAD.l - PAD.r);
    const py = (y) => PAD.t + (1 - (y - lo) / (hi - lo)) * (H - PAD.t - PAD.b);
    drawAxes(ctx, x1, lo, hi, px);
    for (const name of ['train', 'val']) {
      const s = series[name];
      ctx.strokeStyle = ctx.fillStyle = COLORS[name];
      ctx.lineWidth = 1.75;
      ctx.setLineDash(name === 'val' ? [5, 3] : []);
      ctx.beginPath();
      s.forEach(([x, y], i) => (i ? ctx.lineTo(px(x), py(y)) : ctx.moveTo(px(x), py(y))));
      ctx.stroke();
      ctx.setLineDash([]);
      if (s.length < 60) s.forEach(([x, y]) => ctx.fillRect(px(x) - 1.5, py(y) - 1.5, 3, 3));
    }
    legend.lastChild.hidden = !series.val.length;
  }

  return { el: el('figure', 'chart', el('figcaption', null, metric), canvas, legend), add };
}

function drawAxes(ctx, x1, lo, hi, px) {
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
}
