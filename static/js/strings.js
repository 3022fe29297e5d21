/* The page's words, from <template id="ui-strings"> (translated by Django); "{name}" marks a placeholder. */
const STRINGS = new Map();
for (const node of document.getElementById('ui-strings').content.querySelectorAll('[data-key]')) {
  STRINGS.set(node.dataset.key, node.textContent.trim());
}

export const hasString = (key) => STRINGS.has(key);

/** The page's string for key (the key itself when the page lacks it), its placeholders filled from vars. */
export function t(key, vars = {}) {
  const text = STRINGS.has(key) ? STRINGS.get(key) : key;
  return text.replace(/\{(\w+)\}/g, (m, name) => String(vars[name] ?? m));
}
