/*
 * Share by link (docs/api.md): the Share button saves the editor's code, its title and the
 * outputs recorded for the last run of exactly that code, then shows and copies the link.
 * Links shared from this browser are listed from localStorage. On a link's page (/s/<id>)
 * the editor gets the snippet's code and the next share records it as the parent.
 *
 * Outputs are recorded from the events main.js emits on #playground:
 *   playground:execute {id, code}   a run was sent
 *   playground:message <server message>
 */
(function () {
  'use strict';
  const P = (window.Playground = window.Playground || {});
  const t = (key, vars) => P.t(key, vars);
  const $ = (id) => document.getElementById(id);

  const API = '/api/snippets';
  const HISTORY_KEY = 'playground.shared';
  const CODE_KEY = 'playground.code'; // editor.js's saved code
  const MAX_HISTORY = 50;
  const MAX_RUNS = 20; // runs whose outputs are kept for sharing
  const MAX_RECORD_CHARS = 1024 * 1024; // the server keeps less (PLAYGROUND_SNIPPET_MAX_OUTPUT_BYTES)
  const RECORDED = ['stream', 'result', 'error', 'progress'];

  const root = $('playground');
  const button = $('share');
  if (!root || !button) return;
  const ui = {
    title: $('share-title'),
    result: $('share-result'),
    url: $('share-url'),
    copy: $('share-copy'),
    status: $('share-status'),
    history: $('share-history'),
  };

  /* ---------- the editor, whichever it is ---------- */

  function codeMirror() {
    const wrapper = document.querySelector('.CodeMirror');
    return wrapper && wrapper.CodeMirror ? wrapper.CodeMirror : null;
  }

  function getCode() {
    const api = window.playground;
    if (api && typeof api.getCode === 'function') return api.getCode();
    const cm = codeMirror();
    if (cm) return cm.getValue();
    const ta = $('code');
    return ta && typeof ta.value === 'string' ? ta.value : '';
  }

  function setCode(code) {
    const api = window.playground;
    if (api && typeof api.setCode === 'function') return api.setCode(code);
    const cm = codeMirror();
    if (cm) return cm.setValue(code);
    const ta = $('code');
    if (ta) {
      ta.value = code;
      ta.dispatchEvent(new Event('input', { bubbles: true }));
    }
  }

  /* ---------- recording the outputs of runs ---------- */

  const runs = new Map(); // run id -> {code, messages, done, chars, lastBatch}
  const order = [];

  root.addEventListener('playground:execute', (e) => {
    const d = e.detail || {};
    if (typeof d.id !== 'string') return;
    runs.set(d.id, { code: String(d.code), messages: [], done: null, chars: 0, lastBatch: {} });
    order.push(d.id);
    while (order.length > MAX_RUNS) runs.delete(order.shift());
  });

  root.addEventListener('playground:message', (e) => {
    const m = e.detail;
    const run = m && typeof m.id === 'string' ? runs.get(m.id) : null;
    if (!run) return;
    if (m.type === 'done') run.done = strip(m);
    else if (RECORDED.indexOf(m.type) >= 0 && run.chars < MAX_RECORD_CHARS) record(run, strip(m));
  });

  function strip(m) {
    const copy = Object.assign({}, m);
    delete copy.id; // the run id means nothing once shared
    return copy;
  }

  function record(run, m) {
    const msgs = run.messages;
    const last = msgs[msgs.length - 1];
    if (m.type === 'stream' && last && last.type === 'stream' && last.name === m.name) {
      last.text += m.text; // one message per stretch of output
    } else if (m.type === 'progress' && m.event === 'batch' && m.phase in run.lastBatch) {
      msgs[run.lastBatch[m.phase]] = m; // a summary: only the latest batch update
    } else {
      if (m.type === 'progress' && m.event === 'batch') run.lastBatch[m.phase] = msgs.length;
      else if (m.type === 'progress') delete run.lastBatch[m.phase];
      msgs.push(m);
    }
    run.chars += JSON.stringify(m).length;
  }

  /* The outputs of the latest finished run of exactly this code, or null. */
  function outputsFor(code) {
    for (let i = order.length - 1; i >= 0; i--) {
      const run = runs.get(order[i]);
      if (run && run.code === code && run.done) return run.messages.concat([run.done]);
    }
    return null;
  }

  /* ---------- links shared from this browser ---------- */

  function loadHistory() {
    try {
      const list = JSON.parse(window.localStorage.getItem(HISTORY_KEY) || '[]');
      return Array.isArray(list) ? list.filter((x) => x && typeof x.id === 'string') : [];
    } catch (err) {
      return [];
    }
  }

  function remember(entry) {
    const list = [entry].concat(loadHistory().filter((x) => x.id !== entry.id)).slice(0, MAX_HISTORY);
    try {
      window.localStorage.setItem(HISTORY_KEY, JSON.stringify(list));
    } catch (err) {
      /* private mode / quota: the link is still shown */
    }
    renderHistory();
  }

  function renderHistory() {
    if (!ui.history) return;
    const list = loadHistory();
    const ol = ui.history.querySelector('ol');
    ol.replaceChildren();
    list.forEach((x) => {
      const a = P.el('a', null, String(x.title || x.id));
      a.href = '/s/' + encodeURIComponent(x.id);
      const when = x.at ? new Date(x.at) : null;
      const meta = when && !isNaN(when) ? P.el('span', 'meta', ' ' + when.toLocaleString()) : null;
      ol.append(P.el('li', null, a, meta));
    });
    ui.history.querySelector('[data-role="count"]').textContent = t('share_count', { n: list.length });
    ui.history.hidden = list.length === 0;
  }

  /* ---------- sharing ---------- */

  const snippet = readJson('snippet-data'); // present on a link's page
  let parent = snippet ? snippet.id : null;

  function readJson(id) {
    const node = $(id);
    if (!node) return null;
    try {
      return JSON.parse(node.textContent);
    } catch (err) {
      return null;
    }
  }

  function csrfToken() {
    const input = document.querySelector('#share-panel [name="csrfmiddlewaretoken"]');
    if (input) return input.value;
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : '';
  }

  function say(text, isError) {
    ui.status.textContent = text;
    ui.status.classList.toggle('is-error', !!isError);
  }

  async function share() {
    const code = getCode();
    if (!code.trim()) return say(t('share_empty'), true);
    const outputs = outputsFor(code);
    const title = ui.title ? ui.title.value.trim() : '';
    button.disabled = true;
    say(t('share_saving'));
    try {
      const response = await fetch(API, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRFToken': csrfToken() },
        body: JSON.stringify({ code: code, title: title, outputs: outputs || [], parent: parent }),
      });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) return say(body.error || t('share_failed', { status: response.status }), true);
      await shown(body, response.status === 200 ? t('share_existing') : outputs ? '' : t('share_no_outputs'));
      remember({ id: body.id, title: title || firstLine(code), at: new Date().toISOString() });
      parent = body.id; // what the editor holds now descends from this link
    } catch (err) {
      say(t('share_offline'), true);
    } finally {
      button.disabled = false;
    }
  }

  async function shown(body, note) {
    ui.url.value = new URL(body.url, window.location.href).href;
    ui.result.hidden = false;
    const copied = await copy(ui.url.value);
    say([copied ? t('share_copied') : t('share_ready'), note].filter(Boolean).join(' '));
  }

  async function copy(text) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch (err) {
      ui.url.select();
      try {
        return document.execCommand('copy');
      } catch (err2) {
        return false;
      }
    }
  }

  function firstLine(code) {
    const line = (code.split('\n').find((l) => l.trim()) || '').trim();
    return line.length > 80 ? line.slice(0, 79) + '…' : line;
  }

  /* ---------- a link's page ---------- */

  /* Show the snippet's code, and give the visitor's own saved code back when they leave
     without editing the snippet (opening a link must not cost them their work). */
  function openSnippet() {
    let saved = null;
    try {
      saved = window.localStorage.getItem(CODE_KEY);
    } catch (err) {
      return setCode(snippet.code);
    }
    setCode(snippet.code);
    let edited = false;
    const cm = codeMirror();
    if (cm) cm.on('change', (c, change) => (edited = edited || change.origin !== 'setValue'));
    else root.addEventListener('input', (e) => (edited = edited || e.isTrusted));
    window.addEventListener('pagehide', () => {
      if (edited) return;
      if (saved === null) window.localStorage.removeItem(CODE_KEY);
      else window.localStorage.setItem(CODE_KEY, saved);
    });
  }

  button.addEventListener('click', share);
  if (ui.copy) ui.copy.addEventListener('click', () => copy(ui.url.value).then((ok) => ok && say(t('share_copied'))));
  if (snippet && typeof snippet.code === 'string') openSnippet();
  renderHistory();
})();
