/*
 * Entry point of the playground page (/ and a link's page /s/<id>): the editor, the panels, sharing and the live
 * session, built from the page's elements and wired together. URLs come from the template's data attributes, so a
 * route changes in Django alone.
 */
import { readJson } from './dom.js';
import { createEditor } from './editor.js';
import { setUpExamples } from './examples.js';
import { createFilesPanel } from './files.js';
import { createOutput } from './output.js';
import { createVariablesPanel } from './panels.js';
import { createSession } from './session.js';
import { createRecorder, setUpSharing } from './share.js';
import { createAnnouncer, createStatusLine } from './status.js';

const $ = (id) => document.getElementById(id);
const root = $('playground');
const statusEl = $('status');
const buttons = { run: $('run'), interrupt: $('interrupt'), restart: $('restart') };
const editor = createEditor($('code'));
const recorder = createRecorder();
const files = createFilesPanel($('files'), root.dataset.filesUrl);
const session = createSession({
  wsPath: root.dataset.wsPath,
  connectOnRun: root.hasAttribute('data-connect-on-run'),
  editor: editor,
  output: createOutput($('output'), $('banners')),
  status: createStatusLine(statusEl, buttons),
  announce: createAnnouncer($('announcer')),
  variables: createVariablesPanel({
    table: $('variables'),
    empty: $('variables-empty'),
    memory: statusEl.querySelector('[data-role="memory"]'),
    bench: (name) => session.run('bench_loss(' + name + ')'),
  }),
  onSent: recorder.sent,
  onMessage: (m) => {
    recorder.message(m);
    if (m.type === 'status' && m.state === 'idle') files.refresh();
  },
});

setUpSharing({
  shareButton: $('share'),
  panel: $('share-panel'),
  apiUrl: root.dataset.apiSnippetsUrl,
  editor: editor,
  recorder: recorder,
  snippet: readJson('snippet-data'), // on a link's page
});
setUpExamples({ select: $('examples'), examples: readJson('examples-data') || [], description: $('example-description'), editor: editor });

buttons.run.addEventListener('click', () => session.run());
buttons.interrupt.addEventListener('click', session.interrupt);
buttons.restart.addEventListener('click', session.restart);
$('clear-output').addEventListener('click', session.clear);

// Ctrl/Cmd+Enter runs, Ctrl/Cmd+. interrupts, from anywhere on the page.
document.addEventListener('keydown', (e) => {
  if (e.isComposing || e.altKey || !(e.ctrlKey || e.metaKey)) return;
  if (e.key === 'Enter') {
    e.preventDefault();
    session.run();
  } else if (e.key === '.') {
    e.preventDefault();
    session.interrupt();
  }
});

// Show ⌘ instead of Ctrl in the hints on Apple platforms.
const platform = (navigator.userAgentData && navigator.userAgentData.platform) || navigator.platform || '';
if (/mac|iphone|ipad/i.test(platform)) document.querySelectorAll('kbd.mod').forEach((k) => (k.textContent = '⌘'));
