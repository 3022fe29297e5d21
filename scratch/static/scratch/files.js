/* The Files panel: the session's scratch folder (docs/files.md), listed and uploaded to at the folder's URL. */
import { el } from '../js/dom.js';
import { formatBytes } from '../js/format.js';
import { t } from '../js/strings.js';

export function createFilesPanel(table, folderUrl) {
  const form = table.closest('form');
  const note = form.querySelector('[role="status"]');
  const input = form.elements.file;
  const call = (options) => fetch(folderUrl, options).then((r) => r.json().then((j) => (r.ok ? j : Promise.reject(j))));

  function row(file) {
    const link = el('a', null, file.name);
    link.href = folderUrl + encodeURIComponent(file.name); // the folder's route, then the name
    return el('tr', null, el('th', null, link), el('td', null, formatBytes(file.size)));
  }

  function refresh() {
    call().then((j) => {
      table.tBodies[0].replaceChildren(...j.files.map(row));
      note.textContent = '';
    }, () => {}); // no kernel yet: the last listing stays
  }

  // A file dropped on the page (not a notebook on the editor) is uploaded.
  document.addEventListener('dragover', (e) => e.preventDefault());
  document.addEventListener('drop', (e) => {
    e.preventDefault();
    if (!e.dataTransfer.files.length) return;
    input.files = e.dataTransfer.files;
    form.closest('details')?.setAttribute('open', '');
    input.dispatchEvent(new Event('change'));
  });

  input.addEventListener('change', () => {
    const body = new FormData(form);
    call({ method: 'POST', body, headers: { 'X-CSRFToken': body.get('csrfmiddlewaretoken') } })
      .then(refresh, (j) => (note.textContent = j.error || t('files_failed')))
      .finally(() => (input.value = ''));
  });
  return { refresh };
}
