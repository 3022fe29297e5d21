/*
 * What the page says about its session: the status line (connection and kernel state, versions, queued runs, why a
 * kernel died), which toolbar buttons work, and announcements for screen readers.
 */
import { finite } from './format.js';
import { t } from './strings.js';

const KNOWN_STATES = ['dormant', 'connecting', 'reconnecting', 'open', 'starting', 'idle', 'busy', 'dead'];

function setPart(node, text) {
  node.textContent = text || '';
  node.hidden = !text;
}

function kernelInfo(k) {
  if (!k || typeof k !== 'object') return '';
  const parts = [];
  if (k.tf) parts.push('TensorFlow ' + k.tf);
  if (k.keras) parts.push('Keras ' + k.keras);
  if (k.python) parts.push('Python ' + k.python);
  if (k.device) parts.push(String(k.device));
  return parts.join(' · ');
}

/** buttons: {run, interrupt, restart}. */
export function createStatusLine(statusEl, buttons) {
  const part = (role) => statusEl.querySelector(`[data-role="${role}"]`);
  const parts = { state: part('state'), kernel: part('kernel'), queued: part('queued'), reason: part('reason') };

  /* conn: the socket's state ('dormant' before a link's page connects); kernel: the last `status` on it, or null. */
  function render(conn, kernel, retryDelay) {
    const open = conn === 'open';
    const state = open ? (kernel && kernel.state) || 'open' : conn;
    const known = KNOWN_STATES.includes(state);
    parts.state.textContent = known ? t('state_' + state) : String(state);
    parts.state.className = 'pill pill-' + (known ? state : 'unknown');
    statusEl.setAttribute('data-state', known ? state : 'unknown');
    setPart(parts.kernel, open && kernel ? kernelInfo(kernel.kernel) : '');
    const queued = open && kernel ? finite(kernel.queued) : null;
    setPart(parts.queued, queued ? t('queued', { n: queued }) : '');
    setPart(parts.reason, reason(conn, kernel, retryDelay));
    buttons.run.disabled = !open && conn !== 'dormant'; // a link's page connects on its first Run
    buttons.interrupt.disabled = !open;
    buttons.restart.disabled = !open;
  }

  function reason(conn, kernel, retryDelay) {
    if (conn === 'reconnecting' && retryDelay) return t('retry_in', { s: retryDelay / 1000 });
    if (conn !== 'open' || !kernel) return '';
    const why = kernel.reason ? String(kernel.reason) : '';
    return kernel.state === 'dead' ? (why ? why + ' ' : '') + t('dead_hint') : why;
  }

  return { render: render };
}

/** announce(text) for screen readers, through a polite live region. */
export function createAnnouncer(region) {
  return (text) => {
    region.textContent = '';
    setTimeout(() => (region.textContent = text), 50); // a change the reader notices, even for the same text
  };
}
