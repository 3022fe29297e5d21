/* Building DOM nodes. Server and user strings only ever reach the page as text nodes, never as HTML. */

/** el('span', 'cls', child, 'text', …): strings become text nodes; null, undefined and false are skipped. */
export function el(tag, className, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  for (const child of children) {
    if (child !== null && child !== undefined && child !== false) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export function button(className, label, onClick) {
  const node = el('button', className, label);
  node.type = 'button';
  if (onClick) node.addEventListener('click', onClick);
  return node;
}

/** A <pre> that keyboard users can reach and scroll. */
export function scrollablePre(className, text) {
  const pre = el('pre', className, text);
  pre.tabIndex = 0;
  return pre;
}

/** The data of a <script type="application/json"> (Django's json_script), or null. */
export function readJson(id) {
  const node = document.getElementById(id);
  if (!node) return null;
  try {
    return JSON.parse(node.textContent);
  } catch (err) {
    return null;
  }
}
