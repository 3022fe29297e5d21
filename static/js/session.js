/*
 * The live session: the runs sent over the websocket and what the server says about them (docs/protocol.md), drawn
 * with run.js, with each result and error also shown by its line in the editor.
 *
 * While the socket is not open, Run / Interrupt / Restart are disabled (no client-side queue): the server already
 * queues executes per kernel, and a client queue could replay code against a kernel the user never saw come back.
 */
import { finite, formatDuration } from './format.js';
import { summarize } from './render.js';
import { createRun } from './run.js';
import { connect } from './socket.js';
import { t } from './strings.js';

const MAX_RUNS = 50; // run blocks kept in the page

let idCounter = 0;
function newId() {
  if (window.crypto && typeof window.crypto.randomUUID === 'function') return window.crypto.randomUUID();
  idCounter += 1; // randomUUID is only there on https and localhost
  return 'r' + Date.now().toString(36) + '-' + idCounter + '-' + Math.random().toString(36).slice(2, 10);
}

/**
 * wsPath: the websocket's path; connectOnRun: a link's page, which starts no session before its first Run;
 * onSent({id, code}) and onMessage(msg) let other parts follow the runs (sharing records their outputs).
 */
export function createSession({ wsPath, connectOnRun, editor, output, status, announce, variables, onSent, onMessage }) {
  const runs = new Map(); // id -> {id, n, code, view, pending, lost, generation}, oldest first
  let runCounter = 0;
  let conn = connectOnRun ? 'dormant' : 'connecting';
  let kernel = null; // the last `status` on the current connection
  let retryDelay = 0;
  let runOnOpen = false;
  let socket = null; // opened last, once everything it calls is defined
  const showStatus = () => status.render(conn, kernel, retryDelay);

  function open() {
    return connect(wsPath, { onState: onConnectionState, onMessage: receive });
  }

  const runOf = (m) => (typeof m.id === 'string' && runs.get(m.id)) || null;
  const forRun = (handle) => (m) => {
    const run = runOf(m);
    if (run) handle(run, m);
  };
  const handlers = {
    status: onStatus,
    stream: forRun((run, m) => run.view.stream(m)),
    result: forRun(onResult),
    error: onError,
    progress: forRun((run, m) => run.view.progress(m, interrupt)),
    variables: (m) => variables.update(m),
    done: forRun(onDone),
  };

  function receive(m) {
    onMessage(m);
    if (Object.hasOwn(handlers, m.type)) handlers[m.type](m);
    output.scrollSoon();
  }

  const holdsCodeOf = (run) => editor.value() === run.code; // else its lines may not match the editor's

  function onStatus(m) {
    const wasDead = kernel && kernel.state === 'dead';
    kernel = m;
    if (m.state === 'dead' && !wasDead) announce(t('ann_dead', { reason: m.reason || '' }));
    if (m.state === 'dead') variables.clear();
    if (m.state === 'idle' || m.state === 'dead') {
      giveUpOnEarlierConnections();
      showWaiting();
    }
    showStatus();
  }

  /* Runs sent on an earlier connection get no reply once the kernel is idle again. */
  function giveUpOnEarlierConnections() {
    const generation = socket.generation();
    runs.forEach((run) => {
      if (!run.pending || run.generation === generation) return;
      run.pending = false;
      run.view.finishWidgets(true);
      run.view.setState(t('run_lost'), 'is-failed');
    });
  }

  /* The oldest pending run is the one executing; the server runs the rest in order. */
  function showWaiting() {
    let first = true;
    runs.forEach((run) => {
      if (!run.pending || run.lost) return;
      run.view.setWaiting(!first);
      first = false;
    });
  }

  function onResult(run, m) {
    const row = run.view.result(m);
    const line = finite(m.end_lineno) || finite(m.lineno);
    if (line && holdsCodeOf(run)) editor.annotate(line, summarize(m.value), null, () => row.scrollIntoView({ block: 'nearest' }));
  }

  function onError(m) {
    if (m.id === null || m.id === undefined) {
      output.banner(m);
      return;
    }
    const run = runOf(m);
    if (!run) return;
    const n = finite(m.lineno);
    const box = run.view.error(m, () => showErrorLine(run, n));
    if (n === null || n < 1 || !holdsCodeOf(run)) return;
    editor.markLine(n);
    editor.annotate(n, '✗ ' + String(m.ename || 'Error'), 'cm-result-error', () => box.scrollIntoView({ block: 'nearest' }));
  }

  /* In the editor when it still holds the run's code, else in the run's own listing. */
  function showErrorLine(run, n) {
    if (!holdsCodeOf(run)) {
      run.view.showCodeLine(n);
      return;
    }
    editor.markLine(n);
    editor.goToLine(n);
  }

  function onDone(run, m) {
    run.pending = false;
    const outcome = run.view.finish(m);
    announce(t('ann_' + outcome, { n: run.n, time: formatDuration(m.elapsed_ms) }));
    showWaiting();
  }

  function onConnectionState(state, info) {
    const previous = conn;
    conn = state;
    kernel = null; // a new connection gets a fresh status; a lost one has none
    if (state === 'open' && previous === 'reconnecting') announce(t('ann_connected'));
    if (state !== 'open') retryDelay = info.delay || 0;
    if (state !== 'open' && previous === 'open') {
      announce(t('ann_disconnected'));
      runs.forEach((run) => {
        if (!run.pending) return;
        run.lost = true; // still pending: the reply may come once the socket is back
        run.view.setState(t('run_lost'), 'is-lost');
      });
    }
    showStatus();
    if (state === 'open' && runOnOpen) {
      runOnOpen = false;
      run();
    }
  }

  function addRun(code) {
    const n = ++runCounter;
    const view = createRun({ title: t('run_title', { n: n }), titleId: 'run-title-' + n, code: code, className: 'is-pending' });
    view.setWaiting(false);
    const entry = { id: newId(), n: n, code: code, view: view, pending: true, lost: false, generation: socket.generation() };
    output.add(view.el);
    runs.set(entry.id, entry);
    for (const [id, old] of runs) {
      if (runs.size <= MAX_RUNS) break;
      old.view.el.remove();
      runs.delete(id);
    }
    return entry;
  }

  /** Runs the editor's code, or the code given (Bench a loss). */
  function run(source) {
    if (!socket) {
      socket = open(); // a link's page: start the session, then run
      runOnOpen = true;
      return;
    }
    if (!socket.isOpen()) {
      announce(t('not_connected'));
      return;
    }
    const code = typeof source === 'string' ? source : editor.value();
    if (!code.trim()) return;
    editor.clearLine();
    editor.clearAnnotations();
    editor.save();
    const entry = addRun(code);
    onSent({ id: entry.id, code: code });
    if (!socket.send({ type: 'execute', id: entry.id, code: code })) {
      entry.pending = false;
      entry.view.setState(t('run_unsent'), 'is-failed');
    }
    showWaiting();
    output.scrollSoon(true);
  }

  function interrupt() {
    if (socket && socket.send({ type: 'interrupt' })) announce(t('interrupt_sent'));
  }

  function restart() {
    if (!socket || !socket.send({ type: 'restart' })) return;
    editor.clearLine();
    variables.clear();
    output.divider(t('restart_divider'));
  }

  /* Finished runs go; pending ones stay, so that their replies still have a place. */
  function clear() {
    const pending = new Set();
    runs.forEach((entry, id) => {
      if (entry.pending) pending.add(entry.view.el);
      else runs.delete(id);
    });
    output.clear(pending);
    editor.clearLine();
  }

  if (!connectOnRun) socket = open();
  showStatus();
  return { run: run, interrupt: interrupt, restart: restart, clear: clear };
}
