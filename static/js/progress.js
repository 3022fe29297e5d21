/* A progress widget per Keras phase of a run (docs/protocol.md, `progress`); a fit's has times and Stop, and feeds
   its run in the training panel (`begin()` makes it). */
import { button, el } from './dom.js';
import { finite, formatDuration, formatLogs } from './format.js';
import { t } from './strings.js';

const epochText = (epoch, epochs) => t('epoch', { e: epoch, E: epochs === null ? '?' : epochs });
const seconds = (s) => formatDuration(s * 1000);

export function createProgress(phase, stop, begin) {
  const name = ['fit', 'evaluate', 'predict'].includes(phase) ? t('phase_' + phase) : phase;
  const bar = el('progress');
  bar.setAttribute('aria-label', name);
  const [epochEl, stepEl, stateEl] = ['pw-epoch', 'pw-step', 'pw-state'].map((c) => el('span', c));
  const head = el('div', 'pw-head', el('span', 'pw-phase', name), epochEl, stepEl, stateEl);
  const logsEl = el('div', 'pw-logs');
  const box = el('div', 'progress-widget', head, bar, logsEl);
  const training = phase === 'fit' ? createTraining(head, stop, begin && begin()) : null;
  let latest = null;
  let ended = false;
  let frame = 0; // drawn once a frame

  function draw() {
    const steps = finite(latest.steps);
    const step = finite(latest.step);
    if (steps > 0) {
      bar.max = steps;
      bar.value = Math.min(step || 0, steps);
      stepEl.textContent = t('steps', { n: step || 0, m: steps });
    } else {
      bar.removeAttribute('value'); // indeterminate
      stepEl.textContent = step === null ? '' : t('step', { n: step });
    }
    const epoch = finite(latest.epoch);
    if (epoch !== null) epochEl.textContent = epochText(epoch, finite(latest.epochs));
    const logs = formatLogs(latest.logs);
    if (logs) logsEl.textContent = logs;
  }

  function drawFrame() {
    frame = 0;
    draw();
  }

  /** True at the phase's end: a later one gets a widget of its own. */
  function update(m) {
    latest = m;
    if (training) training.update(m);
    if (m.event !== 'end') {
      if (!frame) frame = requestAnimationFrame(drawFrame);
      return false;
    }
    draw();
    finish(false);
    return true;
  }

  function finish(stopped) {
    if (ended) return;
    if (frame) draw();
    cancelAnimationFrame(frame);
    ended = true;
    if (training) training.finish();
    if (!bar.hasAttribute('value')) {
      bar.max = 1;
      bar.value = stopped ? 0 : 1;
    } else if (!stopped) {
      bar.value = bar.max;
    }
    stateEl.textContent = t(stopped ? 'progress_stopped' : 'progress_done');
    box.classList.add(stopped ? 'is-stopped' : 'is-done');
  }

  return { el: box, update, finish };
}

function createTraining(head, stop, add) {
  const timeEl = el('span', 'pw-epoch-time');
  const stopButton = button('btn btn-stop', t('stop'), () => {
    stopButton.disabled = true;
    stop();
  });
  stopButton.title = t('stop_title');
  stopButton.hidden = !stop;
  head.append(timeEl, stopButton);
  let perEpoch = '';

  function update(m) {
    if (add) add(m);
    if (m.event === 'epoch' && finite(m.epoch_time_s) !== null) perEpoch = t('epoch_time', { time: seconds(m.epoch_time_s) });
    const left = m.eta_s > 0 ? t('eta', { time: seconds(m.eta_s) }) : '';
    timeEl.textContent = [perEpoch, left].filter(Boolean).join(' · ');
  }

  return { update, finish: () => (stopButton.hidden = true) };
}
