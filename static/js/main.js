/* Entry point of the playground page (/ and /s/<id>): its parts, wired. URLs come from the template. */
import { createAssist } from './assist.js';
import { readJson } from './dom.js';
import { createEditor } from './editor.js';
import { createFilesPanel } from '../scratch/files.js';
import { setUpNotebooks } from './notebook.js';
import { createOutput } from './output.js';
import { createVariablesPanel } from './panels.js';
import { createSession } from './session.js';
import { createRecorder, setUpSharing } from '../sharing/share.js';
import { createAnnouncer, createStatusLine } from './status.js';
import { t } from './strings.js';
import { createTrainingPanel } from './training.js';

const $ = (id) => document.getElementById(id);
const pageData = $('playground').dataset; // the template's URLs and the kind of page
const statusEl = $('status');
const buttons = { run: $('run'), interrupt: $('interrupt'), restart: $('restart') };
const editor = createEditor($('code'), pageData.classCode && 'playground.code.class.' + pageData.classCode);
const announce = createAnnouncer($('announcer'));
// A class's page only: its module, which hears every message.
const early = [];
let classroom = { message: (m) => early.push(m) };
if (pageData.classToken) {
  import('../classroom/class.js').then((c) => {
    classroom = c.createClassroom({ banners: $('banners'), editor, announce, send: session.send, data: pageData });
    early.forEach(classroom.message);
  });
}
const recorder = createRecorder();
const files = createFilesPanel($('files'), pageData.filesUrl);
const session = createSession({
  wsPath: pageData.wsPath + (pageData.classToken ? '?class=' + encodeURIComponent(pageData.classToken) : ''),
  connectOnRun: 'connectOnRun' in pageData,
  editor,
  output: createOutput($('output'), $('banners')),
  status: createStatusLine(statusEl, buttons),
  announce,
  variables: createVariablesPanel({
    table: $('variables'),
    empty: $('variables-empty'),
    memory: statusEl.querySelector('[data-role="memory"]'),
    bench: (name) => session.run(`bench_loss(${name})`),
  }),
  training: createTrainingPanel($('training')),
  onSent: recorder.sent,
  onMessage(m) {
    recorder.message(m);
    assist.answer(m); // completions, inspection
    classroom.message(m);
    if (m.type === 'status' && m.state === 'idle') files.refresh();
  },
});
const assist = createAssist(editor.cm, (m) => session.send(m));
editor.cm.state.runCell = () => {
  const cell = editor.takeCell(); // Shift+Enter
  session.run(cell.code, cell.offset);
};
// Colab's forms: their module once the code has one.
const forms = () => /#\s*@(param|title|markdown)/.test(editor.value()) && import('./forms.js').then((f) => f.createForms(editor, session, forms));
editor.cm.on('changes', forms);
forms();
setUpNotebooks(editor, recorder, pageData);
const snippet = readJson('snippet-data'); // on a link's page
setUpSharing({
  shareButton: $('share'),
  panel: $('share-panel'),
  apiUrl: pageData.apiSnippetsUrl,
  linkPattern: pageData.snippetUrl,
  editor,
  recorder,
  snippet,
});

buttons.run.addEventListener('click', () => session.run());
buttons.interrupt.addEventListener('click', session.interrupt);
buttons.restart.addEventListener('click', session.restart);
$('clear-output').addEventListener('click', session.clear);

// The examples gallery: the lesson topic by topic. Ctrl+Z in the editor brings the code before one back.
const examples = readJson('examples-data');
$('examples').addEventListener('change', (e) => {
  const example = examples.find((x) => x.slug === e.target.value);
  if (!example) return;
  editor.setValue(example.code);
  $('example-description').textContent = t('example_loaded', { title: example.title }) + ' ' + example.description;
});

// Ctrl/Cmd+Enter runs, Ctrl/Cmd+. interrupts, from anywhere on the page.
document.addEventListener('keydown', (e) => {
  if (e.isComposing || e.altKey || !(e.ctrlKey || e.metaKey) || !['Enter', '.'].includes(e.key)) return;
  e.preventDefault();
  if (e.key === 'Enter') session.run();
  else session.interrupt();
});

// Apple keyboards say ⌘ where others say Ctrl.
if (/mac|iphone|ipad/i.test(navigator.userAgentData ? navigator.userAgentData.platform : navigator.platform)) {
  document.querySelectorAll('kbd.mod').forEach((k) => (k.textContent = '⌘'));
}
