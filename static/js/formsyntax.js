/* Colab's form syntax, the one place its rules live: `x = 1  #@param {type:"slider", min:0, max:9}`,
   `#@param ["a", "b"] {allow-input: true}`, `#@title …`, `#@markdown …` (Colab also writes `# @param`).
   Pure functions, no page: forms.js draws the fields; tests/browser/test_browser_forms.py checks these rules. */
const PARAM = /^(\s*[A-Za-z_][\w.]*\s*=\s*)(.*?)\s*#\s*@param\b\s*(.*)$/;
const TITLE = /^\s*#\s*@title\b\s*(.*?)\s*(\{[^{}]*\})?\s*$/;
const MARKDOWN = /^\s*#\s*@markdown\b\s?(.*)$/;
const SPEC = /^(\[.*\])?\s*(\{.*\})?$/;
const CELL = /^#\s*%%/;
const TYPES = ['slider', 'number', 'integer', 'string', 'boolean', 'date', 'raw'];

/** Colab's `{type:"slider", min:0}` is JSON once its keys are quoted; a list may use either quote. */
function loose(text, keys) {
  if (!text) return null;
  for (const json of keys ? [text.replace(/([{,]\s*)([A-Za-z][\w-]*)\s*:/g, '$1"$2":')] : [text, text.replace(/'/g, '"')]) {
    try {
      return JSON.parse(json);
    } catch {
      // the next reading, else none
    }
  }
  return null;
}

const quoted = (literal) => /^(['"]).*\1$/s.test(literal);

/** A Python string literal's text (the common escapes); other literals as they are. */
export function unquote(literal) {
  if (!quoted(literal)) return literal;
  const escapes = { n: '\n', t: '\t', r: '\r', 0: '\0' };
  return literal.slice(1, -1).replace(/\\(.)/g, (m, c) => escapes[c] ?? c);
}

/** text as a Python string literal, in the quotes the code used. */
export function quote(text, like = '"') {
  const q = like.startsWith("'") ? "'" : '"';
  const body = text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\t/g, '\\t').replace(/\r/g, '\\r');
  return q + body.replaceAll(q, '\\' + q) + q;
}

/** A list item as the code holds it: strings quoted, unless the field is raw (its items are code). */
function itemLiteral(item, field, like) {
  if (typeof item === 'boolean') return item ? 'True' : 'False';
  return typeof item === 'string' && field.type !== 'raw' ? quote(item, like) : String(item);
}

const sameLiteral = (a, b) => a === b || (quoted(a) && quoted(b) && unquote(a) === unquote(b));

function param(match, line, counts) {
  const [, head, literal, spec] = match;
  const [, list, braces] = spec.match(SPEC) || [];
  const opts = loose(braces, true) || {};
  const options = Array.isArray(loose(list)) ? loose(list) : null;
  const type = TYPES.includes(opts.type) ? opts.type : options ? 'string' : 'raw';
  const name = head.split('=')[0].trim();
  counts.set(name, (counts.get(name) || 0) + 1);
  const control = options ? (opts['allow-input'] === true ? 'combo' : 'select') : type;
  const num = (x) => (Number.isFinite(x) ? x : undefined);
  const field = { kind: 'param', line, name, key: name + '#' + counts.get(name), from: head.length, literal, type, control };
  return Object.assign(field, { to: head.length + literal.length, options, min: num(opts.min), max: num(opts.max), step: num(opts.step) });
}

/** The code's form lines, in order: {kind: 'title' | 'markdown', line, text, cell} and params
    {kind: 'param', line, name, key, from, to, literal, type, control, options, min, max, step, cell}.
    Lines count from 0; from/to: the literal's columns; cell: its cell's first line, null without `# %%` lines. */
export function parseForms(code) {
  const lines = code.split('\n');
  const cells = lines.some((l) => CELL.test(l));
  const counts = new Map(); // a name's fields, for keys that survive edits elsewhere
  const found = [];
  let cell = 0;
  lines.forEach((text, line) => {
    if (CELL.test(text)) cell = line;
    let m;
    if ((m = text.match(PARAM))) found.push(param(m, line, counts));
    else if ((m = text.match(TITLE))) found.push({ kind: 'title', line, text: m[1] });
    else if ((m = text.match(MARKDOWN))) found.push({ kind: 'markdown', line, text: m[1].replace(/^#+\s*/, '') });
    else return;
    found.at(-1).cell = cells ? cell : null;
  });
  return found;
}

/** What a field's control shows: a string's text, a checkbox's state, a list's index (-1: none). */
export function valueOf(field) {
  const { control, literal } = field;
  if (control === 'boolean') return literal === 'True';
  if (control === 'select') return field.options.findIndex((item) => sameLiteral(itemLiteral(item, field, literal), literal));
  return ['string', 'date', 'combo'].includes(control) ? unquote(literal) : literal;
}

/** The literal for a control's value (as valueOf gives it), or null when the value is not one. */
export function literalFor(field, value) {
  const { control, type, literal } = field;
  if (control === 'boolean') return value ? 'True' : 'False';
  if (control === 'select') return value >= 0 && value < field.options.length ? itemLiteral(field.options[value], field, literal) : null;
  const text = String(value);
  if (control === 'integer' || (control === 'combo' && type === 'integer')) return /^-?\d+$/.test(text.trim()) ? text.trim() : null;
  if (['slider', 'number'].includes(type)) return text.trim() && Number.isFinite(Number(text)) ? text.trim() : null;
  if (type === 'raw') return text.trim() || null;
  return control === 'date' && !text ? null : quote(text, literal);
}

/** The cell holding a line (from 0): its code and first line, as a cell's run needs them; null without cells. */
export function cellOf(code, line) {
  const lines = code.split('\n');
  if (!lines.some((l) => CELL.test(l))) return null;
  let [start, end] = [line, line + 1];
  while (start > 0 && !CELL.test(lines[start])) start -= 1;
  while (end < lines.length && !CELL.test(lines[end])) end += 1;
  return { code: lines.slice(start, end).join('\n'), start };
}
