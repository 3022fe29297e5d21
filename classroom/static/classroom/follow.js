/* Follow mode, loaded when a student first presses Follow: the teacher's editor and runs, live and read-only, in
   place of the student's own (kept as they were); "Take a copy" puts the teacher's code in the student's editor. */
import { button, el } from '../js/dom.js';
import { createRun } from '../js/run.js';
import { t } from '../js/strings.js';

export function createFollow({ editor, send, teacherUrl, announce }) {
  const pane = document.querySelector('.editor');
  const output = document.getElementById('output');
  const runs = new Map(); // the teacher's run id -> its view
  const code = window.CodeMirror(() => {}, { value: '', mode: { name: 'python', version: 3 }, readOnly: true, lineNumbers: true });
  const copy = button('btn btn-primary', t('follow_copy'), () => takeCopy());
  const panel = el('section', 'follow-panel', el('p', 'follow-note', t('follow_note'), ' ', copy));
  panel.append(code.getWrapperElement());
  panel.setAttribute('aria-label', t('follow_title'));
  const shown = el('div', 'output follow-output');
  shown.tabIndex = 0;
  let on = false;

  function draw(m) {
    if (m.type === 'run') {
      const view = createRun({ title: t('follow_run'), code: m.code });
      runs.set(m.id, view);
      shown.append(view.el);
    } else if (runs.has(m.id)) {
      const view = runs.get(m.id);
      if (m.type === 'done') view.finish(m);
      else view.draw(m);
    }
    shown.scrollTop = shown.scrollHeight;
  }

  async function start() {
    on = true;
    pane.before(panel);
    pane.hidden = output.hidden = true;
    output.after(shown);
    send({ type: 'follow', on: true });
    code.refresh();
    const response = await fetch(teacherUrl, { headers: { Accept: 'application/json' } });
    const record = response.ok ? await response.json() : { runs: [] };
    shown.replaceChildren();
    runs.clear();
    for (const r of record.runs || []) {
      draw({ type: 'run', id: r.id, code: r.code });
      r.messages.forEach((m) => draw(m));
    }
    announce(t('follow_on'));
  }

  function stop() {
    on = false;
    send({ type: 'follow', on: false });
    panel.remove();
    shown.remove();
    pane.hidden = output.hidden = false;
    editor.cm.refresh();
  }

  function takeCopy() {
    const teacher = code.getValue();
    stop();
    editor.setValue(teacher); // Ctrl+Z brings the student's own code back
    announce(t('follow_copied'));
  }

  return {
    toggle: () => (on ? stop() : start()),
    message(m) {
      if (!on) return;
      if (m.type === 'teacher_editor') code.setValue(m.code);
      else if (m.type === 'follow') draw(m.message);
    },
  };
}
