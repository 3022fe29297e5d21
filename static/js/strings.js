/*
 * UI strings for the scripts. They live in the page template, in
 * <template id="ui-strings"><span data-key="KEY">text</span>…</template>, so Django's
 * {% translate %} can localise them without touching JS. "{name}" marks a placeholder.
 * A key missing from the template shows as the key itself.
 */
(function () {
  'use strict';
  const P = (window.Playground = window.Playground || {});

  const STRINGS = {};

  let loaded = false;
  function load() {
    loaded = true;
    const tpl = document.getElementById('ui-strings');
    if (!tpl) return;
    const root = tpl.content || tpl;
    root.querySelectorAll('[data-key]').forEach((node) => {
      const text = node.textContent.trim();
      if (text) STRINGS[node.getAttribute('data-key')] = text;
    });
  }

  /** Look up a string and fill its {placeholders} from vars. Unknown keys return the key. */
  P.t = function (key, vars) {
    if (!loaded) load();
    const s = Object.prototype.hasOwnProperty.call(STRINGS, key) ? STRINGS[key] : key;
    if (!vars) return s;
    return s.replace(/\{(\w+)\}/g, (m, name) =>
      vars[name] === undefined || vars[name] === null ? m : String(vars[name]),
    );
  };
})();
