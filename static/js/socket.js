/*
 * The websocket connection: connect, reconnect with exponential backoff (0.5 s doubling to
 * 8 s), send JSON, and hand every parsed server message to one callback.
 *
 *   const conn = Playground.connect({ path, onMessage(msg), onState(state, info) });
 *   conn.send({type: 'interrupt'})  // -> true if it went out on an open socket
 *   state is 'connecting' | 'open' | 'reconnecting'; info.delay (ms) while waiting to retry.
 */
(function () {
  'use strict';
  const P = (window.Playground = window.Playground || {});

  const MIN_DELAY_MS = 500;
  const MAX_DELAY_MS = 8000;
  // A connection that stayed open this long counts as healthy: the next failure starts the
  // backoff again from 0.5 s. (Resetting on mere "open" would hammer a server that accepts
  // and immediately closes.)
  const STABLE_AFTER_MS = 5000;

  P.wsUrl = function (path) {
    const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    let p = path || '/ws/session/';
    if (p.charAt(0) !== '/') p = '/' + p;
    return scheme + '//' + window.location.host + p;
  };

  /* Server JSON should carry non-finite numbers as strings; if a frame uses bare NaN /
     Infinity tokens (Python's json default), quote them rather than dropping the message. */
  function parse(text) {
    try {
      return JSON.parse(text);
    } catch (err) {
      try {
        return JSON.parse(text.replace(/([:,[]\s*)(-?Infinity|NaN)(?=\s*[,\]}])/g, '$1"$2"'));
      } catch (err2) {
        console.warn('playground: ignoring a frame that is not JSON', err);
        return null;
      }
    }
  }

  P.connect = function (opts) {
    const url = opts.url || P.wsUrl(opts.path);
    const onMessage = opts.onMessage || function () {};
    const onState = opts.onState || function () {};
    let ws = null;
    let attempt = 0;
    let timer = null;
    let openedAt = 0;
    let generation = 0;

    function open() {
      timer = null;
      onState(attempt === 0 ? 'connecting' : 'reconnecting', { attempt: attempt });
      let sock;
      try {
        sock = new WebSocket(url);
      } catch (err) {
        console.error('playground: cannot open websocket', err);
        schedule();
        return;
      }
      ws = sock;
      sock.onopen = function () {
        if (ws !== sock) return;
        openedAt = Date.now();
        generation += 1;
        onState('open', { generation: generation });
      };
      sock.onmessage = function (ev) {
        if (ws !== sock || typeof ev.data !== 'string') return;
        const msg = parse(ev.data);
        if (!msg || typeof msg !== 'object') return;
        try {
          onMessage(msg);
        } catch (err) {
          console.error('playground: error while handling', msg.type, err);
        }
      };
      sock.onerror = function () {
        /* a close event always follows; reconnecting happens there */
      };
      sock.onclose = function () {
        if (ws !== sock) return;
        ws = null;
        if (openedAt && Date.now() - openedAt >= STABLE_AFTER_MS) attempt = 0;
        openedAt = 0;
        schedule();
      };
    }

    function schedule() {
      const delay = Math.min(MIN_DELAY_MS * Math.pow(2, attempt), MAX_DELAY_MS);
      attempt += 1;
      onState('reconnecting', { delay: delay, attempt: attempt });
      timer = setTimeout(open, delay);
    }

    /* Skip the remaining wait, e.g. when the browser comes back online. */
    function retryNow() {
      if (timer === null) return;
      clearTimeout(timer);
      open();
    }
    window.addEventListener('online', retryNow);

    open();

    return {
      send: function (obj) {
        if (!ws || ws.readyState !== WebSocket.OPEN) return false;
        ws.send(JSON.stringify(obj));
        return true;
      },
      isOpen: function () {
        return !!ws && ws.readyState === WebSocket.OPEN;
      },
      /* Increments on every successful open: tells runs sent on an older connection apart. */
      generation: function () {
        return generation;
      },
      retryNow: retryNow,
    };
  };
})();
