/*
 * Page wiring: buttons and shortcuts, run blocks, progress widgets, status line, and the
 * handlers for server messages (protocol v1, see docs/protocol.md).
 *
 * While the socket is not open, Run / Interrupt / Restart are disabled (no client-side
 * queue): the server already queues executes per kernel, and a client queue could replay
 * code against a kernel the user never saw come back.
 */
(function () {
  'use strict';
  const P = window.Playground;
  const t = P.t;
  const el = P.el;

  const MAX_RUNS = 50; // run blocks kept in the DOM
  const MAX_STREAM_CHARS = 200000; // per output <pre>; older text is dropped
  const MAX_RUN_ITEMS = 1000; // beyond this, stream text joins the last <pre>
  const MAX_EPOCH_LINES = 100;
  const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
  const KNOWN_STATES = ['dormant', 'connecting', 'reconnecting', 'open', 'starting', 'idle', 'busy', 'dead'];

  const $ = (id) => document.getElementById(id);
  const root = $('playground') || document.body;
  // A shared link's page (/s/<id>) connects on the first Run.
  const connectOnRun = root.hasAttribute('data-connect-on-run');
  let runOnOpen = false;
  /* Events for share.js and files.js: 'execute' {id, code}, 'message' (each server message). */
  const emit = (name, detail) => root.dispatchEvent(new CustomEvent('playground:' + name, { detail: detail }));
  const output = $('output');
  const statusEl = $('status');
  const buttons = { run: $('run'), interrupt: $('interrupt'), restart: $('restart') };
  const placeholder = output.querySelector('.output-empty');
  const editor = P.createEditor($('code'));
  const vars = P.createVariablesPanel($('variables'), $('variables-empty'), statusEl.querySelector('[data-role="memory"]'));
  // For other scripts: the editor's code and Run (of other code too: Bench a loss).
  window.playground = { getCode: () => editor.value(), setCode: (code) => editor.setValue(code), run: (code) => runCode(code) };

  const runs = new Map(); // id -> run
  const order = []; // runs in the DOM, oldest first
  let runCounter = 0;
  let conn = connectOnRun ? 'dormant' : 'connecting';
  let retryDelay = 0;
  let kernel = null; // last status message on the current connection

  /* ---------- small helpers ---------- */

  let idCounter = 0;
  function newId() {
    if (window.crypto && typeof window.crypto.randomUUID === 'function') return window.crypto.randomUUID();
    idCounter += 1;
    return 'r' + Date.now().toString(36) + '-' + idCounter + '-' + Math.random().toString(36).slice(2, 10);
  }

  const { finite, formatDuration, formatLogs, lineLabel } = P; // render.js

  const announcer = $('announcer');
  function announce(text) {
    if (!announcer) return;
    announcer.textContent = '';
    setTimeout(() => {
      announcer.textContent = text;
    }, 50);
  }

  /* ---------- auto-scroll: follow new output unless the user scrolled up ---------- */

  let stick = true;
  let scrollQueued = false;
  output.addEventListener('scroll', () => {
    stick = output.scrollHeight - output.scrollTop - output.clientHeight < 48;
  });
  function scrollSoon(force) {
    if (force) stick = true;
    if (!stick || scrollQueued) return;
    scrollQueued = true;
    requestAnimationFrame(() => {
      scrollQueued = false;
      if (stick) output.scrollTop = output.scrollHeight;
    });
  }

  /* ---------- status line and buttons ---------- */

  const statusParts = {
    state: statusEl.querySelector('[data-role="state"]'),
    kernel: statusEl.querySelector('[data-role="kernel"]'),
    queued: statusEl.querySelector('[data-role="queued"]'),
    reason: statusEl.querySelector('[data-role="reason"]'),
  };

  function setPart(node, text) {
    node.textContent = text || '';
    node.hidden = !text;
  }

  function renderStatus() {
    const st = conn !== 'open' ? conn : (kernel && kernel.state) || 'open';
    const known = KNOWN_STATES.indexOf(st) >= 0;
    statusParts.state.textContent = known ? t('state_' + st) : String(st);
    statusParts.state.className = 'pill pill-' + (known ? st : 'unknown');
    statusEl.setAttribute('data-state', known ? st : 'unknown');

    let info = '';
    const k = conn === 'open' && kernel && kernel.kernel;
    if (k && typeof k === 'object') {
      const parts = [];
      if (k.tf) parts.push('TensorFlow ' + k.tf);
      if (k.keras) parts.push('Keras ' + k.keras);
      if (k.python) parts.push('Python ' + k.python);
      if (k.device) parts.push(String(k.device));
      info = parts.join(' · ');
    }
    setPart(statusParts.kernel, info);
    const queued = conn === 'open' && kernel ? finite(kernel.queued) : null;
    setPart(statusParts.queued, queued ? t('queued', { n: queued }) : '');

    let reason = '';
    if (conn === 'reconnecting' && retryDelay) reason = t('retry_in', { s: retryDelay / 1000 });
    else if (conn === 'open' && kernel) {
      if (kernel.reason) reason = String(kernel.reason);
      if (kernel.state === 'dead') reason = (reason ? reason + ' ' : '') + t('dead_hint');
    }
    setPart(statusParts.reason, reason);
  }

  function updateButtons() {
    const off = conn !== 'open';
    buttons.run.disabled = off && conn !== 'dormant';
    buttons.interrupt.disabled = off;
    buttons.restart.disabled = off;
  }

  /* ---------- run blocks ---------- */

  function createRun(code) {
    const n = ++runCounter;
    const title = el('h3', 'run-title', t('run_title', { n: n }));
    title.id = 'run-title-' + n;
    const stateEl = el('span', 'run-label', t('run_running'));
    const timeEl = el('span', 'run-time');
    const head = el('div', 'run-head', title, el('span', 'run-state', stateEl, ' ', timeEl));

    const lines = code.split('\n');
    const first = (lines.find((l) => l.trim()) || '').trim();
    const summary = el('summary', null, el('code', null, first.length > 80 ? first.slice(0, 79) + '…' : first));
    if (lines.length > 1) summary.append(' ', el('span', 'meta', t('code_lines', { n: lines.length })));
    const codeBox = el('details', 'run-code', summary);
    const body = el('div', 'run-body');
    const article = el('article', 'run is-pending', head, codeBox, body);
    article.setAttribute('aria-labelledby', title.id);

    const run = {
      id: newId(),
      n: n,
      code: code,
      el: article,
      stateEl: stateEl,
      timeEl: timeEl,
      codeBox: codeBox,
      codePre: null,
      body: body,
      stream: null,
      progress: new Map(),
      errorLine: null,
      pending: true,
      gen: connection.generation(),
    };
    codeBox.addEventListener('toggle', () => {
      if (codeBox.open) buildCode(run);
    });

    if (placeholder && placeholder.parentNode) placeholder.remove();
    output.append(article);
    runs.set(run.id, run);
    order.push(run);
    while (order.length > MAX_RUNS) {
      const old = order.shift();
      old.el.remove();
      runs.delete(old.id);
    }
    return run;
  }

  /* The submitted code with line numbers, built the first time it is opened. */
  function buildCode(run) {
    if (run.codePre) return;
    const pre = el('pre', 'code-lines');
    pre.tabIndex = 0;
    run.code.split('\n').forEach((line, i) => {
      const span = el('span', 'code-line', line + '\n');
      span.setAttribute('data-n', String(i + 1));
      pre.append(span);
    });
    run.codePre = pre;
    run.codeBox.append(pre);
    if (run.errorLine) markCodeLine(run);
  }

  function markCodeLine(run) {
    if (!run.codePre) return;
    const line = run.codePre.children[run.errorLine - 1];
    if (line) line.classList.add('is-error');
  }

  function addItem(run, node) {
    run.body.append(node);
    run.stream = null;
    scrollSoon();
  }

  function setRunState(run, label, cls, time) {
    run.stateEl.textContent = label;
    run.timeEl.textContent = time || '';
    run.el.classList.remove('is-pending', 'is-queued', 'is-lost');
    if (cls) run.el.classList.add(cls);
  }

  /* The oldest pending run is the one executing; the server runs the rest in order. */
  function updatePending() {
    let first = true;
    order.forEach((run) => {
      if (!run.pending || run.el.classList.contains('is-lost')) return;
      run.stateEl.textContent = t(first ? 'run_running' : 'run_queued');
      run.el.classList.toggle('is-queued', !first);
      first = false;
    });
  }

  function getRun(msg) {
    return typeof msg.id === 'string' ? runs.get(msg.id) || null : null;
  }

  /* ---------- server messages ---------- */

  function onStatus(m) {
    const wasDead = kernel && kernel.state === 'dead';
    kernel = m;
    if (m.state === 'dead' && !wasDead) announce(t('ann_dead', { reason: m.reason || '' }));
    if (m.state === 'dead') vars.clear();
    // Runs sent on an earlier connection will not get a reply once the kernel is idle again.
    if (m.state === 'idle' || m.state === 'dead') {
      const gen = connection.generation();
      order.forEach((run) => {
        if (run.pending && run.gen !== gen) {
          run.pending = false;
          finishWidgets(run, true);
          setRunState(run, t('run_lost'), 'is-failed');
        }
      });
      updatePending();
    }
    renderStatus();
  }

  function onStream(m) {
    const run = getRun(m);
    if (!run || typeof m.text !== 'string') return;
    const name = m.name === 'stderr' ? 'stderr' : 'stdout';
    let s = run.stream;
    if (!s || (s.name !== name && run.body.childElementCount < MAX_RUN_ITEMS)) {
      const note = el('span', 'trunc-note', t('stream_truncated') + '\n');
      note.hidden = true;
      const node = document.createTextNode('');
      const pre = el('pre', 'stream stream-' + name, note, node);
      addItem(run, pre);
      s = run.stream = { name: name, node: node, note: note, buf: '', pendingCR: false };
    }
    appendTerminalText(s, m.text);
    scrollSoon();
  }

  /* Append text the way a terminal shows it: \r returns to the line start, \b erases. */
  function appendTerminalText(s, text) {
    text = text.replace(ANSI, '');
    if (s.pendingCR) {
      s.pendingCR = false;
      if (text.charAt(0) !== '\n') text = '\r' + text;
    }
    text = text.replace(/\r+\n/g, '\n'); // \r before a newline erases nothing
    if (/\r$/.test(text)) {
      s.pendingCR = true; // the next piece tells whether a newline follows
      text = text.replace(/\r+$/, '');
    }
    if (!/[\r\x08]/.test(text) && s.buf.length + text.length <= MAX_STREAM_CHARS) {
      s.buf += text;
      s.node.appendData(text);
      return;
    }
    let buf = s.buf;
    text.split(/(\r|\x08+)/).forEach((part) => {
      if (part === '\r') buf = buf.slice(0, buf.lastIndexOf('\n') + 1);
      else if (part.charAt(0) === '\x08')
        buf = buf.slice(0, Math.max(buf.lastIndexOf('\n') + 1, buf.length - part.length));
      else buf += part;
    });
    if (buf.length > MAX_STREAM_CHARS) {
      buf = buf.slice(-MAX_STREAM_CHARS);
      s.note.hidden = false;
    }
    s.buf = buf;
    s.node.data = buf;
  }

  function onResult(m) {
    const run = getRun(m);
    if (!run) return;
    const row = el('div', 'result', el('span', 'lineno', lineLabel(m)), el('span', 'arrow', '→'));
    row.append(el('div', 'result-value', P.renderValue(m.value)));
    addItem(run, row);
    const line = finite(m.end_lineno) || finite(m.lineno);
    if (line && editor.value() === run.code) editor.annotate(line, P.summarize(m.value), null, () => row.scrollIntoView({ block: 'nearest' }));
  }

  function tracebackText(tb) {
    return tb
      .map((s) => String(s).replace(ANSI, ''))
      .map((s) => (s.charAt(s.length - 1) === '\n' ? s : s + '\n'))
      .join('')
      .replace(/\n$/, '');
  }

  function errorBox(m, cls) {
    const box = el(
      'div',
      cls,
      el('p', 'error-title', el('strong', null, String(m.ename || 'Error')), m.evalue ? ': ' + String(m.evalue) : ''),
    );
    return box;
  }

  function addTraceback(box, m) {
    if (!Array.isArray(m.traceback) || !m.traceback.length) return;
    const pre = el('pre', null, tracebackText(m.traceback));
    pre.tabIndex = 0;
    box.append(el('details', 'traceback', el('summary', null, t('traceback')), pre));
  }

  function onError(m) {
    if (m.id === null || m.id === undefined) {
      showBanner(m);
      return;
    }
    const run = getRun(m);
    if (!run) return;
    const box = errorBox(m, 'error-box');
    const n = finite(m.lineno);
    if (n !== null && n >= 1) {
      run.errorLine = n;
      markCodeLine(run);
      if (editor.value() === run.code) {
        editor.markLine(n);
        editor.annotate(n, '✗ ' + String(m.ename || 'Error'), 'cm-result-error', () => box.scrollIntoView({ block: 'nearest' }));
      }
      const go = el('button', 'btn btn-link', t('show_in_editor'));
      go.type = 'button';
      go.addEventListener('click', () => showErrorLine(run));
      box.append(el('p', 'error-line', el('span', null, t('error_line', { n: n })), ' ', go));
    }
    const hint = P.renderHint(m.hint);
    if (hint) box.append(hint);
    addTraceback(box, m);
    addItem(run, box);
  }

  /* In the editor when it still holds that run's code, else in the run's own code listing. */
  function showErrorLine(run) {
    if (editor.value() === run.code) {
      editor.markLine(run.errorLine);
      editor.goToLine(run.errorLine);
      return;
    }
    run.codeBox.open = true;
    buildCode(run);
    const line = run.codePre.children[run.errorLine - 1];
    if (line) line.scrollIntoView({ block: 'nearest' });
    run.codePre.focus({ preventScroll: true });
  }

  function showBanner(m) {
    const banners = $('banners');
    const close = el('button', 'btn btn-quiet', t('dismiss'));
    close.type = 'button';
    const b = errorBox(m, 'banner');
    b.firstChild.prepend(el('span', 'banner-label', t('server_error')), ' ');
    addTraceback(b, m);
    b.append(close);
    b.setAttribute('role', 'alert');
    close.addEventListener('click', () => b.remove());
    banners.append(b);
    while (banners.children.length > 3) banners.firstElementChild.remove();
  }

  /* ---------- progress widgets: one per run and phase, updated in place ---------- */

  const dirty = new Set();
  let frameQueued = false;

  function createWidget(run, phase) {
    const name = ['fit', 'evaluate', 'predict'].indexOf(phase) >= 0 ? t('phase_' + phase) : phase;
    const bar = document.createElement('progress');
    bar.setAttribute('aria-label', name);
    const w = {
      bar: bar,
      epochEl: el('span', 'pw-epoch'),
      stepEl: el('span', 'pw-step'),
      stateEl: el('span', 'pw-state'),
      logsEl: el('div', 'pw-logs'),
      list: el('ol', 'pw-epochs'),
      latest: null,
      ended: false,
      epochsSeen: 0,
    };
    w.list.hidden = true;
    w.box = el(
      'div',
      'progress-widget',
      el('div', 'pw-head', el('span', 'pw-phase', name), w.epochEl, w.stepEl, w.stateEl),
      bar,
      w.logsEl,
      w.list,
    );
    P.training.attach(w, phase, interrupt);
    addItem(run, w.box);
    return w;
  }

  function applyProgress(w) {
    const m = w.latest;
    const steps = finite(m.steps);
    const step = finite(m.step);
    if (steps !== null && steps > 0) {
      w.bar.max = steps;
      w.bar.value = Math.min(step || 0, steps);
      w.stepEl.textContent = t('steps', { n: step || 0, m: steps });
    } else {
      w.bar.removeAttribute('value'); // indeterminate
      w.stepEl.textContent = step !== null ? t('step', { n: step }) : '';
    }
    const epoch = finite(m.epoch);
    if (epoch !== null) {
      const epochs = finite(m.epochs);
      w.epochEl.textContent = t('epoch', { e: epoch, E: epochs === null ? '?' : epochs });
    }
    const logs = formatLogs(m.logs);
    if (logs) w.logsEl.textContent = logs;
  }

  function addEpochLine(w, m) {
    w.epochsSeen += 1;
    const epoch = finite(m.epoch);
    const epochs = finite(m.epochs);
    const parts = [t('epoch', { e: epoch === null ? w.epochsSeen : epoch, E: epochs === null ? '?' : epochs })];
    const logs = formatLogs(m.logs);
    if (logs) parts.push(logs);
    const secs = finite(m.epoch_time_s);
    if (secs !== null) parts.push(formatDuration(secs * 1000));
    w.list.append(el('li', null, parts.join(' · ')));
    w.list.hidden = false;
    while (w.list.children.length > MAX_EPOCH_LINES) w.list.firstElementChild.remove();
    w.list.scrollTop = w.list.scrollHeight;
  }

  function finishWidget(w, stopped) {
    if (w.ended) return;
    if (dirty.delete(w)) applyProgress(w);
    w.ended = true;
    P.training.finish(w);
    if (!w.bar.hasAttribute('value')) {
      w.bar.max = 1;
      w.bar.value = stopped ? 0 : 1;
    } else if (!stopped) {
      w.bar.value = w.bar.max;
    }
    w.stateEl.textContent = t(stopped ? 'progress_stopped' : 'progress_done');
    w.box.classList.add(stopped ? 'is-stopped' : 'is-done');
  }

  function finishWidgets(run, stopped) {
    run.progress.forEach((w) => finishWidget(w, stopped));
    run.progress.clear();
  }

  function flushProgress() {
    frameQueued = false;
    dirty.forEach((w) => {
      if (!w.ended) applyProgress(w);
    });
    dirty.clear();
    scrollSoon();
  }

  function onProgress(m) {
    const run = getRun(m);
    if (!run) return;
    const phase = String(m.phase || 'fit');
    let w = run.progress.get(phase);
    if (!w) {
      w = createWidget(run, phase);
      run.progress.set(phase, w);
    }
    w.latest = m;
    P.training.update(w, m);
    if (m.event === 'epoch' || m.event === 'end') {
      applyProgress(w); // rare: apply at once so no epoch line is lost
      if (m.event === 'epoch') {
        addEpochLine(w, m);
        if (w.bar.hasAttribute('value')) w.bar.value = w.bar.max;
      } else {
        finishWidget(w, false);
        run.progress.delete(phase); // a later fit() in the same run gets a new widget
      }
      scrollSoon();
    } else {
      dirty.add(w); // batches: coalesce to one DOM update per frame
      if (!frameQueued) {
        frameQueued = true;
        requestAnimationFrame(flushProgress);
      }
    }
  }

  function onDone(m) {
    const run = getRun(m);
    if (!run) return;
    run.pending = false;
    run.stream = null;
    const time = formatDuration(m.elapsed_ms);
    let key = 'ok';
    if (m.cancelled) key = 'cancelled';
    else if (!m.ok) key = 'failed';
    finishWidgets(run, key !== 'ok');
    setRunState(run, t('run_' + key), 'is-' + key, time);
    announce(t('ann_' + key, { n: run.n, time: time }));
    updatePending();
    scrollSoon();
  }

  const handlers = {
    status: onStatus,
    stream: onStream,
    result: onResult,
    error: onError,
    progress: onProgress,
    variables: (m) => vars.update(m),
    done: onDone,
  };

  /* ---------- connection ---------- */

  function onConnState(state, info) {
    const prev = conn;
    conn = state;
    if (state === 'open') {
      kernel = null;
      if (prev === 'reconnecting') announce(t('ann_connected'));
    } else {
      kernel = null; // stale once the socket is gone
      retryDelay = (info && info.delay) || 0;
      if (prev === 'open') {
        announce(t('ann_disconnected'));
        order.forEach((run) => {
          if (!run.pending) return;
          setRunState(run, t('run_lost'), 'is-lost');
          run.pending = true;
        });
      }
    }
    renderStatus();
    updateButtons();
    if (state === 'open' && runOnOpen) {
      runOnOpen = false;
      runCode();
    }
  }

  const connect = () =>
    P.connect({
      path: root.getAttribute('data-ws-path') || '/ws/session/',
      onState: onConnState,
      onMessage: (m) => {
        emit('message', m);
        const h = Object.prototype.hasOwnProperty.call(handlers, m.type) ? handlers[m.type] : null;
        if (h) h(m);
      },
    });
  const notYet = { send: () => false, isOpen: () => false, generation: () => 0 };
  let connection = connectOnRun ? notYet : connect();

  /* ---------- actions ---------- */

  function runCode(source) {
    if (connection === notYet) {
      connection = connect(); // a link's page: start the session, then run
      runOnOpen = true;
      return;
    }
    if (!connection.isOpen()) {
      announce(t('not_connected'));
      return;
    }
    const code = typeof source === 'string' ? source : editor.value();
    if (!code.trim()) return;
    editor.clearMark();
    editor.clearAnnotations();
    editor.save();
    const run = createRun(code);
    emit('execute', { id: run.id, code: code });
    if (!connection.send({ type: 'execute', id: run.id, code: code })) {
      run.pending = false;
      setRunState(run, t('run_unsent'), 'is-failed');
    }
    updatePending();
    scrollSoon(true);
  }

  function interrupt() {
    if (connection.send({ type: 'interrupt' })) announce(t('interrupt_sent'));
  }

  function restart() {
    if (!connection.send({ type: 'restart' })) return;
    editor.clearMark();
    vars.clear();
    if (placeholder && placeholder.parentNode) placeholder.remove();
    output.append(el('p', 'divider', t('restart_divider')));
    scrollSoon(true);
  }

  /* Remove finished runs (pending ones stay so their replies still have a home). */
  function clearOutput() {
    Array.from(output.children).forEach((node) => {
      const run = order.find((r) => r.el === node);
      if (!run || !run.pending) node.remove();
    });
    for (let i = order.length - 1; i >= 0; i--) {
      if (!order[i].pending) {
        runs.delete(order[i].id);
        order.splice(i, 1);
      }
    }
    if (!output.children.length && placeholder) output.append(placeholder);
    editor.clearMark();
  }

  buttons.run.addEventListener('click', runCode);
  buttons.interrupt.addEventListener('click', interrupt);
  buttons.restart.addEventListener('click', restart);
  const clearBtn = $('clear-output');
  if (clearBtn) clearBtn.addEventListener('click', clearOutput);

  // Ctrl/Cmd+Enter runs, Ctrl/Cmd+. interrupts, from anywhere on the page.
  document.addEventListener('keydown', (e) => {
    if (e.isComposing || e.altKey || !(e.ctrlKey || e.metaKey)) return;
    if (e.key === 'Enter') {
      e.preventDefault();
      runCode();
    } else if (e.key === '.') {
      e.preventDefault();
      interrupt();
    }
  });

  // Show ⌘ instead of Ctrl in the hints on Apple platforms.
  const platform = (navigator.userAgentData && navigator.userAgentData.platform) || navigator.platform || '';
  if (/mac|iphone|ipad/i.test(platform)) {
    document.querySelectorAll('kbd.mod').forEach((k) => {
      k.textContent = '⌘';
    });
  }

  renderStatus();
  updateButtons();
})();
