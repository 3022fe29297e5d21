/* The teacher's live view (/class/<code>/teach): every student's state, runs and last error, errors grouped by
   kind, the exercises' grid, a student's runs read-only, and code pushed to the class (docs/protocol.md). */
import { verdictNode } from './class.js';
import { button, el } from '../js/dom.js';
import { createRun, renderHint } from '../js/run.js';
import { connect } from '../js/socket.js';
import { t } from '../js/strings.js';

const $ = (id) => document.getElementById(id);
const root = $('teacher');
const exercises = [...document.querySelectorAll('.exercise-col')].map((th) => th.textContent);
const rows = new Map(); // seat -> {tr, student}
const tbody = $('roster').querySelector('tbody');
const status = (text) => ($('class-status').textContent = text);

function ago(seconds) {
  if (seconds === null || seconds === undefined) return '–';
  const s = Math.max(0, Math.round(Date.now() / 1000 - seconds));
  return s < 60 ? t('ago_s', { n: s }) : t('ago_min', { n: Math.round(s / 60) });
}

/* Short: the error's kind, its first words, its line and its hint, small. */
function errorCell(error) {
  if (!error) return '';
  const words = error.evalue.split('\n')[0];
  const where = error.line ? el('code', 'error-line', error.line) : '';
  return el('div', 'last-error', el('strong', null, error.ename), ' ', words.length > 90 ? words.slice(0, 90) + '…' : words, where ? el('br') : '', where, renderHint(error.hint) || '');
}

function exerciseCell(result) {
  if (!result) return el('td', 'exercise-cell', '–');
  const cell = el('td', 'exercise-cell ' + (result.passed ? 'is-pass' : 'is-fail'), result.passed ? '✓' : '✗');
  cell.title = result.passed ? t('verdict_pass', { title: '' }) : result.message;
  return cell;
}

function draw(student) {
  const row = rows.get(student.seat) || { tr: el('tr') };
  row.student = student;
  const name = button('btn btn-quiet student-name', student.name, () => openStudent(student.seat, student.name));
  row.tr.replaceChildren(
    el('th', null, name),
    el('td', null, el('span', 'pill pill-' + student.state, t('student_' + student.state))),
    el('td', 'num', String(student.runs)),
    el('td', 'when', ago(student.last_run_at)),
    el('td', null, errorCell(student.last_error)),
    ...exercises.map((title) => exerciseCell(student.exercises[title])),
  );
  row.tr.dataset.state = student.state;
  if (!rows.has(student.seat)) tbody.append(row.tr);
  rows.set(student.seat, row);
  $('roster-empty').hidden = rows.size > 0;
  $('student-count').textContent = '(' + rows.size + ')';
}

function drawErrors(groups) {
  $('errors').replaceChildren(
    ...groups.map((g) => {
      const what = renderHint(g.hint) || el('p', 'hint-text', g.ename + ': ' + (g.evalue || '').split('\n')[0]);
      const count = t(g.count === 1 ? 'group_one' : 'group_count', { n: g.count });
      const head = el('p', 'group-head', el('strong', null, count), ' ', g.line ? el('code', null, g.line) : '');
      const box = el('div', 'error-group', head, what, el('p', 'hint', g.names.join(', ')));
      return box;
    }),
  );
}

async function openStudent(seat, name) {
  const view = $('student-view');
  $('student-view-title').textContent = name;
  const runs = $('student-runs');
  runs.replaceChildren(el('p', 'hint', t('loading')));
  view.hidden = false;
  const response = await fetch(root.dataset.recordUrl.replace('/0/', '/' + seat + '/'), { headers: { Accept: 'application/json' } });
  const data = await response.json();
  if (!response.ok) return runs.replaceChildren(el('p', 'hint', data.error || String(response.status)));
  const drawn = data.record.runs.map((r, i) => {
    const run = createRun({ title: t('run_title', { n: i + 1 + data.record.dropped }), code: r.code });
    r.messages.forEach((m) => (m.type === 'verdict' ? run.body.append(verdictNode(m)) : run.draw(m)));
    const done = r.messages.findLast((m) => m.type === 'done');
    if (done) run.finish(done);
    else run.setWaiting(false);
    return run.el;
  });
  runs.replaceChildren(...(drawn.length ? drawn : [el('p', 'hint', t('student_no_runs'))]));
}

const handlers = {
  roster: (m) => m.students.forEach(draw),
  student: (m) => {
    draw(m.student);
    if (m.errors) drawErrors(m.errors);
  },
  pushed: () => ($('push-status').textContent = t('pushed')),
  error: (m) => ($('push-status').textContent = m.message),
  closed: () => status(t('class_closed')),
};

const socket = connect(root.dataset.wsPath, {
  onState: (state) => status(state === 'open' ? '' : t('state_' + state)),
  onMessage: (m) => handlers[m.type]?.(m),
});

$('push').addEventListener('click', () => {
  const code = $('push-code').value;
  if (code.trim() && socket.send({ type: 'push', code })) $('push-status').textContent = t('pushing');
});
$('student-view-close').addEventListener('click', () => ($('student-view').hidden = true));
setInterval(() => rows.forEach((row) => draw(row.student)), 5000); // "12 s ago" moves on
