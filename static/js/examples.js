/*
 * The examples gallery: the lesson topic by topic (playground/examples.py, rendered into the
 * page in its language). Choosing one loads it into the editor (Ctrl+Z brings the previous
 * code back); Run runs it.
 */
(function () {
  'use strict';
  const P = window.Playground;
  const select = document.getElementById('examples');
  const data = document.getElementById('examples-data');
  const description = document.getElementById('example-description');
  if (!select || !data || !window.playground) return;
  let examples = [];
  try {
    examples = JSON.parse(data.textContent) || [];
  } catch (err) {
    console.error('playground: unreadable examples', err);
  }

  select.addEventListener('change', () => {
    const example = examples.find((e) => e.slug === select.value);
    if (!example) return;
    window.playground.setCode(example.code);
    description.textContent = P.t('example_loaded', { title: example.title }) + ' ' + example.description;
  });
})();
