/*
 * Panels around the run output: the Variables panel and memory figure (from `variables`
 * messages), error hints (the `hint` of `error` messages, translated by code), and the
 * training panel's extras on a progress widget (Stop button, live curves, time per epoch).
 */
(function () {
  'use strict';
  const P = (window.Playground = window.Playground || {});
  const t = (k, v) => P.t(k, v);
  const el = (...a) => P.el(...a);

  const shapeText = (dims) => (Array.isArray(dims) ? P.formatShape(dims) : ''); // render.js
  const secs = (s) => P.formatDuration(s * 1000); // render.js

  /* ---------- variables panel + memory ---------- */

  P.createVariablesPanel = function (table, empty, memoryEl) {
    const tbody = table.tBodies[0];
    let note = null;

    function update(m) {
      const list = Array.isArray(m.variables) ? m.variables : [];
      const rows = list.map((v) => {
        const detail = v.dtype ? String(v.dtype) : v.value !== undefined && v.value !== null ? String(v.value) : '';
        const tr = el(
          'tr',
          'kind-' + (/^[a-z]+$/.test(v.kind) ? v.kind : 'other'),
          el('th', null, el('code', null, String(v.name))),
          el('td', null, String(v.type || '')),
          el('td', null, el('code', null, shapeText(v.shape))),
          el('td', null, el('code', null, detail)),
        );
        if (v.kind === 'function' && /^[A-Za-z_]\w*$/.test(v.name)) {
          const b = el('button', 'btn btn-quiet', t('bench'));
          b.onclick = () => window.playground.run('bench_loss(' + v.name + ')');
          tr.lastChild.append(b);
        }
        tr.firstChild.scope = 'row';
        return tr;
      });
      tbody.replaceChildren(...rows);
      empty.hidden = rows.length > 0;
      if (note) note.remove();
      note = m.truncated ? el('p', 'meta', t('vars_truncated', { n: rows.length })) : null;
      if (note) table.after(note);
      setMemory(m.memory_bytes);
    }

    function setMemory(bytes) {
      if (!memoryEl) return;
      const text = bytes === null || bytes === undefined ? '' : P.formatBytes(bytes);
      memoryEl.textContent = text ? t('memory', { size: text }) : '';
      memoryEl.hidden = !text;
    }

    function clear() {
      tbody.replaceChildren();
      empty.hidden = false;
      if (note) note.remove();
      setMemory(null);
    }

    return { update: update, clear: clear };
  };

  /* ---------- hints ---------- */

  /* "{a} is {a_dtype}" -> text and <code> nodes (params are code-like: names, dtypes). */
  function fill(template, params) {
    const p = el('p', 'hint-text');
    let last = 0;
    template.replace(/\{(\w+)\}/g, (m, name, at) => {
      p.append(template.slice(last, at));
      const value = params && Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : m;
      p.append(el('code', null, value));
      last = at + m.length;
      return m;
    });
    p.append(template.slice(last));
    return p;
  }

  P.renderHint = function (hint) {
    if (!hint || typeof hint !== 'object') return null;
    const key = 'hint_' + String(hint.code || '');
    const template = t(key) !== key ? t(key) : null;
    const body = template ? fill(template, hint.params || {}) : el('p', 'hint-text', String(hint.text || ''));
    const box = el('div', 'hint-box', el('strong', 'hint-label', t('hint')), body);
    box.setAttribute('role', 'note');
    return box;
  };

  /* ---------- training panel ---------- */

  P.training = {
    /* Once per progress widget: Stop button (fit only), curves, time per epoch and left. */
    attach: function (w, phase, stop) {
      if (phase !== 'fit') return;
      const btn = el('button', 'btn btn-stop', t('stop'));
      btn.type = 'button';
      btn.title = t('stop_title');
      btn.addEventListener('click', () => {
        btn.disabled = true;
        stop();
      });
      w.stopBtn = btn;
      w.epochTimeEl = el('span', 'pw-epoch-time');
      w.charts = new Map();
      w.chartsEl = el('div', 'charts');
      w.box.firstChild.append(w.epochTimeEl, btn);
      w.box.insertBefore(w.chartsEl, w.list);
    },

    update: function (w, m) {
      if (!w.charts || !m.logs || typeof m.logs !== 'object') return;
      const epoch = Number(m.epoch);
      if (!Number.isFinite(epoch)) return;
      let x = epoch;
      if (m.event === 'batch') {
        const steps = Number(m.steps);
        const step = Number(m.step);
        if (!(steps > 0) || !Number.isFinite(step)) return;
        x = epoch - 1 + Math.min(step, steps) / steps;
      }
      Object.keys(m.logs).forEach((key) => {
        const val = key.indexOf('val_') === 0;
        if (val && m.event !== 'epoch') return;
        const metric = val ? key.slice(4) : key;
        let chart = w.charts.get(metric);
        if (!chart) {
          if (w.charts.size >= 4) return;
          chart = P.createChart(metric);
          w.charts.set(metric, chart);
          w.chartsEl.append(chart.el);
        }
        chart.add(val ? 'val' : 'train', x, m.logs[key]);
      });
      const each = Number(m.epoch_time_s);
      if (m.event === 'epoch' && Number.isFinite(each)) w.epochText = t('epoch_time', { time: secs(each) });
      const eta = Number(m.eta_s);
      const left = eta > 0 ? t('eta', { time: secs(eta) }) : '';
      w.epochTimeEl.textContent = [w.epochText, left].filter(Boolean).join(' · ');
    },

    finish: function (w) {
      if (w.stopBtn) w.stopBtn.hidden = true;
    },
  };
})();
