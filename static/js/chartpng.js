/* The Training panel's charts as one PNG, loaded on the button's click (training.js): every page loads the
   panel, few visitors save its charts, and the page's own JS + CSS has a budget. */
import { download, el } from './dom.js';

/** charts: the panel's (metric -> curves.js chart); one under another, each under its title and its curves' names. */
export function png(charts) {
  const shown = [...charts.values()].filter((c) => c.canvas());
  const px = devicePixelRatio;
  const out = el('canvas');
  out.width = Math.max(...shown.map((c) => c.canvas().width));
  out.height = shown.reduce((h, c) => h + 20 * px + c.canvas().height, 0);
  const ctx = out.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.font = 12 * px + 'px sans-serif';
  let y = 0;
  for (const chart of shown) {
    let x = 4 * px;
    for (const { label, color } of [{ label: chart.title, color: '#000' }, ...chart.lines()]) {
      ctx.fillStyle = color;
      ctx.fillText(label, x, y + 14 * px);
      x += ctx.measureText(label).width + 12 * px;
    }
    ctx.drawImage(chart.canvas(), 0, y + 20 * px);
    y += 20 * px + chart.canvas().height;
  }
  out.toBlob((blob) => download(blob, 'training.png'));
}
