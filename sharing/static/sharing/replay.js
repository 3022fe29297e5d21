/* Entry point of a snippet's recorded run (docs/api.md) on a link's page and in embeds: each
   <div data-recorded="ID"> becomes the run in the json_script ID, drawn as the live page draws runs. */
import { el, readJson } from '../js/dom.js';
import { createRun } from '../js/run.js';
import { t } from '../js/strings.js';

function drawRecorded(snippet) {
  const outputs = snippet.outputs;
  const done = outputs.findLast((m) => m.type === 'done');
  const run = createRun({ title: t('recorded_title'), className: 'run-recorded' });
  const tf = snippet.tf_version && t('recorded_tf', { v: snippet.tf_version });
  const note = [tf, snippet.outputs_truncated && t('recorded_truncated')].filter(Boolean).join(' · ');
  if (note) run.body.before(el('p', 'meta recorded-note', note));
  outputs.forEach(run.draw);
  if (done) run.finish(done);
  else run.finishWidgets(true); // cut short: what was running did not finish
  if (!run.body.childNodes.length) run.body.before(el('p', 'output-empty', t('recorded_none')));
  return run.el;
}

for (const slot of document.querySelectorAll('[data-recorded]')) slot.replaceWith(drawRecorded(readJson(slot.dataset.recorded)));
