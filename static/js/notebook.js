/* Notebooks in and out (docs/api.md): download .ipynb or .py; open or drop .ipynb or .py. */
import { download } from './dom.js';
import { t } from './strings.js';

export function setUpNotebooks(editor, recorder, urls) {
  const [$, status] = [(id) => document.getElementById(id), document.getElementById('notebook-status')];
  async function post(url, body, type) {
    const answer = await fetch(url, { method: 'POST', headers: { 'Content-Type': type }, body });
    if (!answer.ok) status.textContent = t('notebook_failed', { error: (await answer.json().catch(() => 0))?.error || answer.status });
    return answer.ok && answer;
  }

  async function downloadNotebook() {
    const code = editor.value();
    const whole = recorder.runFor(code); // the server takes outputs from the session's record
    const cells = whole ? [{ code, run: whole }] : code.split(/\n(?=#\s*%%)/).map((c) => ({ code: c, run: recorder.runFor(c) }));
    const answer = await post(urls.notebookUrl, JSON.stringify({ cells }), 'application/json');
    if (answer) download(await answer.blob(), 'playground.ipynb');
  }

  async function open(file) {
    const text = await file.text();
    if (!/\.ipynb$/i.test(file.name)) return editor.setValue(text);
    const answer = await post(urls.notebookCodeUrl, text, 'application/x-ipynb+json');
    if (!answer) return;
    editor.setValue((await answer.json()).code);
  }

  $('download-ipynb').addEventListener('click', downloadNotebook);
  $('download-py').addEventListener('click', () => download(new Blob([editor.value().replace(/\n?$/, '\n')]), 'playground.py'));
  $('open-notebook').addEventListener('change', (e) => e.target.files[0] && open(e.target.files[0]));
  editor.cm.on('drop', (c, e) => {
    const file = e.dataTransfer.files[0];
    if (!file) return;
    e.preventDefault(); // else CodeMirror pastes the file's text
    if (!/\.(ipynb|py)$/i.test(file.name)) return; // a data file: the Files panel takes it (files.js)
    e.stopPropagation();
    open(file);
  });
}
