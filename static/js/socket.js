/*
 * The websocket to the session (docs/protocol.md): connect, reconnect with exponential backoff (0.5 s doubling
 * to 8 s), send JSON, and hand every server message to one callback.
 *
 *   const socket = connect(path, { onMessage(msg), onState(state, info) });
 *   socket.send({type: 'interrupt'})  // true if it went out on an open socket
 *   state is 'connecting' | 'open' | 'reconnecting'; info.delay (ms) while waiting to retry.
 */
const MIN_DELAY_MS = 500;
const MAX_DELAY_MS = 8000;
// A connection that stayed open this long counts as healthy: the next failure starts the backoff again from
// 0.5 s. (Resetting on mere "open" would hammer a server that accepts and immediately closes.)
const STABLE_AFTER_MS = 5000;

function socketUrl(path) {
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return scheme + '//' + window.location.host + path;
}

export function connect(path, { onMessage, onState }) {
  const url = socketUrl(path);
  let ws = null;
  let attempt = 0;
  let timer = null;
  let openedAt = 0;
  let generation = 0;

  function open() {
    timer = null;
    onState(attempt === 0 ? 'connecting' : 'reconnecting', {});
    let sock;
    try {
      sock = new WebSocket(url);
    } catch (err) {
      console.error('playground: cannot open websocket', err);
      schedule();
      return;
    }
    ws = sock;
    sock.onopen = () => {
      if (ws !== sock) return;
      openedAt = Date.now();
      generation += 1;
      onState('open', {});
    };
    sock.onmessage = (event) => {
      if (ws === sock && typeof event.data === 'string') deliver(event.data);
    };
    sock.onclose = () => {
      if (ws !== sock) return;
      ws = null;
      if (openedAt && Date.now() - openedAt >= STABLE_AFTER_MS) attempt = 0;
      openedAt = 0;
      schedule(); // an error is always followed by a close: reconnecting happens here only
    };
  }

  function deliver(text) {
    let msg;
    try {
      msg = JSON.parse(text);
    } catch (err) {
      console.warn('playground: ignoring a frame that is not JSON', err);
      return;
    }
    if (!msg || typeof msg !== 'object') return;
    try {
      onMessage(msg);
    } catch (err) {
      console.error('playground: error while handling', msg.type, err);
    }
  }

  function schedule() {
    const delay = Math.min(MIN_DELAY_MS * 2 ** attempt, MAX_DELAY_MS);
    attempt += 1;
    onState('reconnecting', { delay: delay });
    timer = setTimeout(open, delay);
  }

  // Skip the rest of the wait when the browser comes back online.
  window.addEventListener('online', () => {
    if (timer === null) return;
    clearTimeout(timer);
    open();
  });

  open();

  const isOpen = () => !!ws && ws.readyState === WebSocket.OPEN;
  return {
    isOpen: isOpen,
    send(obj) {
      if (!isOpen()) return false;
      ws.send(JSON.stringify(obj));
      return true;
    },
    /* Goes up on every successful open: tells runs sent on an older connection apart. */
    generation: () => generation,
  };
}
