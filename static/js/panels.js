/* The Variables panel from `variables` messages (docs/protocol.md), and the kernel's memory. */
import { button, el } from './dom.js';
import { formatBytes, formatShape } from './format.js';
import { t } from './strings.js';

export function createVariablesPanel({ table, empty, memory, bench }) {
  let note = null;

  function row(v) {
    const name = el('th', null, el('code', null, v.name));
    name.scope = 'row';
    const detail = el('td', null, el('code', null, v.dtype || v.value || ''));
    if (v.kind === 'function' && /^[A-Za-z_]\w*$/.test(v.name)) detail.append(button('btn btn-quiet', t('bench'), () => bench(v.name)));
    const shape = el('td', null, el('code', null, v.shape ? formatShape(v.shape) : ''));
    return el('tr', 'kind-' + v.kind, name, el('td', null, v.type), shape, detail);
  }

  function update(m) {
    table.tBodies[0].replaceChildren(...m.variables.map(row));
    empty.hidden = m.variables.length > 0;
    if (note) note.remove();
    note = m.truncated ? el('p', 'meta', t('vars_truncated', { n: m.variables.length })) : null;
    if (note) table.after(note);
    memory.textContent = m.memory_bytes === null ? '' : t('memory', { size: formatBytes(m.memory_bytes) });
    memory.hidden = m.memory_bytes === null;
  }

  function clear() {
    update({ variables: [], truncated: false, memory_bytes: null });
  }

  return { update, clear };
}
