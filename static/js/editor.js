/*
 * The code editor: CodeMirror 5 (static/vendor/codemirror-5.65.20) with Python highlighting,
 * line numbers, bracket matching and undo; localStorage persistence; the failing line
 * highlighted; each result summarised at the end of the line that produced it.
 *
 * The <textarea id="code"> in the template is the no-JavaScript fallback and the initial
 * example; it is replaced by the editor, whose editable element then takes the id "code"
 * (role=textbox, with the textarea's accessible name). Tab indents; press Esc then Tab to
 * leave the editor (keyboard users). Falls back to the plain textarea if CodeMirror is missing.
 */
(function () {
  'use strict';
  const P = (window.Playground = window.Playground || {});
  const STORAGE_KEY = 'playground.code';

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
      /* private mode / quota: the code still lives in the editor */
    }
  }

  P.createEditor = function (ta) {
    const saved = storageGet();
    const initial = saved !== null && saved !== '' ? saved : ta.value;
    if (typeof window.CodeMirror !== 'function') return plainEditor(ta, initial);

    const label = ta.getAttribute('aria-label') || 'Code';
    const describedBy = ta.getAttribute('aria-describedby');
    let escArmed = false;
    let saveTimer = null;
    let errorLine = null; // a CodeMirror line handle
    let marks = []; // result bookmarks of the latest run

    const cm = window.CodeMirror(
      (node) => {
        node.classList.add('editor-cm');
        ta.parentNode.replaceChild(node, ta);
      },
      {
        value: initial,
        mode: { name: 'python', version: 3 },
        lineNumbers: true,
        matchBrackets: true,
        autoCloseBrackets: true,
        indentUnit: 4,
        tabSize: 4,
        inputStyle: 'contenteditable',
        screenReaderLabel: label,
        viewportMargin: 20,
        extraKeys: {
          Tab: (c) => {
            if (escArmed) return window.CodeMirror.Pass; // Esc, Tab: leave the editor
            if (c.somethingSelected()) c.execCommand('indentMore');
            else c.replaceSelection('    ', 'end');
            return undefined;
          },
          'Shift-Tab': (c) => (escArmed ? window.CodeMirror.Pass : c.execCommand('indentLess')),
        },
      },
    );
    const input = cm.getInputField();
    input.id = 'code';
    input.setAttribute('role', 'textbox');
    input.setAttribute('aria-multiline', 'true');
    if (describedBy) input.setAttribute('aria-describedby', describedBy);

    cm.on('keydown', (c, e) => {
      if (e.key === 'Escape') escArmed = true;
      else if (e.key !== 'Tab' && e.key !== 'Shift') escArmed = false;
    });
    cm.on('blur', () => {
      escArmed = false;
      save();
    });
    cm.on('change', () => {
      clearMark(); // line numbers may have shifted
      marks.forEach((m) => m.widget.classList.add('is-stale'));
      clearTimeout(saveTimer);
      saveTimer = setTimeout(save, 300);
    });
    window.addEventListener('pagehide', save);

    function save() {
      clearTimeout(saveTimer);
      saveTimer = null;
      storageSet(cm.getValue());
    }

    function clearMark() {
      if (errorLine === null) return;
      cm.removeLineClass(errorLine, 'wrap', 'cm-error-line');
      errorLine = null;
    }

    function markLine(n) {
      if (!Number.isInteger(n) || n < 1 || n > cm.lineCount()) return;
      clearMark();
      errorLine = cm.addLineClass(n - 1, 'wrap', 'cm-error-line');
    }

    function goToLine(n) {
      n = Math.max(1, Math.min(n, cm.lineCount()));
      cm.focus();
      cm.setSelection({ line: n - 1, ch: 0 }, { line: n - 1, ch: cm.getLine(n - 1).length });
      cm.scrollIntoView({ line: n - 1, ch: 0 }, 80);
    }

    function clearAnnotations() {
      marks.forEach((m) => m.clear());
      marks = [];
    }

    /* A short text at the end of line n (1-based); onClick shows the full result. */
    function annotate(n, text, cls, onClick) {
      if (!Number.isInteger(n) || n < 1 || n > cm.lineCount()) return;
      const w = document.createElement('span');
      w.className = 'cm-result' + (cls ? ' ' + cls : '');
      w.textContent = text;
      w.setAttribute('aria-hidden', 'true'); // the output pane has the accessible version
      if (onClick) w.addEventListener('mousedown', (e) => (e.preventDefault(), onClick()));
      const line = n - 1;
      const mark = cm.setBookmark({ line: line, ch: cm.getLine(line).length }, { widget: w, insertLeft: true });
      mark.widget = w;
      marks.push(mark);
    }

    function setValue(code) {
      cm.setValue(String(code));
      cm.setCursor(0, 0);
      save();
    }

    return {
      value: () => cm.getValue(),
      setValue: setValue,
      focus: () => cm.focus(),
      save: save,
      markLine: markLine,
      clearMark: clearMark,
      goToLine: goToLine,
      annotate: annotate,
      clearAnnotations: clearAnnotations,
      cm: cm,
    };
  };

  /* Without CodeMirror (vendor file missing): the plain textarea still works. */
  function plainEditor(ta, initial) {
    ta.value = initial;
    ta.addEventListener('input', () => storageSet(ta.value));
    const nothing = () => {};
    return {
      value: () => ta.value,
      setValue: (code) => {
        ta.value = String(code);
        storageSet(ta.value);
      },
      focus: () => ta.focus(),
      save: () => storageSet(ta.value),
      markLine: nothing,
      clearMark: nothing,
      goToLine: () => ta.focus(),
      annotate: nothing,
      clearAnnotations: nothing,
    };
  }
})();
