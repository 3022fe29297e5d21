/* One run, live (session.js) or recorded (replay.js): its block, its output as a terminal shows it, its results,
   error and progress widgets. */
import { button, el, scrollablePre } from './dom.js';
import { finite, firstLine, formatDuration, lineLabel } from './format.js';
import { createProgress } from './progress.js';
import { renderValue } from './render.js';
import { hasString, t } from './strings.js';
import { createTrainingPanel } from './training.js';

const MAX_STREAM_CHARS = 200000; // an output <pre>; older text is dropped
const MAX_RUN_ITEMS = 1000; // beyond this, output joins the last <pre>
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** code: listed when opened; titleId: the heading's id, which then names the block. */
/** training: the page's training panel; a recorded run's fits get one of their own. */
export function createRun({ title, code = null, className = '', titleId = null, training = null }) {
  const heading = el('h3', 'run-title', title);
  const [label, time] = [el('span', 'run-label'), el('span', 'run-time')];
  const article = el('article', 'run ' + className, el('div', 'run-head', heading, el('span', 'run-state', label, ' ', time)));
  if (titleId) {
    heading.id = titleId;
    article.setAttribute('aria-labelledby', titleId);
  }
  const listing = code === null ? null : createListing(code);
  const body = el('div', 'run-body');
  article.append(listing ? listing.el : '', body);
  const widgets = new Map(); // phase -> widget, until the phase ends
  let terminal = null; // where output goes, until something else is drawn

  function add(node) {
    body.append(node);
    terminal = null;
    return node;
  }

  function stream(m) {
    if (!terminal || (terminal.name !== m.name && body.childElementCount < MAX_RUN_ITEMS)) {
      const next = createTerminal(m.name);
      add(next.el);
      terminal = next;
    }
    terminal.write(m.text);
  }

  function result(m) {
    const value = el('div', 'result-value', renderValue(m.value));
    return add(el('div', 'result', el('span', 'lineno', lineLabel(m)), el('span', 'arrow', '→'), value));
  }

  function error(m, showLine) {
    const box = el('div', 'error-box', errorTitle(m));
    const n = finite(m.lineno);
    if (n >= 1) {
      if (listing) listing.mark(n);
      const line = el('p', 'error-line', el('span', null, t('error_line', { n })));
      if (showLine) line.append(' ', button('btn btn-link', t('show_in_editor'), showLine));
      box.append(line);
    }
    box.append(renderHint(m.hint) || '', tracebackDetails(m) || '');
    return add(box);
  }

  function progress(m, stop) {
    let widget = widgets.get(m.phase);
    if (!widget) {
      widget = createProgress(m.phase, stop, () => (training ||= createTrainingPanel()).begin(title));
      widgets.set(m.phase, widget);
      add(widget.el);
      if (training && !training.el.isConnected) add(training.el);
    }
    if (widget.update(m)) widgets.delete(m.phase);
  }

  function finishWidgets(stopped) {
    widgets.forEach((widget) => widget.finish(stopped));
    widgets.clear();
  }

  function setState(text, stateClass, timeText = '') {
    label.textContent = text;
    time.textContent = timeText;
    article.classList.remove('is-pending', 'is-queued', 'is-lost');
    if (stateClass) article.classList.add(stateClass);
  }

  function setWaiting(queued) {
    label.textContent = t(queued ? 'run_queued' : 'run_running');
    article.classList.toggle('is-queued', queued);
  }

  function finish(done) {
    const outcome = done.cancelled ? 'cancelled' : done.ok ? 'ok' : 'failed';
    finishWidgets(outcome !== 'ok');
    setState(t('run_' + outcome), 'is-' + outcome, formatDuration(done.elapsed_ms));
    return outcome;
  }

  const drawers = { stream, result, error, progress };
  const showCodeLine = (n) => listing && listing.show(n);
  // A recorded run's messages: no buttons, it is over.
  const draw = (m) => Object.hasOwn(drawers, m.type) && drawers[m.type](m);
  return { el: article, body, stream, result, error, progress, draw, finish, finishWidgets, setState, setWaiting, showCodeLine };
}

/* Built when first opened: most are never. */
function createListing(code) {
  const lines = code.split('\n');
  const summary = el('summary', null, el('code', null, firstLine(code, 80)));
  if (lines.length > 1) summary.append(' ', el('span', 'meta', t('code_lines', { n: lines.length })));
  const details = el('details', 'run-code', summary);
  let pre = null;
  let errorLine = 0;

  function build() {
    if (pre) return;
    pre = scrollablePre('code-lines');
    lines.forEach((line, i) => {
      const span = el('span', 'code-line', line + '\n');
      span.dataset.n = i + 1;
      pre.append(span);
    });
    details.append(pre);
    mark(errorLine);
  }

  function mark(n) {
    errorLine = n;
    if (pre && pre.children[n - 1]) pre.children[n - 1].classList.add('is-error');
  }

  function show(n) {
    details.open = true;
    build();
    if (pre.children[n - 1]) pre.children[n - 1].scrollIntoView({ block: 'nearest' });
    pre.focus({ preventScroll: true });
  }

  details.addEventListener('toggle', () => details.open && build());
  return { el: details, mark, show };
}

/* As a terminal shows it: \r goes back to the line's start, \b erases. */
function createTerminal(name) {
  const note = el('span', 'trunc-note', t('stream_truncated') + '\n');
  note.hidden = true;
  const node = document.createTextNode('');
  let text = '';
  let pendingCR = false;

  function write(piece) {
    piece = piece.replace(ANSI, '');
    if (pendingCR && piece.charAt(0) !== '\n') piece = '\r' + piece;
    piece = piece.replace(/\r+\n/g, '\n'); // \r before a newline erases nothing
    pendingCR = piece.endsWith('\r'); // the next piece tells whether a newline follows
    piece = piece.replace(/\r+$/, '');
    if (!/[\r\x08]/.test(piece) && text.length + piece.length <= MAX_STREAM_CHARS) {
      text += piece;
      node.appendData(piece); // the usual case, without redrawing
      return;
    }
    for (const part of piece.split(/(\r|\x08+)/)) {
      const lineStart = text.lastIndexOf('\n') + 1;
      if (part === '\r') text = text.slice(0, lineStart);
      else if (part.charAt(0) === '\x08') text = text.slice(0, Math.max(lineStart, text.length - part.length));
      else text += part;
    }
    if (text.length > MAX_STREAM_CHARS) {
      text = text.slice(-MAX_STREAM_CHARS);
      note.hidden = false;
    }
    node.data = text;
  }

  return { name, el: el('pre', 'stream stream-' + name, note, node), write };
}

export function errorTitle(m) {
  return el('p', 'error-title', el('strong', null, m.ename), m.evalue && ': ' + m.evalue);
}

export function tracebackDetails(m) {
  if (!m.traceback || !m.traceback.length) return null;
  const lines = m.traceback.map((s) => s.replace(ANSI, '').replace(/\n$/, ''));
  return el('details', 'traceback', el('summary', null, t('traceback')), scrollablePre(null, lines.join('\n')));
}

/* A hint in the page's words for its code, else the kernel's English text. */
function fill(template, params) {
  const p = el('p', 'hint-text');
  template.split(/\{(\w+)\}/).forEach((part, i) => p.append(i % 2 ? el('code', null, params[part] ?? `{${part}}`) : part));
  return p;
}

export function renderHint(hint) {
  if (!hint) return null;
  const key = 'hint_' + hint.code;
  const text = hasString(key) ? fill(t(key), hint.params || {}) : el('p', 'hint-text', hint.text);
  const box = el('div', 'hint-box', el('strong', 'hint-label', t('hint')), text);
  box.setAttribute('role', 'note');
  return box;
}
