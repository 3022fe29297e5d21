/* Share by link (docs/api.md): code, title and last run (its outputs from the session's record); a link's
   page is the next share's parent. */
import { el } from '../js/dom.js';
import { firstLine } from '../js/format.js';
import { t } from '../js/strings.js';

const HISTORY_KEY = 'playground.shared';
const MAX_HISTORY = 50;
const MAX_RUNS = 20;

/* Which runs this page sent, by code: a share or a download names its run, and the server takes
   the outputs from the session's record. */
export function createRecorder() {
  const runs = new Map(); // run id -> {code, done}, oldest first

  function sent({ id, code }) {
    runs.set(id, { code, done: false });
    if (runs.size > MAX_RUNS) runs.delete(runs.keys().next().value);
  }

  function message(m) {
    if (m.type === 'run') sent(m); // begun by another tab of the session
    else if (m.type === 'done' && runs.has(m.id)) runs.get(m.id).done = true;
  }

  const runFor = (code) => [...runs].findLast(([, r]) => r.code === code && r.done)?.[0];
  return { sent, message, runFor };
}

function sharedLinks(linkPattern) {
  let links;
  try {
    links = JSON.parse(window.localStorage.getItem(HISTORY_KEY)) || [];
  } catch {
    return []; // storage refused
  }
  // Entries saved before links carried their URL hold only an id.
  return links.map((x) => (x.url || !x.id ? x : { ...x, url: linkPattern.replace('SNIPPET_ID', encodeURIComponent(x.id)) }));
}

function remember(link, linkPattern) {
  const links = [link, ...sharedLinks(linkPattern).filter((x) => x.url !== link.url)].slice(0, MAX_HISTORY);
  try {
    window.localStorage.setItem(HISTORY_KEY, JSON.stringify(links));
  } catch {
    // storage refused or full: the link is still shown
  }
}

function showSharedLinks(details, linkPattern) {
  const links = sharedLinks(linkPattern).filter((x) => x.url);
  const items = links.map((x) => {
    const a = el('a', null, x.title || x.url);
    a.href = x.url;
    return el('li', null, a, el('span', 'meta', ' ' + new Date(x.at).toLocaleString()));
  });
  details.querySelector('ol').replaceChildren(...items);
  details.querySelector('[data-role="count"]').textContent = t('share_count', { n: links.length });
  details.hidden = !links.length;
}

async function copy(input) {
  try {
    await navigator.clipboard.writeText(input.value);
    return true;
  } catch {
    input.select(); // no clipboard permission
    return document.execCommand('copy');
  }
}

export function setUpSharing({ shareButton, panel, apiUrl, linkPattern, editor, recorder, snippet }) {
  const part = (id) => panel.querySelector('#' + id);
  const [titleInput, result, urlInput, status, history] = ['title', 'result', 'url', 'status', 'history'].map((id) => part('share-' + id));
  const csrfToken = panel.querySelector('[name="csrfmiddlewaretoken"]').value;
  let parent = snippet ? snippet.id : null;

  function say(text, isError = false) {
    status.textContent = text;
    status.classList.toggle('is-error', isError);
  }

  async function post(code, title, run) {
    const response = await fetch(apiUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRFToken': csrfToken },
      body: JSON.stringify({ code, title, run, parent }),
    });
    return [response.status, await response.json().catch(() => ({}))];
  }

  async function share() {
    const code = editor.value();
    if (!code.trim()) return say(t('share_empty'), true);
    const run = recorder.runFor(code);
    const title = titleInput.value.trim();
    shareButton.disabled = true;
    say(t('share_saving'));
    try {
      const [httpStatus, body] = await post(code, title, run);
      if (httpStatus >= 400) return say(body.error || t('share_failed', { status: httpStatus }), true);
      urlInput.value = new URL(body.url, window.location.href).href;
      result.hidden = false;
      const note = httpStatus === 200 ? t('share_existing') : run ? '' : t('share_no_outputs');
      say([t((await copy(urlInput)) ? 'share_copied' : 'share_ready'), note, body.files_note].filter(Boolean).join(' '));
      remember({ url: body.url, title: title || firstLine(code, 80), at: new Date().toISOString() }, linkPattern);
      showSharedLinks(history, linkPattern);
      parent = body.id; // what the editor holds now descends from this link
    } catch {
      say(t('share_offline'), true);
    } finally {
      shareButton.disabled = false;
    }
  }

  shareButton.addEventListener('click', share);
  part('share-copy').addEventListener('click', async () => (await copy(urlInput)) && say(t('share_copied')));
  if (snippet) editor.showWithoutSaving(snippet.code);
  showSharedLinks(history, linkPattern);
}
