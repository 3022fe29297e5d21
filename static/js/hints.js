/*
 * The `hint` of an `error` message (docs/protocol.md): the page's own wording for each hint code, in the page's
 * language, with the params filled in as code; the kernel's English text when the code is unknown here.
 */
import { el } from './dom.js';
import { hasString, t } from './strings.js';

/* "{a} is {a_dtype}" -> text and <code> nodes (params are code-like: names, dtypes, shapes). */
function fill(template, params) {
  const p = el('p', 'hint-text');
  let last = 0;
  template.replace(/\{(\w+)\}/g, (m, name, at) => {
    p.append(template.slice(last, at), el('code', null, Object.hasOwn(params, name) ? String(params[name]) : m));
    last = at + m.length;
    return m;
  });
  p.append(template.slice(last));
  return p;
}

/** The hint box for an error, or null when it has no hint. */
export function renderHint(hint) {
  if (!hint || typeof hint !== 'object') return null;
  const key = 'hint_' + String(hint.code || '');
  const params = hint.params && typeof hint.params === 'object' ? hint.params : {};
  const text = hasString(key) ? fill(t(key), params) : el('p', 'hint-text', String(hint.text || ''));
  const box = el('div', 'hint-box', el('strong', 'hint-label', t('hint')), text);
  box.setAttribute('role', 'note');
  return box;
}
