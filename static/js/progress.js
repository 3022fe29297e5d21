/*
 * A run's progress widget: one per Keras phase (fit, evaluate, predict), updated in place by `progress`
 * messages (docs/protocol.md). A fit also gets live curves, the time per epoch and left, and a Stop button.
 *
 *   const widget = createProgress('fit', stop);  body.append(widget.el);  widget.update(msg);  widget.finish(false);
 */
import { createChart } from './chart.js';
import { button, el } from './dom.js';
import { finite, formatDuration, formatLogs } from './format.js';
import { t } from './strings.js';

const MAX_EPOCH_LINES = 100;
const MAX_CHARTS = 4;
const PHASES = ['fit', 'evaluate', 'predict'];

// Batch updates come up to 20 a second per widget: they are drawn once per frame.
const dirty = new Set();
let frameQueued = false;

function drawSoon(widget) {
  dirty.add(widget);
  if (frameQueued) return;
  frameQueued = true;
  requestAnimationFrame(() => {
    frameQueued = false;
    dirty.forEach((w) => w.draw());
    dirty.clear();
  });
}

const epochText = (epoch, epochs) => t('epoch', { e: epoch, E: epochs === null ? '?' : epochs });

/** stop: called by the Stop button of a fit (none when the run is over already, as a recorded one). */
export function createProgress(phase, stop) {
  const name = PHASES.includes(phase) ? t('phase_' + phase) : phase;
  const bar = el('progress');
  bar.setAttribute('aria-label', name);
  const parts = { epoch: el('span', 'pw-epoch'), step: el('span', 'pw-step'), state: el('span', 'pw-state') };
  const head = el('div', 'pw-head', el('span', 'pw-phase', name), parts.epoch, parts.step, parts.state);
  const logsEl = el('div', 'pw-logs');
  const list = el('ol', 'pw-epochs');
  list.hidden = true;
  const box = el('div', 'progress-widget', head, bar, logsEl, list);
  const training = phase === 'fit' ? createTraining(head, list, stop) : null;
  let latest = null;
  let ended = false;
  let epochsSeen = 0;

  /* The latest message's step, epoch and logs. */
  function draw() {
    if (ended || !latest) return;
    const steps = finite(latest.steps);
    const step = finite(latest.step);
    if (steps !== null && steps > 0) {
      bar.max = steps;
      bar.value = Math.min(step || 0, steps);
      parts.step.textContent = t('steps', { n: step || 0, m: steps });
    } else {
      bar.removeAttribute('value'); // indeterminate
      parts.step.textContent = step !== null ? t('step', { n: step }) : '';
    }
    const epoch = finite(latest.epoch);
    if (epoch !== null) parts.epoch.textContent = epochText(epoch, finite(latest.epochs));
    const logs = formatLogs(latest.logs);
    if (logs) logsEl.textContent = logs;
  }
  const widget = { draw: draw };

  function addEpochLine(m) {
    epochsSeen += 1;
    const epoch = finite(m.epoch);
    const line = [epochText(epoch === null ? epochsSeen : epoch, finite(m.epochs))];
    const logs = formatLogs(m.logs);
    if (logs) line.push(logs);
    const secs = finite(m.epoch_time_s);
    if (secs !== null) line.push(formatDuration(secs * 1000));
    list.append(el('li', null, line.join(' · ')));
    list.hidden = false;
    while (list.children.length > MAX_EPOCH_LINES) list.firstElementChild.remove();
    list.scrollTop = list.scrollHeight;
  }

  /** Returns true once the phase has ended (an `end` event): a later one in the same run gets a new widget. */
  function update(m) {
    latest = m;
    if (training) training.update(m);
    if (m.event !== 'epoch' && m.event !== 'end') {
      drawSoon(widget);
      return false;
    }
    draw(); // rare: drawn at once so that no epoch line is lost
    if (m.event === 'end') {
      finish(false);
      return true;
    }
    addEpochLine(m);
    if (bar.hasAttribute('value')) bar.value = bar.max;
    return false;
  }

  function finish(stopped) {
    if (ended) return;
    if (dirty.delete(widget)) draw();
    ended = true;
    if (training) training.finish();
    if (!bar.hasAttribute('value')) {
      bar.max = 1;
      bar.value = stopped ? 0 : 1;
    } else if (!stopped) {
      bar.value = bar.max;
    }
    parts.state.textContent = t(stopped ? 'progress_stopped' : 'progress_done');
    box.classList.add(stopped ? 'is-stopped' : 'is-done');
  }

  return { el: box, update: update, finish: finish };
}

/* A fit's extras: curves of up to four metrics (train and validation), time per epoch and left, Stop. */
function createTraining(head, list, stop) {
  const charts = new Map();
  const chartsEl = el('div', 'charts');
  const timeEl = el('span', 'pw-epoch-time');
  head.append(timeEl);
  let stopButton = null;
  if (stop) {
    stopButton = button('btn btn-stop', t('stop'), () => {
      stopButton.disabled = true;
      stop();
    });
    stopButton.title = t('stop_title');
    head.append(stopButton);
  }
  list.before(chartsEl);
  let perEpoch = '';

  function chartFor(metric) {
    if (!charts.has(metric) && charts.size < MAX_CHARTS) {
      const chart = createChart(metric);
      charts.set(metric, chart);
      chartsEl.append(chart.el);
    }
    return charts.get(metric);
  }

  /* x in epochs: a batch sits between its epoch's start and end. */
  function position(m) {
    const epoch = finite(m.epoch);
    if (epoch === null || m.event !== 'batch') return epoch;
    const [step, steps] = [finite(m.step), finite(m.steps)];
    return steps > 0 && step !== null ? epoch - 1 + Math.min(step, steps) / steps : null;
  }

  function update(m) {
    const x = position(m);
    if (x === null || !m.logs || typeof m.logs !== 'object') return;
    Object.keys(m.logs).forEach((key) => {
      const validation = key.startsWith('val_');
      if (validation && m.event !== 'epoch') return;
      const chart = chartFor(validation ? key.slice(4) : key);
      if (chart) chart.add(validation ? 'val' : 'train', x, m.logs[key]);
    });
    const each = finite(m.epoch_time_s);
    if (m.event === 'epoch' && each !== null) perEpoch = t('epoch_time', { time: formatDuration(each * 1000) });
    const eta = finite(m.eta_s);
    const left = eta > 0 ? t('eta', { time: formatDuration(eta * 1000) }) : '';
    timeEl.textContent = [perEpoch, left].filter(Boolean).join(' · ');
  }

  function finish() {
    if (stopButton) stopButton.hidden = true;
  }

  return { update: update, finish: finish };
}
