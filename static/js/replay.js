/*
 * Entry point of a shared snippet's recorded outputs (docs/api.md), on a link's page and in embeds: the messages the
 * author's page recorded for one run (stream, result, error, a progress summary, done), drawn by run.js as the
 * live page draws a run, so a link shows what its author saw. Nothing here talks to a kernel.
 *
 *   <div data-recorded="snippet-data"></div>   replaced by the run, from <script id="snippet-data" type="application/json">
 */
import { el, readJson } from './dom.js';
import { createRun } from './run.js';
import { t } from './strings.js';

function drawRecorded(snippet) {
  const outputs = Array.isArray(snippet.outputs) ? snippet.outputs.filter((m) => m && typeof m === 'object') : [];
  const done = outputs.filter((m) => m.type === 'done').pop();
  const run = createRun({ title: t('recorded_title'), className: 'run-recorded' });
  const note = [];
  if (snippet.tf_version) note.push(t('recorded_tf', { v: snippet.tf_version }));
  if (snippet.outputs_truncated) note.push(t('recorded_truncated'));
  if (note.length) run.body.before(el('p', 'meta recorded-note', note.join(' · ')));
  try {
    outputs.forEach(run.draw);
  } catch (err) {
    console.error('playground: cannot draw the recorded outputs', err);
  }
  if (done) run.finish(done);
  else run.finishWidgets(true); // cut short: what was running did not finish
  if (!run.body.childNodes.length) run.body.before(el('p', 'output-empty', t('recorded_none')));
  return run.el;
}

document.querySelectorAll('[data-recorded]').forEach((slot) => {
  const snippet = readJson(slot.getAttribute('data-recorded'));
  if (snippet) slot.replaceWith(drawRecorded(snippet));
});
