/* The Files panel (GET and POST /files/, docs/files.md), refreshed whenever the kernel turns idle. */
(function () {
  'use strict';
  const P = window.Playground;
  const list = document.getElementById('files');
  if (!list) return;
  const [note, input] = [list.nextElementSibling, list.parentNode.file]; // in one <form>
  const say = (text) => (note.textContent = text);
  const call = (options) =>
    fetch('/files/', options).then((r) => r.json().then((j) => (r.ok ? j : Promise.reject(j))));

  function refresh() {
    call().then((j) => {
      const rows = j.files.map((f) => {
        const a = P.el('a', null, f.name);
        a.href = '/files/' + encodeURIComponent(f.name);
        return P.el('tr', null, P.el('th', null, a), P.el('td', null, P.formatBytes(f.size)));
      });
      list.tBodies[0].replaceChildren(...rows);
      say('');
    }, () => {});
  }

  input.addEventListener('change', () => {
    const body = new FormData(input.form);
    call({ method: 'POST', body: body, headers: { 'X-CSRFToken': body.get('csrfmiddlewaretoken') } })
      .then(refresh, (j) => say(j.error || P.t('files_failed')))
      .finally(() => (input.value = ''));
  });
  list.closest('#playground').addEventListener('playground:message', (e) => e.detail.state === 'idle' && refresh());
})();
