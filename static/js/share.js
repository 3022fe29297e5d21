/*
 * Share by link (docs/api.md): the Share button saves the editor's code, its title and the outputs recorded for the
 * last run of exactly that code, then shows and copies the link. Links shared from this browser are listed from
 * localStorage. On a link's page (/s/<id>) the editor shows the snippet's code, and the next share names it as parent.
 */
import { el, readJson } from './dom.js';
import { firstLine } from './format.js';
import { t } from './strings.js';

const HISTORY_KEY = 'playground.shared';
const MAX_HISTORY = 50;
const MAX_RUNS = 20; // runs whose outputs are kept for sharing
const MAX_RECORD_CHARS = 1024 * 1024; // the server keeps less (PLAYGROUND_SNIPPET_MAX_OUTPUT_BYTES)
const RECORDED = ['stream', 'result', 'error', 'progress'];

/** Records the outputs of the latest runs: sent({id, code}) for each run, message(msg) for each server message. */
export function createRecorder() {
  const runs = new Map(); // run id -> {code, messages, done, chars, lastBatch}, oldest first

  function sent({ id, code }) {
    runs.set(id, { code: code, messages: [], done: null, chars: 0, lastBatch: {} });
    if (runs.size > MAX_RUNS) runs.delete(runs.keys().next().value);
  }

  function message(m) {
    const run = typeof m.id === 'string' ? runs.get(m.id) : null;
    if (!run) return;
    const { id, ...rest } = m; // the run id means nothing once shared
    if (m.type === 'done') run.done = rest;
    else if (RECORDED.includes(m.type) && run.chars < MAX_RECORD_CHARS) record(run, rest);
  }

  /* One message per stretch of output, and of a phase's batches only the latest: a summary, not a replay. */
  function record(run, m) {
    const messages = run.messages;
    const last = messages[messages.length - 1];
    const batch = m.type === 'progress' && m.event === 'batch';
    if (m.type === 'stream' && last && last.type === 'stream' && last.name === m.name) {
      last.text += m.text;
    } else if (batch && m.phase in run.lastBatch) {
      messages[run.lastBatch[m.phase]] = m;
    } else {
      if (batch) run.lastBatch[m.phase] = messages.length;
      else if (m.type === 'progress') delete run.lastBatch[m.phase];
      messages.push(m);
    }
    run.chars += JSON.stringify(m).length;
  }

  /* The outputs of the latest finished run of exactly this code, or null. */
  function outputsFor(code) {
    const finished = [...runs.values()].filter((run) => run.code === code && run.done);
    const run = finished[finished.length - 1];
    return run ? [...run.messages, run.done] : null;
  }

  return { sent: sent, message: message, outputsFor: outputsFor };
}

/* ---------- links shared from this browser ---------- */

function loadHistory() {
  try {
    const list = JSON.parse(window.localStorage.getItem(HISTORY_KEY) || '[]');
    return Array.isArray(list) ? list.filter((x) => x && typeof x.url === 'string') : [];
  } catch (err) {
    return [];
  }
}

function remember(entry) {
  const list = [entry, ...loadHistory().filter((x) => x.url !== entry.url)].slice(0, MAX_HISTORY);
  try {
    window.localStorage.setItem(HISTORY_KEY, JSON.stringify(list));
  } catch (err) {
    /* private mode or quota: the link is still shown */
  }
}

function renderHistory(details) {
  const list = loadHistory();
  const items = list.map((x) => {
    const a = el('a', null, String(x.title || x.url));
    a.href = x.url;
    const when = x.at ? new Date(x.at) : null;
    return el('li', null, a, when && !isNaN(when) ? el('span', 'meta', ' ' + when.toLocaleString()) : null);
  });
  details.querySelector('ol').replaceChildren(...items);
  details.querySelector('[data-role="count"]').textContent = t('share_count', { n: list.length });
  details.hidden = list.length === 0;
}

/* ---------- sharing ---------- */

async function copy(text, input) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch (err) {
    input.select(); // no clipboard permission: the older way, from the selection
    try {
      return document.execCommand('copy');
    } catch (err2) {
      return false;
    }
  }
}

/** panel: the share panel; apiUrl: where snippets are created; snippet: the link's snippet on its page, or null. */
export function setUpSharing({ shareButton, panel, apiUrl, editor, recorder, snippet }) {
  const $ = (id) => panel.querySelector('#' + id);
  const ui = { title: $('share-title'), result: $('share-result'), url: $('share-url'), status: $('share-status') };
  const history = $('share-history');
  const csrfToken = panel.querySelector('[name="csrfmiddlewaretoken"]').value;
  let parent = snippet ? snippet.id : null;

  function say(text, isError) {
    ui.status.textContent = text;
    ui.status.classList.toggle('is-error', !!isError);
  }

  async function share() {
    const code = editor.value();
    if (!code.trim()) return say(t('share_empty'), true);
    const outputs = recorder.outputsFor(code);
    const title = ui.title.value.trim();
    shareButton.disabled = true;
    say(t('share_saving'));
    try {
      const response = await fetch(apiUrl, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRFToken': csrfToken },
        body: JSON.stringify({ code: code, title: title, outputs: outputs || [], parent: parent }),
      });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) return say(body.error || t('share_failed', { status: response.status }), true);
      await show(body.url, response.status === 200 ? t('share_existing') : outputs ? '' : t('share_no_outputs'));
      remember({ url: body.url, title: title || firstLine(code, 80), at: new Date().toISOString() });
      renderHistory(history);
      parent = body.id; // what the editor holds now descends from this link
    } catch (err) {
      say(t('share_offline'), true);
    } finally {
      shareButton.disabled = false;
    }
  }

  async function show(url, note) {
    ui.url.value = new URL(url, window.location.href).href;
    ui.result.hidden = false;
    const copied = await copy(ui.url.value, ui.url);
    say([copied ? t('share_copied') : t('share_ready'), note].filter(Boolean).join(' '));
  }

  shareButton.addEventListener('click', share);
  $('share-copy').addEventListener('click', async () => (await copy(ui.url.value, ui.url)) && say(t('share_copied')));
  if (snippet && typeof snippet.code === 'string') editor.showWithoutSaving(snippet.code);
  renderHistory(history);
}
