/*
 * The code editor: CodeMirror 5 (static/vendor/codemirror-5.65.20, a classic script loaded before the modules:
 * window.CodeMirror is the one global the page uses) with Python highlighting, line numbers, bracket matching and
 * undo; the code kept in localStorage; the failing line highlighted; each result summarised at the end of its line.
 *
 * The <textarea id="code"> in the template is the no-JavaScript fallback and the initial example; the editor
 * replaces it, and its editable element takes the id "code" (role=textbox, with the textarea's accessible name).
 * Tab indents; Esc then Tab leaves the editor (keyboard users).
 */
const STORAGE_KEY = 'playground.code';
const CodeMirror = window.CodeMirror;

function stored() {
  try {
    return window.localStorage.getItem(STORAGE_KEY);
  } catch (err) {
    return null;
  }
}

function store(value) {
  try {
    window.localStorage.setItem(STORAGE_KEY, value);
  } catch (err) {
    /* private mode or quota: the code still lives in the editor */
  }
}

export function createEditor(textarea) {
  const saved = stored();
  let escArmed = false;
  const place = (node) => {
    node.classList.add('editor-cm'); // before CodeMirror measures its lines: the class sets the font
    textarea.replaceWith(node);
  };
  const cm = CodeMirror(place, {
    value: saved ? saved : textarea.value,
    mode: { name: 'python', version: 3 },
    lineNumbers: true,
    matchBrackets: true,
    autoCloseBrackets: true,
    indentUnit: 4,
    tabSize: 4,
    inputStyle: 'contenteditable',
    screenReaderLabel: textarea.getAttribute('aria-label') || 'Code',
    viewportMargin: 20,
    extraKeys: {
      Tab: (c) => {
        if (escArmed) return CodeMirror.Pass; // Esc, Tab: leave the editor
        if (c.somethingSelected()) c.execCommand('indentMore');
        else c.replaceSelection('    ', 'end');
        return undefined;
      },
      'Shift-Tab': (c) => (escArmed ? CodeMirror.Pass : c.execCommand('indentLess')),
    },
  });
  const input = cm.getInputField();
  input.id = 'code';
  input.setAttribute('role', 'textbox');
  input.setAttribute('aria-multiline', 'true');
  const describedBy = textarea.getAttribute('aria-describedby');
  if (describedBy) input.setAttribute('aria-describedby', describedBy);
  cm.on('keydown', (c, e) => {
    if (e.key === 'Escape') escArmed = true;
    else if (e.key !== 'Tab' && e.key !== 'Shift') escArmed = false;
  });

  const marks = createMarks(cm);
  const saving = createSaving(cm);
  cm.on('blur', () => {
    escArmed = false;
    saving.save();
  });
  cm.on('change', (c, change) => {
    marks.clearLine(); // line numbers may have shifted
    marks.stale();
    saving.changed(change.origin);
  });

  function setValue(code) {
    cm.setValue(String(code));
    cm.setCursor(0, 0);
    saving.save();
  }

  function goToLine(n) {
    const line = Math.max(1, Math.min(n, cm.lineCount())) - 1;
    cm.focus();
    cm.setSelection({ line: line, ch: 0 }, { line: line, ch: cm.getLine(line).length });
    cm.scrollIntoView({ line: line, ch: 0 }, 80);
  }

  return {
    value: () => cm.getValue(),
    setValue: setValue,
    /* A link's code, saved only once the visitor edits it: opening a link must not cost them their own work. */
    showWithoutSaving(code) {
      saving.pause();
      cm.setValue(String(code));
    },
    save: saving.save,
    goToLine: goToLine,
    ...marks,
  };
}

/* Saving to localStorage a moment after each change, on blur and when the page is left. */
function createSaving(cm) {
  let timer = null;
  let paused = false;
  function save() {
    clearTimeout(timer);
    timer = null;
    if (!paused) store(cm.getValue());
  }
  window.addEventListener('pagehide', save);
  return {
    save: save,
    pause: () => (paused = true),
    changed(origin) {
      if (origin !== 'setValue') paused = false; // the visitor's own edit
      clearTimeout(timer);
      timer = setTimeout(save, 300);
    },
  };
}

/* The failing line's highlight and the result summaries at the ends of lines (1-based line numbers). */
function createMarks(cm) {
  let errorLine = null; // a CodeMirror line handle
  let bookmarks = []; // the summaries of the latest run
  const exists = (n) => Number.isInteger(n) && n >= 1 && n <= cm.lineCount();

  function clearLine() {
    if (errorLine === null) return;
    cm.removeLineClass(errorLine, 'wrap', 'cm-error-line');
    errorLine = null;
  }

  function markLine(n) {
    if (!exists(n)) return;
    clearLine();
    errorLine = cm.addLineClass(n - 1, 'wrap', 'cm-error-line');
  }

  /* A short text at the end of line n; onClick shows the full result. */
  function annotate(n, text, className, onClick) {
    if (!exists(n)) return;
    const widget = document.createElement('span');
    widget.className = 'cm-result' + (className ? ' ' + className : '');
    widget.textContent = text;
    widget.setAttribute('aria-hidden', 'true'); // the output pane has the accessible version
    widget.addEventListener('mousedown', (e) => {
      e.preventDefault();
      onClick();
    });
    const end = { line: n - 1, ch: cm.getLine(n - 1).length };
    const mark = cm.setBookmark(end, { widget: widget, insertLeft: true });
    mark.widget = widget;
    bookmarks.push(mark);
  }

  function clearAnnotations() {
    bookmarks.forEach((m) => m.clear());
    bookmarks = [];
  }

  const stale = () => bookmarks.forEach((m) => m.widget.classList.add('is-stale'));
  return { markLine: markLine, clearLine: clearLine, annotate: annotate, clearAnnotations: clearAnnotations, stale: stale };
}
