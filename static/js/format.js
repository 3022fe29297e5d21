/* Numbers as the page shows them; non-finite ones come as "NaN", "Infinity", "-Infinity" (docs/protocol.md). */
import { t } from './strings.js';

const NON_FINITE = { NaN: 'nan', Infinity: 'inf', '-Infinity': '-inf' };

export function nonFinite(x) {
  if (typeof x === 'number' && !Number.isFinite(x)) return NON_FINITE[String(x)];
  return typeof x === 'string' && Object.hasOwn(NON_FINITE, x) ? NON_FINITE[x] : null;
}

export function num4(x) {
  const label = nonFinite(x);
  if (label) return label;
  const n = Number(x);
  if (typeof x === 'boolean' || x === null || x === '' || Number.isNaN(n)) return String(x);
  return Number.isInteger(n) && Math.abs(n) < 1e6 ? String(n) : n.toPrecision(4);
}

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
  return Object.entries(logs || {})
    .map(([name, value]) => name + ' ' + num4(value))
    .join(' · ');
}

/** [2, 3] -> "(2, 3)", [5] -> "(5,)", [] -> "()", as Python writes them (an unknown dimension is None). */
export function formatShape(dims) {
  const parts = dims.map((d) => (d === null ? 'None' : String(d)));
  return '(' + parts.join(', ') + (parts.length === 1 ? ',' : '') + ')';
}

export function formatBytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  for (; n >= 1024 && i < units.length - 1; i++) n /= 1024;
  return (i ? n.toFixed(n < 10 ? 1 : 0) : n) + ' ' + units[i];
}

/** An axis tick's text: short and never cut (0.000004 is "4e-6", not "0" nor "003998"). */
export function formatTick(v) {
  const s = v === null ? '' : String(Number(v.toPrecision(6)));
  return s.length > 7 ? v.toExponential(1).replace('.0e', 'e') : s;
}

export const formatInt = (n) => Number(n).toLocaleString(document.documentElement.lang || undefined);

/** "line 2" or "lines 2–4", from a message's lineno and end_lineno; '' without them. */
export function lineLabel(m) {
  const [n, end] = [finite(m.lineno), finite(m.end_lineno)];
  if (n === null) return '';
  return end !== null && end !== n ? t('lines', { n, m: end }) : t('line', { n });
}

export function firstLine(code, max) {
  const line = (code.split('\n').find((l) => l.trim()) || '').trim();
  return line.length > max ? line.slice(0, max - 1) + '…' : line;
}
