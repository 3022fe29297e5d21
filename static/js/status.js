/* The status line, the toolbar buttons that work, announcements for screen readers. */
import { finite } from './format.js';
import { t } from './strings.js';

function setPart(node, text) {
  node.textContent = text;
  node.hidden = !text;
}

function kernelInfo(k) {
  if (!k) return '';
  const parts = [k.tf && 'TensorFlow ' + k.tf, k.keras && 'Keras ' + k.keras, k.python && 'Python ' + k.python, k.device];
  return parts.filter(Boolean).join(' · ');
}

function reason(conn, kernel, retryDelay) {
  if (conn === 'reconnecting' && retryDelay) return t('retry_in', { s: retryDelay / 1000 });
  if (conn !== 'open' || !kernel) return '';
  const why = kernel.reason || (kernel.state === 'busy' ? t('busy_background') : '');
  return kernel.state === 'dead' ? (why + ' ' + t('dead_hint')).trim() : why;
}

export function createStatusLine(statusEl, buttons) {
  const part = (role) => statusEl.querySelector(`[data-role="${role}"]`);
  const [stateEl, kernelEl, queuedEl, reasonEl] = ['state', 'kernel', 'queued', 'reason'].map(part);

  /** conn: the socket's state ('dormant': a link's page before Run); kernel: its last `status`. */
  function render(conn, kernel, retryDelay) {
    const open = conn === 'open';
    const state = open ? (kernel && kernel.state) || 'open' : conn;
    stateEl.textContent = t('state_' + state);
    stateEl.className = 'pill pill-' + state;
    statusEl.dataset.state = state;
    setPart(kernelEl, open && kernel ? kernelInfo(kernel.kernel) : '');
    const queued = open && kernel ? finite(kernel.queued) : null;
    setPart(queuedEl, queued ? t('queued', { n: queued }) : '');
    setPart(reasonEl, reason(conn, kernel, retryDelay));
    buttons.run.disabled = !open && conn !== 'dormant'; // a link's page connects on its first Run
    buttons.interrupt.disabled = !open;
    buttons.restart.disabled = !open;
  }

  return { render };
}

export function createAnnouncer(region) {
  return (text) => {
    region.textContent = '';
    setTimeout(() => (region.textContent = text), 50); // readers notice it, even the same text
  };
}
