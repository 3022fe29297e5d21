/*
 * UI strings for the scripts. They live in the page, in <template id="ui-strings"><span data-key="KEY">text</span>…,
 * so Django's {% translate %} localises them without touching JS. "{name}" marks a placeholder; a key missing from
 * the template shows as the key itself.
 */
const STRINGS = new Map();
const template = document.getElementById('ui-strings');
if (template) {
  template.content.querySelectorAll('[data-key]').forEach((node) => {
    const text = node.textContent.trim();
    if (text) STRINGS.set(node.getAttribute('data-key'), text);
  });
}

export const hasString = (key) => STRINGS.has(key);

/** A string with its {placeholders} filled from vars (a placeholder without a value stays as it is). */
export function t(key, vars) {
  const text = STRINGS.has(key) ? STRINGS.get(key) : key;
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (m, name) => (vars[name] === undefined || vars[name] === null ? m : String(vars[name])));
}
