/*
 * The examples gallery: the lesson topic by topic (playground/examples.py, in the page's language). Choosing one
 * loads it into the editor (Ctrl+Z brings the previous code back); Run runs it.
 */
import { t } from './strings.js';

export function setUpExamples({ select, examples, description, editor }) {
  select.addEventListener('change', () => {
    const example = examples.find((e) => e.slug === select.value);
    if (!example) return;
    editor.setValue(example.code);
    description.textContent = t('example_loaded', { title: example.title }) + ' ' + example.description;
  });
}
