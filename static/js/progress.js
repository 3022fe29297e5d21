/* A progress widget per Keras phase of a run (docs/protocol.md, `progress`); a fit's has curves, times and Stop. */
import { createChart } from './chart.js';
import { button, el } from './dom.js';
import { finite, formatDuration, formatLogs } from './format.js';
import { t } from './strings.js';

const MAX_EPOCH_LINES = 100;
const MAX_CHARTS = 4;

const epochText = (epoch, epochs) => t('epoch', { e: epoch, E: epochs === null ? '?' : epochs });
const seconds = (s) => formatDuration(s * 1000);

export function createProgress(phase, stop) {
  const name = ['fit', 'evaluate', 'predict'].includes(phase) ? t('phase_' + phase) : phase;
  const bar = el('progress');
  bar.setAttribute('aria-label', name);
  const [epochEl, stepEl, stateEl] = ['pw-epoch', 'pw-step', 'pw-state'].map((c) => el('span', c));
  const head = el('div', 'pw-head', el('span', 'pw-phase', name), epochEl, stepEl, stateEl);
  const logsEl = el('div', 'pw-logs');
  const list = el('ol', 'pw-epochs');
  list.hidden = true;
  const box = el('div', 'progress-widget', head, bar, logsEl, list);
  const training = phase === 'fit' ? createTraining(head, list, stop) : null;
  let latest = null;
  let ended = false;
  let epochsSeen = 0;
  let frame = 0; // batches (up to 20 a second) are drawn once a frame

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

  function addEpochLine(m) {
    epochsSeen += 1;
    const line = [epochText(finite(m.epoch) ?? epochsSeen, finite(m.epochs)), formatLogs(m.logs)];
    if (finite(m.epoch_time_s) !== null) line.push(seconds(m.epoch_time_s));
    list.append(el('li', null, line.filter(Boolean).join(' · ')));
    list.hidden = false;
    if (list.children.length > MAX_EPOCH_LINES) list.firstElementChild.remove();
    list.scrollTop = list.scrollHeight;
  }

  /** True at the phase's end: a later one gets a widget of its own. */
  function update(m) {
    latest = m;
    if (training) training.update(m);
    if (m.event === 'batch') {
      if (!frame) frame = requestAnimationFrame(drawFrame);
      return false;
    }
    draw(); // at once, so that no epoch is lost
    if (m.event === 'end') finish(false);
    else addEpochLine(m);
    if (m.event === 'epoch' && bar.hasAttribute('value')) bar.value = bar.max;
    return m.event === 'end';
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

function createTraining(head, list, stop) {
  const charts = new Map();
  const chartsEl = el('div', 'charts');
  const timeEl = el('span', 'pw-epoch-time');
  const stopButton = button('btn btn-stop', t('stop'), () => {
    stopButton.disabled = true;
    stop();
  });
  stopButton.title = t('stop_title');
  stopButton.hidden = !stop;
  head.append(timeEl, stopButton);
  list.before(chartsEl);
  let perEpoch = '';

  function chartFor(metric) {
    if (!charts.has(metric) && charts.size < MAX_CHARTS) {
      charts.set(metric, createChart(metric));
      chartsEl.append(charts.get(metric).el);
    }
    return charts.get(metric);
  }

  /* x in epochs: a batch sits between its epoch's start and end. */
  function position(m) {
    if (m.event !== 'batch') return m.epoch;
    return m.steps > 0 ? m.epoch - 1 + Math.min(m.step, m.steps) / m.steps : null;
  }

  function update(m) {
    const x = position(m);
    if (x === null) return;
    for (const [key, value] of Object.entries(m.logs)) {
      const validation = key.startsWith('val_');
      if (validation && m.event !== 'epoch') continue;
      const chart = chartFor(validation ? key.slice(4) : key);
      if (chart) chart.add(validation ? 'val' : 'train', x, value);
    }
    if (m.event === 'epoch' && finite(m.epoch_time_s) !== null) perEpoch = t('epoch_time', { time: seconds(m.epoch_time_s) });
    const left = m.eta_s > 0 ? t('eta', { time: seconds(m.eta_s) }) : '';
    timeEl.textContent = [perEpoch, left].filter(Boolean).join(' · ');
  }

  return { update, finish: () => (stopButton.hidden = true) };
}
