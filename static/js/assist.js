/* The kernel's completions, signatures, docs, values (docs/protocol.md). Columns count code points. */
import { el } from './dom.js';
import { t } from './strings.js';

export function createAssist(cm, send) {
  const waiting = new Map(); // question id -> resolve
  let n = 0;
  let hover;
  const tip = el('div', 'cm-tip');
  tip.hidden = true;
  tip.role = 'tooltip';
  document.body.append(tip);
  const hide = () => (tip.hidden = true);

  function ask(type, pos, want) {
    const id = 'q' + ++n;
    const column = [...cm.getLine(pos.line).slice(0, pos.ch)].length;
    if (waiting.size > 50) waiting.clear();
    return new Promise((ok) => (send({ type, id, code: cm.getValue(), line: pos.line + 1, column, want }) ? waiting.set(id, ok) : ok(null)));
  }

  async function hint(c) {
    const m = await ask('complete', c.getCursor());
    const ch = m && [...cm.getLine(m.line - 1)].slice(0, m.start).join('').length;
    // only the word typed: Enter stays a new line
    if (!m?.items.length || (m.items.length < 2 && m.items[0].name === cm.getRange({ line: m.line - 1, ch }, c.getCursor()))) return null;
    const row = (i) => (li) => li.append(i.name, el('span', 'hint-detail', i.detail), el('span', 'hint-kind', i.kind));
    return { from: { line: m.line - 1, ch }, to: c.getCursor(), list: m.items.map((i) => ({ text: i.name, render: row(i) })) };
  }

  function show(node, pos, above) {
    tip.replaceChildren(node);
    tip.hidden = false;
    const at = cm.cursorCoords(pos, 'window');
    tip.style.left = Math.max(4, Math.min(at.left, innerWidth - tip.offsetWidth - 4)) + 'px';
    tip.style.top = (above ? Math.max(4, at.top - tip.offsetHeight - 4) : at.bottom + 4) + 'px';
  }

  async function signature(pos) {
    const m = await ask('inspect', pos, 'call');
    const s = m?.signature;
    if (!s) return hide();
    show(el('code', 'tip-signature', m.name + '(', ...s.params.flatMap((p, i) => [i ? ', ' : '', i === s.index ? el('b', null, p) : p]), ')'), pos, true);
  }

  // full: Shift+Tab; else a hover
  async function docs(pos, full) {
    const m = await ask('inspect', pos, 'name');
    if (!m?.doc && !m?.value) return full ? show(el('p', null, t('no_docs')), pos) : hide();
    const v = m.value;
    const shape = v?.shape && '(' + v.shape.join(', ') + (v.shape.length === 1 ? ',)' : ')');
    const head = el('p', 'tip-card', el('b', null, m.name), ' ', v ? [v.type, shape, v.dtype, v.value, v.device].filter(Boolean).join(' · ') : '');
    const link = m.url && Object.assign(el('a', null, t('api_page', { name: m.name })), { href: m.url, target: '_blank', rel: 'noopener' });
    show(el('div', null, head, m.doc && el('pre', 'tip-doc', full ? m.doc : m.doc.split('\n\n', 2).join('\n\n')), link), pos);
  }

  const complete = (cm.state.complete = () => cm.showHint({ hint, completeSingle: false }));
  cm.state.docs = () => {
    const pos = cm.getCursor();
    docs(cm.getLine(pos.line)[pos.ch - 1] === '(' ? { line: pos.line, ch: pos.ch - 1 } : pos, true);
  };
  const code = (pos) => !/comment|string/.test(cm.getTokenTypeAt(pos));
  cm.on('inputRead', (c, change) => {
    const pos = c.getCursor();
    const word = /(^|[^\w.])[A-Za-z_][\w.]*$/.test(c.getLine(pos.line).slice(0, pos.ch));
    if (!c.state.completionActive && /^[\w.]$/.test(change.text[0]) && word && code(pos)) complete();
  });
  // closebrackets takes "(" from inputRead
  cm.on('keypress', (c, e) => '(,)'.includes(e.key) && setTimeout(() => (e.key === ')' || !code(c.getCursor()) ? hide() : signature(c.getCursor()))));
  cm.on('keydown', (c, e) => e.key === 'Escape' && hide());
  cm.on('blur', hide);
  cm.getWrapperElement().addEventListener('mousemove', (e) => {
    clearTimeout(hover);
    hover = setTimeout(() => {
      const at = cm.coordsChar({ left: e.clientX, top: e.clientY }, 'window');
      const pos = { line: at.line, ch: Math.min(at.ch + 1, cm.getLine(at.line).length) };
      if (/variable|property|builtin|def/.test(cm.getTokenTypeAt(pos))) docs(pos, false);
    }, 450);
  });
  return { answer: (m) => waiting.get(m.id)?.(m) }; // ids: q1, q2, …
}
