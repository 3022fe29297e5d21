/* Colab's forms beside the code (main.js loads this module once the code has one): each `#@param` line a
   labelled control. A change rewrites the literal in the code, so what is shared and downloaded stays plain
   Python, then runs the control's cell again (the whole code without `# %%` lines). */
import { el } from './dom.js';
import { cellOf, literalFor, parseForms, valueOf } from './formsyntax.js';
import { t } from './strings.js';

const RUN_DELAY_MS = 300; // a slider moved by held arrow keys runs once they stop
const REDRAW_DELAY_MS = 200; // typing in the editor
const INPUT_TYPES = { slider: 'range', number: 'number', integer: 'number', boolean: 'checkbox', date: 'date' };
let ids = 0;
let made = null; // main.js may ask again before its first import resolves

/** loader: main.js's look for a form in the code, which is over. */
export function createForms(editor, session, loader) {
  const cm = editor.cm;
  cm.off('changes', loader);
  if (made) return made;
  const root = el('section', 'forms');
  root.setAttribute('aria-label', t('forms'));
  cm.getWrapperElement().after(root); // beside the code, as Colab draws them
  const css = Object.assign(el('link'), { rel: 'stylesheet', href: new URL('../css/forms.css', import.meta.url).href });
  document.head.append(css);
  let shape = null; // what the drawn fields are, their values aside: redrawn only when it changes
  let controls = new Map(); // key -> input or select
  const changed = new Map(); // key -> [name, literal] since the last run: its note
  let [runTimer, drawTimer, running, again] = [null, null, false, false];

  function refresh() {
    const fields = parseForms(cm.getValue());
    const next = JSON.stringify(fields.map(({ literal, from, to, ...rest }) => rest));
    if (next !== shape) {
      shape = next;
      draw(fields);
    }
    for (const f of fields) {
      const input = controls.get(f.key);
      if (input && input !== document.activeElement) show(input, f); // the code was edited by hand
    }
  }

  /* A fieldset a cell, its #@title its legend. */
  function draw(fields) {
    controls = new Map();
    const boxes = new Map();
    for (const f of fields) {
      if (!boxes.has(f.cell)) boxes.set(f.cell, el('fieldset', 'form'));
      const box = boxes.get(f.cell);
      if (f.kind === 'title' && f.text && !box.querySelector('legend')) box.prepend(el('legend', null, f.text));
      else if (f.kind === 'markdown') box.append(el('p', 'form-text', f.text));
      else if (f.kind === 'param') box.append(row(f));
    }
    boxes.forEach((box, cell) => box.querySelector('legend') || box.setAttribute('aria-label', t('form_at', { n: (cell ?? 0) + 1 })));
    root.replaceChildren(el('p', 'hint', t('forms_hint')), ...boxes.values());
    root.hidden = !fields.length;
    cm.refresh(); // its width changed
  }

  function row(f) {
    const input = control(f);
    controls.set(f.key, input);
    show(input, f);
    input.addEventListener('change', () => change(f.key, input));
    const label = el('label', 'form-name', f.name);
    label.htmlFor = input.id = 'form-field-' + ++ids;
    const line = el('div', 'form-field', label, input);
    if (f.control === 'combo') line.append(datalist(f, input));
    if (f.control === 'slider') {
      const value = el('output', 'form-value', input.value);
      value.htmlFor = input.id;
      input.addEventListener('input', () => (value.value = input.value));
      line.append(value);
    }
    return line;
  }

  /* Runs are debounced, and one at a time: changes made meanwhile run together once it ends. */
  function change(key, input) {
    const f = parseForms(cm.getValue()).find((x) => x.key === key); // lines may have moved since drawn
    const literal = f && literalFor(f, input.type === 'checkbox' ? input.checked : input.value);
    if (literal === null || literal === undefined) return f && show(input, f); // not a value: back to the code's
    if (literal !== f.literal) cm.replaceRange(literal, { line: f.line, ch: f.from }, { line: f.line, ch: f.to }, '+form');
    changed.set(key, [f.name, literal]);
    clearTimeout(runTimer);
    runTimer = setTimeout(run, RUN_DELAY_MS);
  }

  function run() {
    if (running) return void (again = true);
    const code = cm.getValue();
    const fields = parseForms(code).filter((f) => changed.has(f.key));
    // The Training panel labels the fits with it: comparing learning rates is dragging a slider.
    const note = ' · ' + [...changed.values()].map(([name, literal]) => name + '=' + literal).join(', ');
    changed.clear();
    if (!fields.length) return;
    const cells = new Map(fields.map((f) => [f.cell, f.cell === null ? null : cellOf(code, f.line)]));
    const starts = cells.has(null) ? [null] : [...cells.keys()].sort((a, b) => a - b);
    const runs = starts.map((start) => (start === null ? session.run(code, null, note) : session.run(cells.get(start).code, start, note)));
    wait(runs.at(-1));
  }

  /* Until a run ends (session.js's entry: pending, its block's class changing), the next waits. */
  function wait(entry) {
    running = !!entry?.pending;
    if (!running) return again && ((again = false), run());
    const watch = new MutationObserver(() => entry.pending || (watch.disconnect(), wait(null)));
    watch.observe(entry.view.el, { attributes: true, attributeFilter: ['class'] });
  }

  cm.on('changes', () => {
    clearTimeout(drawTimer);
    drawTimer = setTimeout(refresh, REDRAW_DELAY_MS);
  });
  refresh();
  return (made = { refresh });
}

function control(f) {
  if (f.control === 'select') return el('select', null, ...f.options.map((item, i) => Object.assign(el('option', null, String(item)), { value: i })));
  const input = Object.assign(el('input'), { type: INPUT_TYPES[f.control] || 'text' });
  if (f.control === 'slider') Object.assign(input, { min: f.min ?? 0, max: f.max ?? 100, step: f.step ?? 1 });
  if (f.control === 'number') input.step = 'any';
  if (f.type === 'integer') input.step = 1;
  return input;
}

function show(input, f) {
  const value = valueOf(f);
  if (input.type === 'checkbox') input.checked = value;
  else input.value = value;
}

/* allow-input: a text box that offers the list. */
function datalist(f, input) {
  const list = el('datalist', null, ...f.options.map((item) => Object.assign(el('option'), { value: String(item) })));
  list.id = input.id + '-list';
  input.setAttribute('list', list.id);
  return list;
}
