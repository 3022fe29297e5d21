/* Building nodes. Server and user strings reach the page as text nodes only, never as HTML. */

/** el('span', 'cls', child, 'text', …), leaving out null, undefined and false children. */
export function el(tag, className, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  node.append(...children.filter((c) => c !== null && c !== undefined && c !== false)); // strings become text
  return node;
}

export function button(className, label, onClick) {
  const node = el('button', className, label);
  node.type = 'button';
  node.addEventListener('click', onClick);
  return node;
}

/** node, reachable by keyboard to scroll it; a named region with a label. */
export function scrollable(node, label) {
  node.tabIndex = 0;
  if (label) {
    node.setAttribute('role', 'region');
    node.setAttribute('aria-label', label);
  }
  return node;
}

export const scrollablePre = (className, text) => scrollable(el('pre', className, text));

/** A button with aria-pressed; onToggle(on) returns false to stay as it is. */
export function toggleButton(className, label, onToggle) {
  const node = button(className, label, () => {
    const on = node.getAttribute('aria-pressed') !== 'true';
    if (onToggle(on) !== false) node.setAttribute('aria-pressed', on);
  });
  node.setAttribute('aria-pressed', false);
  return node;
}

export function download(blob, name) {
  const href = URL.createObjectURL(blob);
  Object.assign(el('a'), { href, download: name }).click();
  setTimeout(() => URL.revokeObjectURL(href), 10000);
}

/** A canvas sharp on dense screens, and its context, in CSS pixels. */
export function hiDpiCanvas(width, height) {
  const canvas = document.createElement('canvas');
  const dpr = window.devicePixelRatio || 1;
  canvas.width = width * dpr;
  canvas.height = height * dpr;
  canvas.style.width = width + 'px';
  canvas.style.height = height + 'px';
  const ctx = canvas.getContext('2d');
  ctx.scale(dpr, dpr);
  return [canvas, ctx];
}

/** The data of Django's json_script, or null. */
export function readJson(id) {
  const node = document.getElementById(id);
  return node && JSON.parse(node.textContent);
}
