/* Numbers, sizes, durations and shapes as the page shows them. Non-finite numbers arrive as the strings
   "NaN", "Infinity" and "-Infinity" (docs/protocol.md). */
import { t } from './strings.js';

/** NaN / ±Infinity (strings or numbers) as a short label; null for anything else. */
export function nonFinite(x) {
  const n = typeof x === 'string' ? Number(x) : x;
  if (typeof n !== 'number' || Number.isFinite(n)) return null;
  if (Number.isNaN(n)) return typeof x === 'string' && x !== 'NaN' ? null : 'nan';
  return n > 0 ? 'inf' : '-inf';
}

/** A number to 4 significant digits (training logs, statistics, axes). */
export function num4(x) {
  const label = nonFinite(x);
  if (label) return label;
  const n = Number(x);
  if (typeof x === 'boolean' || x === null || x === '' || Number.isNaN(n)) return String(x);
  return Number.isInteger(n) && Math.abs(n) < 1e6 ? String(n) : n.toPrecision(4);
}

/** A finite number, or null for anything else (missing fields included). */
export function finite(x) {
  const n = Number(x);
  return x === null || x === undefined || x === '' || !Number.isFinite(n) ? null : n;
}

export function formatDuration(ms) {
  const v = finite(ms);
  if (v === null) return '';
  if (v < 10) return v.toFixed(1) + ' ms';
  if (v < 1000) return Math.round(v) + ' ms';
  if (v < 60000) return (v / 1000).toFixed(v < 10000 ? 2 : 1) + ' s';
  return Math.floor(v / 60000) + ' min ' + Math.round((v % 60000) / 1000) + ' s';
}

/** {loss: 0.31, mae: 0.4} -> "loss 0.31 · mae 0.4" */
export function formatLogs(logs) {
  if (!logs || typeof logs !== 'object') return '';
  return Object.keys(logs)
    .map((k) => k + ' ' + num4(logs[k]))
    .join(' · ');
}

/** [2, 3] -> "(2, 3)", [5] -> "(5,)", [] -> "()", unknown dims -> None, as Python writes them. */
export function formatShape(dims) {
  if (!Array.isArray(dims)) return String(dims);
  const parts = dims.map((d) => (d === null ? 'None' : String(d)));
  return '(' + parts.join(', ') + (parts.length === 1 ? ',' : '') + ')';
}

export function formatBytes(n) {
  n = Number(n);
  if (!Number.isFinite(n)) return '';
  if (n < 1024) return n + ' B';
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let i = -1;
  do {
    n /= 1024;
    i++;
  } while (n >= 1024 && i < units.length - 1);
  return n.toFixed(n < 10 ? 1 : 0) + ' ' + units[i];
}

export function formatInt(n) {
  const v = Number(n);
  return Number.isFinite(v) ? v.toLocaleString(document.documentElement.lang || undefined) : String(n);
}

/** "line 2" or "lines 2–4" for a message's lineno / end_lineno; '' when it has none. */
export function lineLabel(m) {
  const n = finite(m.lineno);
  if (n === null) return '';
  const end = finite(m.end_lineno);
  return end !== null && end !== n ? t('lines', { n: n, m: end }) : t('line', { n: n });
}

/** The first non-blank line of some code, cut to `max` characters. */
export function firstLine(code, max) {
  const line = (code.split('\n').find((l) => l.trim()) || '').trim();
  return line.length > max ? line.slice(0, max - 1) + '…' : line;
}
