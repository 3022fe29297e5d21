/*
 * One run as the page shows it, live or recorded: its block (title, state, time, the code it ran) and in its body,
 * in order, the output text as a terminal shows it, a row per result, the error box and the progress widgets.
 * The live page (session.js) and shared links and embeds (replay.js) draw runs with it alike.
 */
import { button, el, scrollablePre } from './dom.js';
import { finite, firstLine, formatDuration, lineLabel } from './format.js';
import { renderHint } from './hints.js';
import { createProgress } from './progress.js';
import { renderValue } from './render.js';
import { t } from './strings.js';

const MAX_STREAM_CHARS = 200000; // per output <pre>; older text is dropped
const MAX_RUN_ITEMS = 1000; // beyond this, output text joins the last <pre>
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/**
 * title: its heading; code: the code it ran, listed when opened (null: none); className: its state class(es);
 * titleId: an id for the heading, which then names the block for assistive technology.
 */
export function createRun({ title, code = null, className = '', titleId = null }) {
  const heading = el('h3', 'run-title', title);
  const label = el('span', 'run-label');
  const time = el('span', 'run-time');
  const article = el('article', 'run ' + className, el('div', 'run-head', heading, el('span', 'run-state', label, ' ', time)));
  if (titleId) {
    heading.id = titleId;
    article.setAttribute('aria-labelledby', titleId);
  }
  const listing = code === null ? null : createListing(code);
  if (listing) article.append(listing.el);
  const body = el('div', 'run-body');
  article.append(body);
  const widgets = new Map(); // phase -> its progress widget, until the phase ends
  let terminal = null; // where output text goes, until something else is added

  function add(node) {
    body.append(node);
    terminal = null;
    return node;
  }

  function stream(m) {
    if (typeof m.text !== 'string') return;
    const name = m.name === 'stderr' ? 'stderr' : 'stdout';
    if (!terminal || (terminal.name !== name && body.childElementCount < MAX_RUN_ITEMS)) {
      const next = createTerminal(name);
      add(next.el);
      terminal = next;
    }
    terminal.write(m.text);
  }

  function result(m) {
    const value = el('div', 'result-value', renderValue(m.value));
    return add(el('div', 'result', el('span', 'lineno', lineLabel(m)), el('span', 'arrow', '→'), value));
  }

  /** showLine: what the "Show in editor" button does (no button without it). */
  function error(m, showLine) {
    const box = el('div', 'error-box', errorTitle(m));
    const n = finite(m.lineno);
    if (n !== null && n >= 1) {
      if (listing) listing.mark(n);
      const line = el('p', 'error-line', el('span', null, t('error_line', { n: n })));
      if (showLine) line.append(' ', button('btn btn-link', t('show_in_editor'), showLine));
      box.append(line);
    }
    const hint = renderHint(m.hint);
    if (hint) box.append(hint);
    const traceback = tracebackDetails(m);
    if (traceback) box.append(traceback);
    return add(box);
  }

  /** stop: what a fit's Stop button does (no button without it). */
  function progress(m, stop) {
    const phase = String(m.phase || 'fit');
    let widget = widgets.get(phase);
    if (!widget) {
      widget = createProgress(phase, stop);
      widgets.set(phase, widget);
      add(widget.el);
    }
    if (widget.update(m)) widgets.delete(phase); // the phase ended: a later one gets a new widget
  }

  function finishWidgets(stopped) {
    widgets.forEach((widget) => widget.finish(stopped));
    widgets.clear();
  }

  function setState(text, stateClass, timeText) {
    label.textContent = text;
    time.textContent = timeText || '';
    article.classList.remove('is-pending', 'is-queued', 'is-lost');
    if (stateClass) article.classList.add(stateClass);
  }

  /** The run's end from its `done`: 'ok', 'failed' or 'cancelled'. */
  function finish(done) {
    const outcome = done.cancelled ? 'cancelled' : done.ok ? 'ok' : 'failed';
    finishWidgets(outcome !== 'ok');
    setState(t('run_' + outcome), 'is-' + outcome, formatDuration(done.elapsed_ms));
    terminal = null;
    return outcome;
  }

  /* Running, or waiting behind another run (the server runs a session's runs in order). */
  function setWaiting(queued) {
    label.textContent = t(queued ? 'run_queued' : 'run_running');
    article.classList.toggle('is-queued', queued);
  }

  const drawers = { stream: stream, result: result, error: error, progress: progress };
  return {
    el: article,
    body: body,
    stream: stream,
    result: result,
    error: error,
    progress: progress,
    /** Any message about the run but its `done`, drawn without buttons (a recorded run is over). */
    draw: (m) => Object.hasOwn(drawers, m.type) && drawers[m.type](m),
    finish: finish,
    finishWidgets: finishWidgets,
    setState: setState,
    setWaiting: setWaiting,
    showCodeLine: (n) => listing && listing.show(n),
  };
}

/* The code a run ran, with line numbers, built the first time it is opened. */
function createListing(code) {
  const summary = el('summary', null, el('code', null, firstLine(code, 80)));
  const lines = code.split('\n');
  if (lines.length > 1) summary.append(' ', el('span', 'meta', t('code_lines', { n: lines.length })));
  const details = el('details', 'run-code', summary);
  let pre = null;
  let errorLine = null;

  function build() {
    if (pre) return;
    pre = scrollablePre('code-lines');
    lines.forEach((line, i) => {
      const span = el('span', 'code-line', line + '\n');
      span.setAttribute('data-n', String(i + 1));
      pre.append(span);
    });
    details.append(pre);
    if (errorLine) mark(errorLine);
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
  return { el: details, mark: mark, show: show };
}

/* Output text the way a terminal shows it: \r returns to the start of the line, \b erases a character. */
function createTerminal(name) {
  const note = el('span', 'trunc-note', t('stream_truncated') + '\n');
  note.hidden = true;
  const node = document.createTextNode('');
  const pre = el('pre', 'stream stream-' + name, note, node);
  let text = '';
  let pendingCR = false;

  function write(piece) {
    piece = piece.replace(ANSI, '');
    if (pendingCR) {
      pendingCR = false;
      if (piece.charAt(0) !== '\n') piece = '\r' + piece;
    }
    piece = piece.replace(/\r+\n/g, '\n'); // \r before a newline erases nothing
    if (/\r$/.test(piece)) {
      pendingCR = true; // the next piece tells whether a newline follows
      piece = piece.replace(/\r+$/, '');
    }
    if (!/[\r\x08]/.test(piece) && text.length + piece.length <= MAX_STREAM_CHARS) {
      text += piece;
      node.appendData(piece); // the common case: no need to redraw what is there
      return;
    }
    piece.split(/(\r|\x08+)/).forEach((part) => {
      const lineStart = text.lastIndexOf('\n') + 1;
      if (part === '\r') text = text.slice(0, lineStart);
      else if (part.charAt(0) === '\x08') text = text.slice(0, Math.max(lineStart, text.length - part.length));
      else text += part;
    });
    if (text.length > MAX_STREAM_CHARS) {
      text = text.slice(-MAX_STREAM_CHARS);
      note.hidden = false;
    }
    node.data = text;
  }

  return { name: name, el: pre, write: write };
}

/** "NameError: name 'f' is not defined", the exception's name in bold. */
export function errorTitle(m) {
  const title = el('p', 'error-title', el('strong', null, String(m.ename || 'Error')));
  if (m.evalue) title.append(': ' + String(m.evalue));
  return title;
}

/** The traceback, folded; null when there is none. */
export function tracebackDetails(m) {
  if (!Array.isArray(m.traceback) || !m.traceback.length) return null;
  const text = m.traceback
    .map((s) => String(s).replace(ANSI, ''))
    .map((s) => (s.endsWith('\n') ? s : s + '\n'))
    .join('')
    .replace(/\n$/, '');
  return el('details', 'traceback', el('summary', null, t('traceback')), scrollablePre(null, text));
}
