/*
 * The output pane: runs and dividers in order, the placeholder while it is empty, banners for server messages that
 * belong to no run, and scrolling that follows new output unless the user has scrolled up to read.
 */
import { button, el } from './dom.js';
import { errorTitle, tracebackDetails } from './run.js';
import { t } from './strings.js';

const MAX_BANNERS = 3;
const STICK_WITHIN_PX = 48; // this close to the bottom counts as following the output

export function createOutput(pane, banners) {
  const placeholder = pane.querySelector(':scope > .output-empty');
  let stick = true;
  let scrollQueued = false;
  pane.addEventListener('scroll', () => {
    stick = pane.scrollHeight - pane.scrollTop - pane.clientHeight < STICK_WITHIN_PX;
  });

  /* Scroll to the end at the next frame, if the user follows the output (or force: a new run). */
  function scrollSoon(force) {
    if (force) stick = true;
    if (!stick || scrollQueued) return;
    scrollQueued = true;
    requestAnimationFrame(() => {
      scrollQueued = false;
      if (stick) pane.scrollTop = pane.scrollHeight;
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

  /** Everything but the nodes in keep (runs still waiting for their replies). */
  function clear(keep) {
    Array.from(pane.children).forEach((node) => keep.has(node) || node.remove());
    if (!pane.children.length && placeholder) pane.append(placeholder);
  }

  /* An error with no run (id null): a frame the server could not act on, shown above the output. */
  function banner(m) {
    const title = errorTitle(m);
    title.prepend(el('span', 'banner-label', t('server_error')), ' ');
    const box = el('div', 'banner', title, tracebackDetails(m));
    box.append(button('btn btn-quiet', t('dismiss'), () => box.remove()));
    box.setAttribute('role', 'alert');
    banners.append(box);
    while (banners.children.length > MAX_BANNERS) banners.firstElementChild.remove();
  }

  return { add: add, divider: divider, clear: clear, banner: banner, scrollSoon: scrollSoon };
}
