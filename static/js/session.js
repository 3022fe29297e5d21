/* The live session: runs sent over the websocket, the server's messages (docs/protocol.md) drawn into them.
   No socket, no Run: the server queues runs (a queue here could replay code into a kernel never seen back). */
import { finite, formatDuration } from './format.js';
import { summarize } from './render.js';
import { createRun } from './run.js';
import { connect } from './socket.js';
import { t } from './strings.js';

const MAX_RUNS = 50;

// A run's id (crypto.randomUUID is https-only)
const newId = () => Array.from(crypto.getRandomValues(new Uint32Array(4)), (n) => n.toString(36)).join('-');

/** connectOnRun: a link's page starts no session before its first Run. */
export function createSession({ wsPath, connectOnRun, editor, output, status, announce, variables, training, onSent, onMessage }) {
  const runs = new Map(); // id -> {id, n, code, offset, view, pending, lost, generation}, oldest first
  let runCount = 0;
  let conn = connectOnRun ? 'dormant' : 'connecting';
  let kernel = null; // the last `status` on this connection
  let retryDelay = 0;
  let runOnOpen = false;
  let socket = null;
  const showStatus = () => status.render(conn, kernel, retryDelay);
  const open = () => connect(wsPath, { onState: onConnectionState, onMessage: receive });
  const holdsCodeOf = (run) => editor.holds(run.code, run.offset); // else its line numbers may not match

  const forRun = (handle) => (m) => runs.has(m.id) && handle(runs.get(m.id), m);
  const onRunError = forRun(onError);
  const handlers = {
    status: onStatus,
    stream: forRun((run, m) => run.view.stream(m)),
    result: forRun(onResult),
    error: (m) => (m.id === null ? output.banner(m) : onRunError(m)), // id null: about no run
    progress: forRun((run, m) => run.view.progress(m, interrupt)),
    variables: (m) => variables.update(m),
    done: forRun(onDone),
    run: (m) => runs.has(m.id) || addRun(m.code, 0, m.id), // another tab's
    record: onRecord,
  };
  let replaying = false;

  /* The session's record (docs/protocol.md) replaces our runs; what is live follows. */
  function onRecord(m) {
    replaying = true;
    for (const r of m.runs.slice(-MAX_RUNS)) {
      const old = runs.get(r.id);
      old?.view.el.remove();
      runs.delete(r.id);
      addRun(r.code, old?.offset ?? 0, r.id);
      onMessage({ type: 'run', id: r.id, code: r.code });
      r.messages.forEach(receive);
    }
    replaying = false;
    showWaiting();
  }

  function receive(m) {
    onMessage(m);
    if (Object.hasOwn(handlers, m.type)) handlers[m.type](m);
    output.scrollSoon();
  }

  function onStatus(m) {
    if (m.state === 'dead' && !(kernel && kernel.state === 'dead')) announce(t('ann_dead', { reason: m.reason || '' }));
    kernel = m;
    if (m.state === 'dead') variables.clear();
    if (m.state === 'idle' || m.state === 'dead') {
      giveUpOnEarlierConnections();
      showWaiting();
    }
    showStatus();
  }

  /* Once idle, the kernel won't answer runs sent on earlier connections. */
  function giveUpOnEarlierConnections() {
    runs.forEach((run) => {
      if (!run.pending || run.generation === socket.generation()) return;
      run.pending = false;
      run.view.finishWidgets(true);
      run.view.setState(t('run_lost'), 'is-failed');
    });
  }

  /* The oldest pending run is running; the server runs the rest in order. */
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
    if (line && holdsCodeOf(run)) editor.annotate(line + run.offset, summarize(m.value), null, () => row.scrollIntoView({ block: 'nearest' }));
  }

  function onError(run, m) {
    const n = finite(m.lineno);
    const box = run.view.error(m, () => showErrorLine(run, n));
    if (!(n >= 1) || !holdsCodeOf(run)) return;
    editor.markLine(n + run.offset);
    editor.annotate(n + run.offset, '✗ ' + m.ename, 'cm-result-error', () => box.scrollIntoView({ block: 'nearest' }));
  }

  function showErrorLine(run, n) {
    if (!holdsCodeOf(run)) return run.view.showCodeLine(n);
    editor.markLine(n + run.offset);
    editor.goToLine(n + run.offset);
  }

  function onDone(run, m) {
    run.pending = false;
    const outcome = run.view.finish(m);
    if (!replaying) announce(t('ann_' + outcome, { n: run.n, time: formatDuration(m.elapsed_ms) }));
    showWaiting();
  }

  function onConnectionState(state, info) {
    const previous = conn;
    conn = state;
    kernel = null; // a new connection gets a status of its own
    retryDelay = info.delay || 0;
    if (state === 'open' && previous === 'reconnecting') announce(t('ann_connected'));
    if (state !== 'open' && previous === 'open') {
      announce(t('ann_disconnected'));
      runs.forEach((run) => {
        if (!run.pending) return;
        run.lost = true; // still pending: the reply may come on the next socket
        run.view.setState(t('run_lost'), 'is-lost');
      });
    }
    showStatus();
    if (state === 'open' && runOnOpen) {
      runOnOpen = false;
      run();
    }
  }

  function addRun(code, offset, id = newId(), note = '') {
    const n = ++runCount;
    const view = createRun({ title: t('run_title', { n }) + note, titleId: 'run-title-' + n, code, className: 'is-pending', training });
    view.setWaiting(false);
    const entry = { id, n, code, offset, view, pending: true, lost: false, generation: socket.generation() };
    output.add(view.el);
    runs.set(entry.id, entry);
    for (const [id, old] of runs) {
      if (runs.size <= MAX_RUNS) break;
      old.view.el.remove();
      runs.delete(id);
    }
    return entry;
  }

  // cellStart: a cell's first line (from 0), when a cell runs alone; note: ends the title (forms.js).
  function run(source, cellStart = null, note) {
    if (!socket) {
      socket = open(); // a link's page: start the session, then run
      runOnOpen = true;
      return;
    }
    if (!socket.isOpen()) return announce(t('not_connected'));
    const code = typeof source === 'string' ? source : editor.value();
    if (!code.trim()) return;
    editor.clearLine();
    const offset = cellStart ?? 0;
    editor.clearAnnotations(offset + 1, cellStart === null ? Infinity : offset + code.split('\n').length);
    editor.save();
    const entry = addRun(code, offset, newId(), note);
    onSent({ id: entry.id, code });
    if (!socket.send({ type: 'execute', id: entry.id, code })) {
      entry.pending = false;
      entry.view.setState(t('run_unsent'), 'is-failed');
    }
    showWaiting();
    output.scrollSoon(true);
    return entry;
  }

  function interrupt() {
    if (socket && socket.send({ type: 'interrupt' })) announce(t('interrupt_sent'));
  }

  function restart() {
    if (!socket || !socket.send({ type: 'restart' })) return;
    editor.clearLine();
    variables.clear();
    training.clear(); // a new kernel: its runs start over
    output.divider(t('restart_divider'));
  }

  /* Pending runs stay: replies need a place. */
  function clear() {
    runs.forEach((run, id) => {
      if (!run.pending) runs.delete(id);
    });
    output.clear(new Set([...runs.values()].map((run) => run.view.el)));
    editor.clearLine();
  }

  if (!connectOnRun) socket = open(); // last: it calls back at once
  showStatus();
  // assist.js's questions; false when not connected.
  const send = (message) => socket !== null && socket.send(message);
  return { run, interrupt, restart, clear, send };
}
