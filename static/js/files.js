/* The Files panel: the session's scratch folder (docs/files.md), listed and uploaded to at the URL the page gives. */
import { el } from './dom.js';
import { formatBytes } from './format.js';
import { t } from './strings.js';

/** table: the listing, inside the panel's <form> with its upload input; url: the folder's URL. */
export function createFilesPanel(table, url) {
  const form = table.closest('form');
  const note = form.querySelector('[role="status"]');
  const input = form.elements.file;
  const say = (text) => (note.textContent = text);
  const call = (options) => fetch(url, options).then((r) => r.json().then((j) => (r.ok ? j : Promise.reject(j))));

  function row(file) {
    const link = el('a', null, file.name);
    link.href = url + encodeURIComponent(file.name); // a file's URL is its folder's and its name
    return el('tr', null, el('th', null, link), el('td', null, formatBytes(file.size)));
  }

  /* Quietly keeps the last listing when the folder cannot be read (no kernel yet). */
  function refresh() {
    call().then((j) => {
      table.tBodies[0].replaceChildren(...j.files.map(row));
      say('');
    }, () => {});
  }

  input.addEventListener('change', () => {
    const body = new FormData(form);
    call({ method: 'POST', body: body, headers: { 'X-CSRFToken': body.get('csrfmiddlewaretoken') } })
      .then(refresh, (j) => say(j.error || t('files_failed')))
      .finally(() => (input.value = ''));
  });
  return { refresh: refresh };
}
