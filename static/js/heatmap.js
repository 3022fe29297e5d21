/*
 * A heatmap of a 2-D numeric value (the summarised grid the server sent: elided rows and
 * columns are left as gaps), drawn on a <canvas>. Hovering shows the cell's index and value.
 */
(function () {
  'use strict';
  const P = (window.Playground = window.Playground || {});
  // viridis, 5 stops: dark for the minimum, bright for the maximum
  const STOPS = [
    [68, 1, 84],
    [59, 82, 139],
    [33, 145, 140],
    [94, 201, 98],
    [253, 231, 37],
  ];

  function color(f) {
    f = Math.max(0, Math.min(1, f)) * (STOPS.length - 1);
    const i = Math.min(Math.floor(f), STOPS.length - 2);
    const a = STOPS[i];
    const b = STOPS[i + 1];
    const u = f - i;
    return 'rgb(' + a.map((x, k) => Math.round(x + (b[k] - x) * u)).join(',') + ')';
  }

  /** values: nested rows (strings "..." mark elisions); returns a <canvas>, or null if not numeric. */
  P.heatmap = function (values, isElided, labels) {
    const rows = values.filter((r) => Array.isArray(r));
    if (!rows.length) return null;
    let lo = Infinity;
    let hi = -Infinity;
    rows.forEach((r) =>
      r.forEach((x) => {
        const n = typeof x === 'boolean' ? Number(x) : x;
        if (typeof n === 'number' && Number.isFinite(n)) {
          lo = Math.min(lo, n);
          hi = Math.max(hi, n);
        }
      }),
    );
    if (lo === Infinity) return null;
    const nRows = values.length;
    const nCols = rows[0].length;
    const cell = Math.max(4, Math.min(28, Math.floor(360 / Math.max(nRows, nCols))));
    const canvas = document.createElement('canvas');
    const dpr = window.devicePixelRatio || 1;
    canvas.width = nCols * cell * dpr;
    canvas.height = nRows * cell * dpr;
    canvas.style.width = nCols * cell + 'px';
    canvas.style.height = nRows * cell + 'px';
    canvas.className = 'heatmap';
    const ctx = canvas.getContext('2d');
    ctx.scale(dpr, dpr);
    values.forEach((row, r) => {
      if (!Array.isArray(row)) return;
      row.forEach((x, c) => {
        const n = typeof x === 'boolean' ? Number(x) : x;
        if (isElided(x) || typeof n !== 'number') return;
        ctx.fillStyle = Number.isFinite(n) ? color(hi > lo ? (n - lo) / (hi - lo) : 0.5) : '#d1242f';
        ctx.fillRect(c * cell, r * cell, cell, cell);
      });
    });
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', P.t('heatmap_label', { min: P.num4(lo), max: P.num4(hi) }));
    canvas.addEventListener('mousemove', (e) => {
      const r = Math.floor(e.offsetY / cell);
      const c = Math.floor(e.offsetX / cell);
      const row = values[r];
      canvas.title = Array.isArray(row) && c < row.length ? '[' + labels.rows[r] + ', ' + labels.cols[c] + '] ' + row[c] : '';
    });
    return canvas;
  };
})();
