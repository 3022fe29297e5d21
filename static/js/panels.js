/*
 * The Variables panel (from each run's `variables` message, docs/protocol.md) and the kernel's memory in the status
 * line. A function can be benched as a loss from its row.
 */
import { button, el } from './dom.js';
import { formatBytes, formatShape } from './format.js';
import { t } from './strings.js';

const PYTHON_NAME = /^[A-Za-z_]\w*$/;

/** bench(name): runs bench_loss on a function of the session. */
export function createVariablesPanel({ table, empty, memory, bench }) {
  const tbody = table.tBodies[0];
  let note = null;

  function row(v) {
    const detail = v.dtype ? String(v.dtype) : v.value !== undefined && v.value !== null ? String(v.value) : '';
    const name = el('th', null, el('code', null, String(v.name)));
    name.scope = 'row';
    const last = el('td', null, el('code', null, detail));
    if (v.kind === 'function' && PYTHON_NAME.test(v.name)) {
      last.append(button('btn btn-quiet', t('bench'), () => bench(v.name)));
    }
    const shape = Array.isArray(v.shape) ? formatShape(v.shape) : '';
    const kind = /^[a-z]+$/.test(v.kind) ? v.kind : 'other';
    return el('tr', 'kind-' + kind, name, el('td', null, String(v.type || '')), el('td', null, el('code', null, shape)), last);
  }

  function update(m) {
    const rows = (Array.isArray(m.variables) ? m.variables : []).map(row);
    tbody.replaceChildren(...rows);
    empty.hidden = rows.length > 0;
    if (note) note.remove();
    note = m.truncated ? el('p', 'meta', t('vars_truncated', { n: rows.length })) : null;
    if (note) table.after(note);
    setMemory(m.memory_bytes);
  }

  function setMemory(bytes) {
    const text = bytes === null || bytes === undefined ? '' : formatBytes(bytes);
    memory.textContent = text ? t('memory', { size: text }) : '';
    memory.hidden = !text;
  }

  function clear() {
    tbody.replaceChildren();
    empty.hidden = false;
    if (note) note.remove();
    setMemory(null);
  }

  return { update: update, clear: clear };
}
