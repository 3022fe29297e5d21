/* A metric's curves (uPlot): a line per run and split, smoothed as TensorBoard does with the raw values faint behind,
   on a linear or log axis; the legend shows each curve's value under the pointer. */
import uPlot from '../vendor/uplot-1.6.32/uPlot.esm.js';
import { el } from './dom.js';
import { formatTick, num4 } from './format.js';
import { t } from './strings.js';

const WHOLE = Array.from({ length: 18 }, (_, i) => [1, 2, 5][i % 3] * 10 ** Math.floor(i / 3)); // epoch ticks

/** TensorBoard's smoothing: a moving average, debiased (the first points are not pulled to 0). */
export function smooth(ys, weight) {
  let [last, n] = [0, 0];
  return ys.map((y) => (y === null ? y : ((last = last * weight + (1 - weight) * y), last / (1 - weight ** ++n))));
}

/* The y axis as wide as its widest label. */
function fitWidth(u, values, i, cycle) {
  const axis = u.axes[i];
  if (cycle > 1 || String(values) === axis.labels) return axis._size;
  axis.labels = String(values);
  u.ctx.font = axis.font[0];
  return Math.ceil(axis.ticks.size + axis.gap + 6 + Math.max(0, ...(values || []).map((v) => u.ctx.measureText(v).width)) / devicePixelRatio);
}

/** lines: [{label, color, dashed, ys}], ys along xs. */
export function createCurves(title) {
  const box = el('div');
  const figure = el('figure', 'chart', el('figcaption', null, title), box);
  let plot = null;
  let signature = '';
  let drawn = [];
  // The canvas's text: the metric and the y axis's ticks as drawn.
  const yValues = (u, splits) => {
    const ticks = splits.map(formatTick);
    u.ctx.canvas.setAttribute('aria-label', t('curves_label', { metric: title, ticks: ticks.filter(Boolean).join(', ') }));
    return ticks;
  };

  function draw(xs, lines, log, weight) {
    const series = [{ label: t('epoch_x') }];
    const data = [xs];
    for (const { label, color, dashed, ys: values } of lines) {
      const ys = log ? values.map((y) => (y > 0 ? y : null)) : values;
      const line = { stroke: color, dash: dashed ? [5, 3] : undefined, points: { show: false }, spanGaps: true };
      if (weight) series.push({ ...line, class: 'raw', stroke: color + '48', width: 1 }); // faint, no legend
      if (weight) data.push(ys);
      series.push({ ...line, label, width: 1.5, value: (u, v, s, i) => (v === null ? '–' : num4(v) + (weight ? ` (${num4(u.data[s - 1][i])})` : '')) });
      data.push(weight ? smooth(ys, weight) : ys);
    }
    drawn = lines;
    const next = series.map((s) => s.label + s.stroke).join() + log;
    if (plot && next === signature) return plot.setData(data);
    signature = next;
    plot?.destroy();
    const axes = [{ incrs: WHOLE, size: 30 }, { size: fitWidth, values: yValues }];
    plot = new uPlot({ width: 300, height: 150, scales: { x: { time: false }, y: { distr: log ? 3 : 1 } }, axes, series }, data, box);
    plot.ctx.canvas.setAttribute('role', 'img');
  }

  return { el: figure, title, draw, canvas: () => plot?.ctx.canvas, lines: () => drawn, remove: () => (plot?.destroy(), figure.remove()) };
}
