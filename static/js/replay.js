/*
 * The recorded outputs of a shared snippet (docs/api.md): protocol messages the page collected
 * for one run (stream, result, error, a progress summary, done), drawn with the live page's
 * value renderers (render.js) and markup (site.css), so a link shows what its author saw.
 * Used by a link's page and by embeds; nothing here talks to a kernel.
 *
 *   <div data-recorded="snippet-data"></div>   filled from <script id="snippet-data" type="application/json">
 *
 * Every server string reaches the DOM as text (P.el makes text nodes), never as HTML.
 */
(function () {
  'use strict';
  const P = (window.Playground = window.Playground || {});

  const t = (key, vars) => P.t(key, vars);
  const el = (...args) => P.el(...args);

  const { finite, formatDuration, formatLogs, lineLabel } = P; // render.js, shared with main.js

  /* What a terminal would show: \r returns to the start of the line, \b erases one character. */
  function terminalText(text) {
    let out = '';
    String(text)
      .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')
      .replace(/\r+\n/g, '\n')
      .split(/(\r|\x08)/)
      .forEach((part) => {
        if (part === '\r') out = out.slice(0, out.lastIndexOf('\n') + 1);
        else if (part === '\x08') out = out.slice(0, Math.max(out.lastIndexOf('\n') + 1, out.length - 1));
        else out += part;
      });
    return out;
  }

  function resultRow(m) {
    const row = el('div', 'result', el('span', 'lineno', lineLabel(m)), el('span', 'arrow', '→'));
    row.append(el('div', 'result-value', P.renderValue(m.value)));
    return row;
  }

  function errorBox(m) {
    const title = el('p', 'error-title', el('strong', null, String(m.ename || 'Error')));
    if (m.evalue) title.append(': ' + String(m.evalue));
    const box = el('div', 'error-box', title);
    const n = finite(m.lineno);
    if (n !== null && n >= 1) box.append(el('p', 'error-line', t('error_line', { n: n })));
    const hint = typeof P.renderHint === 'function' ? P.renderHint(m.hint) : null; // panels.js
    if (hint) box.append(hint);
    if (Array.isArray(m.traceback) && m.traceback.length) {
      const pre = el('pre', null, m.traceback.map((s) => String(s).replace(/\n$/, '')).join('\n'));
      pre.tabIndex = 0;
      box.append(el('details', 'traceback', el('summary', null, t('traceback')), pre));
    }
    return box;
  }

  /* A progress summary (epoch ends, phase end, last batch) as the live page's widget, finished. */
  function progressWidget(phase) {
    const known = ['fit', 'evaluate', 'predict'].indexOf(phase) >= 0;
    const bar = document.createElement('progress');
    const w = {
      bar: bar,
      epochEl: el('span', 'pw-epoch'),
      stepEl: el('span', 'pw-step'),
      stateEl: el('span', 'pw-state'),
      logsEl: el('div', 'pw-logs'),
      list: el('ol', 'pw-epochs'),
    };
    bar.setAttribute('aria-label', known ? t('phase_' + phase) : phase);
    w.list.hidden = true;
    w.box = el('div', 'progress-widget', el('div', 'pw-head', el('span', 'pw-phase', known ? t('phase_' + phase) : phase)));
    w.box.firstChild.append(w.epochEl, w.stepEl, w.stateEl);
    w.box.append(bar, w.logsEl, w.list);
    if (P.training) P.training.attach(w, phase, () => {}); // panels.js: the live page's curves
    return w;
  }

  function updateWidget(w, m) {
    if (P.training) P.training.update(w, m);
    const steps = finite(m.steps);
    const step = finite(m.step);
    if (steps !== null && steps > 0) {
      w.bar.max = steps;
      w.bar.value = Math.min(step || 0, steps);
      w.stepEl.textContent = t('steps', { n: step || 0, m: steps });
    } else {
      w.stepEl.textContent = step !== null ? t('step', { n: step }) : '';
    }
    const epoch = finite(m.epoch);
    const epochs = finite(m.epochs);
    if (epoch !== null) w.epochEl.textContent = t('epoch', { e: epoch, E: epochs === null ? '?' : epochs });
    const logs = formatLogs(m.logs);
    if (logs) w.logsEl.textContent = logs;
    if (m.event === 'epoch') {
      const parts = [t('epoch', { e: epoch === null ? '?' : epoch, E: epochs === null ? '?' : epochs })];
      if (logs) parts.push(logs);
      const secs = finite(m.epoch_time_s);
      if (secs !== null) parts.push(formatDuration(secs * 1000));
      w.list.append(el('li', null, parts.join(' · ')));
      w.list.hidden = false;
    }
  }

  function finishWidget(w, stopped) {
    if (P.training) P.training.finish(w);
    if (!w.bar.hasAttribute('value')) w.bar.max = 1;
    w.bar.value = stopped ? Math.min(w.bar.value || 0, w.bar.max) : w.bar.max;
    w.stateEl.textContent = t(stopped ? 'progress_stopped' : 'progress_done');
    w.box.classList.add(stopped ? 'is-stopped' : 'is-done');
  }

  /** The run's body: one node per message, in order, as the live page draws them. */
  function renderBody(body, messages, done) {
    const widgets = new Map();
    let stream = null;
    messages.forEach((m) => {
      if (!m || typeof m !== 'object') return;
      if (m.type === 'stream') {
        const name = m.name === 'stderr' ? 'stderr' : 'stdout';
        if (!stream || stream.name !== name) {
          stream = { name: name, text: '', pre: el('pre', 'stream stream-' + name) };
          body.append(stream.pre);
        }
        stream.text += String(m.text);
        stream.pre.textContent = terminalText(stream.text);
        return;
      }
      stream = null;
      if (m.type === 'result') body.append(resultRow(m));
      else if (m.type === 'error') body.append(errorBox(m));
      else if (m.type === 'progress') {
        const phase = String(m.phase || 'fit');
        let w = widgets.get(phase);
        if (!w) {
          w = progressWidget(phase);
          widgets.set(phase, w);
          body.append(w.box);
        }
        updateWidget(w, m);
        if (m.event === 'end') {
          finishWidget(w, false);
          widgets.delete(phase);
        }
      }
    });
    widgets.forEach((w) => finishWidget(w, !(done && done.ok)));
  }

  function runState(done) {
    if (!done) return { key: null, cls: '' };
    if (done.cancelled) return { key: 'run_cancelled', cls: 'is-cancelled' };
    return done.ok ? { key: 'run_ok', cls: 'is-ok' } : { key: 'run_failed', cls: 'is-failed' };
  }

  /** A run block for a snippet's recorded outputs ({outputs, outputs_truncated, tf_version}). */
  P.renderRecorded = function (snippet) {
    const outputs = Array.isArray(snippet.outputs) ? snippet.outputs : [];
    const done = outputs.filter((m) => m && m.type === 'done').pop() || null;
    const state = runState(done);
    const title = el('h3', 'run-title', t('recorded_title'));
    const label = el('span', 'run-label', state.key ? t(state.key) : '');
    const time = el('span', 'run-time', done ? formatDuration(done.elapsed_ms) : '');
    const head = el('div', 'run-head', title, el('span', 'run-state', label, ' ', time));
    const article = el('article', 'run run-recorded ' + state.cls, head);
    const note = [];
    if (snippet.tf_version) note.push(t('recorded_tf', { v: snippet.tf_version }));
    if (snippet.outputs_truncated) note.push(t('recorded_truncated'));
    if (note.length) article.append(el('p', 'meta recorded-note', note.join(' · ')));
    const body = el('div', 'run-body');
    try {
      renderBody(body, outputs, done);
    } catch (err) {
      console.error('playground: cannot draw the recorded outputs', err);
    }
    if (!body.childNodes.length) article.append(el('p', 'output-empty', t('recorded_none')));
    article.append(body);
    return article;
  };

  function readJson(id) {
    const node = document.getElementById(id);
    if (!node) return null;
    try {
      return JSON.parse(node.textContent);
    } catch (err) {
      return null;
    }
  }

  // After every deferred script, so the renderers other files add (charts, hints) are there.
  document.addEventListener('DOMContentLoaded', () => {
    document.querySelectorAll('[data-recorded]').forEach((slot) => {
      const snippet = readJson(slot.getAttribute('data-recorded'));
      if (snippet) slot.replaceWith(P.renderRecorded(snippet));
    });
  });
})();
