/* The output pane: runs, banners for errors about no run, scrolling that follows unless the user scrolled up. */
import { button, el } from './dom.js';
import { errorTitle, tracebackDetails } from './run.js';
import { t } from './strings.js';

const MAX_BANNERS = 3;
const FOLLOW_WITHIN_PX = 48; // this close to the end, the user follows the output

export function createOutput(pane, banners) {
  const placeholder = pane.querySelector(':scope > .output-empty');
  let follow = true;
  let scrollQueued = false;
  pane.addEventListener('scroll', () => {
    follow = pane.scrollHeight - pane.scrollTop - pane.clientHeight < FOLLOW_WITHIN_PX;
  });

  /** force: follow again (a new run). */
  function scrollSoon(force) {
    if (force) follow = true;
    if (!follow || scrollQueued) return;
    scrollQueued = true;
    requestAnimationFrame(() => {
      scrollQueued = false;
      if (follow) pane.scrollTop = pane.scrollHeight;
    });
  }

  function add(node) {
    if (placeholder) placeholder.remove();
    pane.append(node);
  }

  function divider(text) {
    add(el('p', 'divider', text));
    scrollSoon(true);
  }

  function clear(keep) {
    for (const node of [...pane.children]) if (!keep.has(node)) node.remove();
    if (!pane.children.length && placeholder) pane.append(placeholder);
  }

  function banner(m) {
    const title = errorTitle(m);
    title.prepend(el('span', 'banner-label', t('server_error')), ' ');
    const box = el('div', 'banner', title, tracebackDetails(m));
    box.append(button('btn btn-quiet', t('dismiss'), () => box.remove()));
    box.setAttribute('role', 'alert');
    banners.append(box);
    if (banners.children.length > MAX_BANNERS) banners.firstElementChild.remove();
  }

  return { add, divider, clear, banner, scrollSoon };
}
