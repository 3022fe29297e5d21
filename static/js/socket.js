/* The session's websocket (docs/protocol.md), reconnecting with a backoff from 0.5 s doubling to 8 s. */
const MIN_DELAY_MS = 500;
const MAX_DELAY_MS = 8000;
// Open this long, a connection was healthy and the backoff starts again (not on mere "open": that would hammer a
// server that accepts and closes at once).
const STABLE_AFTER_MS = 5000;

export function connect(path, { onMessage, onState }) {
  const url = (window.location.protocol === 'https:' ? 'wss://' : 'ws://') + window.location.host + path;
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
      console.error('playground: cannot open the websocket', err);
      return schedule();
    }
    ws = sock;
    sock.onopen = () => {
      openedAt = Date.now();
      generation += 1;
      onState('open', {});
    };
    // A frame: messages, newline-separated (docs/protocol.md).
    sock.onmessage = (event) => event.data.split('\n').forEach((line) => onMessage(JSON.parse(line)));
    sock.onclose = () => {
      // (an error is followed by a close)
      ws = null;
      if (openedAt && Date.now() - openedAt >= STABLE_AFTER_MS) attempt = 0;
      openedAt = 0;
      schedule();
    };
  }

  function schedule() {
    const delay = Math.min(MIN_DELAY_MS * 2 ** attempt, MAX_DELAY_MS);
    attempt += 1;
    onState('reconnecting', { delay });
    timer = setTimeout(open, delay);
  }

  window.addEventListener('online', () => {
    if (timer === null) return;
    clearTimeout(timer); // back online: why wait
    open();
  });
  open();

  const isOpen = () => ws !== null && ws.readyState === WebSocket.OPEN;
  return {
    isOpen,
    send(message) {
      if (isOpen()) ws.send(JSON.stringify(message));
      return isOpen();
    },
    // Tells runs sent on an earlier connection apart.
    generation: () => generation,
  };
}
