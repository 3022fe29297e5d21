/* Notebooks in and out (docs/api.md): .ipynb with the outputs recorded (whole runs or cell runs), .py; open or drop. */
import { el } from './dom.js';
import { t } from './strings.js';

export function setUpNotebooks({ editor, recorder, urls, buttons, status }) {
  function save(blob, name) {
    const link = Object.assign(el('a'), { href: URL.createObjectURL(blob), download: name });
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 5000);
  }

  async function post(url, body, type) {
    const answer = await fetch(url, { method: 'POST', headers: { 'Content-Type': type }, body });
    if (!answer.ok) status.textContent = t('notebook_failed', { error: (await answer.json().catch(() => 0))?.error || answer.status });
    return answer.ok && answer;
  }

  async function downloadNotebook() {
    const code = editor.value();
    const whole = recorder.outputsFor(code);
    const cells = whole ? [{ code, outputs: whole }] : code.split(/\n(?=#\s*%%)/).map((c) => ({ code: c, outputs: recorder.outputsFor(c) }));
    const answer = await post(urls.notebook, JSON.stringify({ cells }), 'application/json');
    if (answer) save(await answer.blob(), 'playground.ipynb');
  }

  async function open(file) {
    const text = await file.text();
    if (!/\.ipynb$/i.test(file.name)) return editor.setValue(text);
    const answer = await post(urls.notebookCode, text, 'application/x-ipynb+json');
    if (!answer) return;
    editor.setValue((await answer.json()).code);
  }

  buttons.ipynb.addEventListener('click', downloadNotebook);
  buttons.py.addEventListener('click', () => save(new Blob([editor.value().replace(/\n?$/, '\n')], { type: 'text/x-python' }), 'playground.py'));
  buttons.open.addEventListener('change', () => buttons.open.files[0] && open(buttons.open.files[0]));
  editor.cm.on('drop', (c, e) => {
    const file = e.dataTransfer.files[0];
    if (!file) return;
    e.preventDefault();
    open(file);
  });
}
