/* A student's page in a class (/c/<code>), loaded by main.js there only: code the teacher pushes is offered above the output (insert as a new cell, replace, dismiss), never put in the editor unasked; an
   exercise's verdict marks its cell; the class's end is said. */
import { button, el } from '../js/dom.js';
import { t } from '../js/strings.js';

const EXERCISE = /^#\s*%%\s*exercise\s*:\s*(.+?)\s*$/i;

/** An exercise's verdict (docs/protocol.md, `verdict`); the teacher's view draws them too. */
export function verdictNode(m) {
  const node = el('p', 'verdict is-' + (m.passed ? 'pass' : 'fail'), t('verdict_' + (m.passed ? 'pass' : 'fail'), { title: m.exercise }), m.passed ? '' : ' ' + m.message);
  node.setAttribute('role', 'status');
  return node;
}

/* The teacher's playground: its editor goes to the followers as it changes; a button pushes the cursor's cell. */
function present(editor, send) {
  let timer = null;
  const tell = () => send({ type: 'editor', code: editor.value() });
  editor.cm.on('change', () => {
    clearTimeout(timer);
    timer = setTimeout(tell, 400);
  });
  document.getElementById('push-cell').addEventListener('click', () => {
    const cm = editor.cm;
    let [from, to] = [cm.getCursor().line, cm.getCursor().line + 1];
    while (from > 0 && !/^#\s*%%/.test(cm.getLine(from))) from -= 1;
    while (to < cm.lineCount() && !/^#\s*%%/.test(cm.getLine(to))) to += 1;
    send({ type: 'push', code: cm.getRange({ line: from, ch: 0 }, { line: to, ch: 0 }).replace(/\n$/, '') });
  });
  return tell;
}

export function createClassroom({ banners, editor, announce, send, data }) {
  const verdicts = new Map(); // exercise -> its verdict's node
  let follow = null; // follow.js, once the student first follows
  const followButton = document.getElementById('follow');
  followButton?.addEventListener('click', async () => {
    follow ||= (await import('./follow.js')).createFollow({ editor, send, teacherUrl: followButton.dataset.url, announce });
    follow.toggle();
    followButton.setAttribute('aria-pressed', followButton.getAttribute('aria-pressed') !== 'true');
  });
  const tell = 'presenting' in data ? present(editor, send) : null;
  function offer(m) {
    const title = m.title || t('push_title');
    const box = el('div', 'banner push', el('strong', 'banner-label', title), el('pre', 'push-code', m.code));
    const close = () => box.remove();
    const insert = () => {
      const current = editor.value().replace(/\s+$/, '');
      const cell = /^#\s*%%/.test(m.code) ? m.code : '# %%\n' + m.code;
      editor.setValue(current ? current + '\n\n' + cell : cell);
      editor.goToLine(current ? current.split('\n').length + 2 : 1);
      close();
    };
    const replace = () => {
      editor.setValue(m.code); // Ctrl+Z in the editor brings their code back
      close();
    };
    box.append(
      el('span', 'push-actions', button('btn btn-primary', t('push_insert'), insert), ' ', button('btn', t('push_replace'), replace), ' ', button('btn btn-quiet', t('dismiss'), close)),
    );
    box.setAttribute('role', 'region');
    box.setAttribute('aria-label', title);
    banners.append(box);
    announce(t('ann_push'));
  }

  /** At the exercise's first line in the editor, and above the output (the latest of each exercise). */
  function verdict(m) {
    const lines = editor.value().split('\n');
    const line = lines.findIndex((text) => (EXERCISE.exec(text) || [])[1] === m.exercise);
    if (line >= 0) editor.annotate(line + 1, (m.passed ? '✓ ' : '✗ ') + m.exercise, m.passed ? 'cm-result-pass' : 'cm-result-error', () => editor.goToLine(line + 1));
    const node = verdictNode(m);
    verdicts.get(m.exercise)?.remove();
    verdicts.set(m.exercise, node);
    banners.append(node);
    announce(node.textContent);
  }

  function closed() {
    const box = el('div', 'banner', el('span', '', t('class_closed')));
    box.setAttribute('role', 'status');
    banners.append(box);
    document.getElementById('class-bar')?.classList.add('is-closed');
  }

  return {
    message(m) {
      follow?.message(m);
      if (tell && m.type === 'record') tell(); // each connection opens with the record: say what the editor holds
      if (m.type === 'push') offer(m);
      else if (m.type === 'verdict') verdict(m);
      else if (m.type === 'class' && m.closed) closed();
    },
  };
}
