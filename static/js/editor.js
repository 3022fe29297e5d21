/*
 * The code editor: a plain <textarea> with a line-number gutter, an error-line band,
 * Tab / Shift+Tab (de)indent, Enter keeps indentation, and localStorage persistence.
 * Tab is captured for indenting; press Esc first to let Tab move focus out (keyboard users).
 */
(function () {
  'use strict';
  const P = (window.Playground = window.Playground || {});
  const STORAGE_KEY = 'playground.code';
  const INDENT = '    ';

  function storageGet() {
    try {
      return window.localStorage.getItem(STORAGE_KEY);
    } catch (err) {
      return null;
    }
  }
  function storageSet(value) {
    try {
      window.localStorage.setItem(STORAGE_KEY, value);
    } catch (err) {
      /* private mode / quota: the code still lives in the textarea */
    }
  }

  /* Insert text over the selection, keeping the browser's undo stack when possible. */
  function insertText(ta, text) {
    let ok = false;
    try {
      ok = document.execCommand('insertText', false, text);
    } catch (err) {
      ok = false;
    }
    if (!ok) {
      ta.setRangeText(text, ta.selectionStart, ta.selectionEnd, 'end');
      ta.dispatchEvent(new Event('input', { bubbles: true }));
    }
  }

  P.createEditor = function (ta, gutter, band) {
    const nums = gutter.querySelector('pre') || gutter;
    let lineCount = 0;
    let markedLine = null;
    let escArmed = false;
    let saveTimer = null;

    // Restore; an empty store keeps the example from the template.
    const saved = storageGet();
    if (saved !== null && saved !== '') ta.value = saved;

    function lineHeight() {
      const lh = parseFloat(getComputedStyle(ta).lineHeight);
      return Number.isFinite(lh) ? lh : parseFloat(getComputedStyle(ta).fontSize) * 1.5;
    }

    function updateGutter() {
      const n = ta.value.split('\n').length;
      if (n !== lineCount) {
        lineCount = n;
        let s = '';
        for (let i = 1; i <= n; i++) s += i + '\n';
        nums.textContent = s;
      }
      syncScroll();
    }

    function syncScroll() {
      nums.style.transform = 'translateY(' + -ta.scrollTop + 'px)';
      if (markedLine !== null) {
        const top = parseFloat(getComputedStyle(ta).paddingTop) || 0;
        band.style.top = top + (markedLine - 1) * lineHeight() - ta.scrollTop + 'px';
        band.style.height = lineHeight() + 'px';
      }
    }

    function save() {
      clearTimeout(saveTimer);
      saveTimer = null;
      storageSet(ta.value);
    }

    function markLine(n) {
      if (!Number.isInteger(n) || n < 1) return;
      markedLine = n;
      band.hidden = false;
      gutter.setAttribute('data-error-line', String(n));
      syncScroll();
    }

    function clearMark() {
      markedLine = null;
      band.hidden = true;
      gutter.removeAttribute('data-error-line');
    }

    /* Select line n and scroll it into view. */
    function goToLine(n) {
      const lines = ta.value.split('\n');
      n = Math.max(1, Math.min(n, lines.length));
      let start = 0;
      for (let i = 0; i < n - 1; i++) start += lines[i].length + 1;
      ta.focus();
      ta.setSelectionRange(start, start + lines[n - 1].length);
      ta.scrollTop = Math.max(0, (n - 1) * lineHeight() - ta.clientHeight / 3);
      syncScroll();
    }

    /* Selected line range [start, end) in character offsets. */
    function selectedLines() {
      const v = ta.value;
      const start = v.lastIndexOf('\n', ta.selectionStart - 1) + 1;
      let endPos = ta.selectionEnd;
      if (endPos > ta.selectionStart && v.charAt(endPos - 1) === '\n') endPos -= 1;
      let end = v.indexOf('\n', endPos);
      if (end < 0) end = v.length;
      return [start, end];
    }

    function indentLines(dedent) {
      const caret = ta.selectionStart === ta.selectionEnd ? ta.selectionStart : -1;
      const [start, end] = selectedLines();
      const block = ta.value.slice(start, end);
      const out = block
        .split('\n')
        .map((line) => (dedent ? line.replace(/^ {1,4}|^\t/, '') : INDENT + line))
        .join('\n');
      if (out === block) return;
      ta.setSelectionRange(start, end);
      insertText(ta, out);
      if (caret >= 0) {
        const pos = Math.max(start, caret + out.length - block.length);
        ta.setSelectionRange(pos, pos);
      } else {
        ta.setSelectionRange(start, start + out.length);
      }
    }

    ta.addEventListener('keydown', (e) => {
      if (e.isComposing) return;
      if (e.key === 'Escape') {
        escArmed = true;
        return;
      }
      const armed = escArmed;
      escArmed = false;
      if (e.key === 'Tab' && !e.ctrlKey && !e.metaKey && !e.altKey) {
        if (armed) return; // Esc, Tab: leave the editor
        e.preventDefault();
        const multi = ta.value.slice(ta.selectionStart, ta.selectionEnd).indexOf('\n') >= 0;
        if (e.shiftKey || multi) indentLines(e.shiftKey);
        else insertText(ta, INDENT);
      } else if (e.key === 'Enter' && !e.ctrlKey && !e.metaKey && !e.altKey && !e.shiftKey) {
        // Keep the indentation; add a level after a trailing colon.
        const v = ta.value;
        const lineStart = v.lastIndexOf('\n', ta.selectionStart - 1) + 1;
        const before = v.slice(lineStart, ta.selectionStart);
        let indent = (before.match(/^[ \t]*/) || [''])[0];
        if (/:\s*$/.test(before)) indent += INDENT;
        if (indent) {
          e.preventDefault();
          insertText(ta, '\n' + indent);
        }
      }
    });
    ta.addEventListener('blur', () => {
      escArmed = false;
      save();
    });
    ta.addEventListener('input', () => {
      clearMark(); // line numbers may have shifted
      updateGutter();
      clearTimeout(saveTimer);
      saveTimer = setTimeout(save, 300);
    });
    ta.addEventListener('scroll', syncScroll);
    window.addEventListener('resize', syncScroll);
    window.addEventListener('pagehide', save);

    updateGutter();
    clearMark();

    return {
      value: () => ta.value,
      focus: () => ta.focus(),
      save: save,
      markLine: markLine,
      clearMark: clearMark,
      goToLine: goToLine,
    };
  };
})();
