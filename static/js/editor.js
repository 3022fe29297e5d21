/* CodeMirror 5 (a classic script before the modules: window.CodeMirror is our one global), code kept in
   localStorage; it replaces <textarea id="code">. Esc then Tab leaves it. `# %%` lines start cells (Jupytext). */
const STORAGE_KEY = 'playground.code';
const CodeMirror = window.CodeMirror;
const CELL = /^#\s*%%/;

function stored(key) {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null; // storage refused (private mode)
  }
}

function store(key, code) {
  try {
    window.localStorage.setItem(key, code);
  } catch {
    // refused or full: the code is still in the editor
  }
}

/** storageKey: a class's page keeps its own code. */
export function createEditor(textarea, storageKey = STORAGE_KEY) {
  let escArmed = false;
  const place = (node) => {
    node.classList.add('editor-cm'); // before CodeMirror measures its lines: the class sets the font
    textarea.replaceWith(node);
  };
  const indent = (c) => (c.somethingSelected() ? c.execCommand('indentMore') : c.replaceSelection('    ', 'end'));
  const hook = (name) => (c) => (c.state[name] ? c.state[name]() : CodeMirror.Pass); // from assist.js, main.js
  const cm = CodeMirror(place, {
    value: stored(storageKey) || textarea.value,
    mode: { name: 'python', version: 3 },
    lineNumbers: true,
    matchBrackets: true,
    autoCloseBrackets: true,
    indentUnit: 4,
    tabSize: 4,
    inputStyle: 'contenteditable',
    screenReaderLabel: textarea.getAttribute('aria-label'),
    viewportMargin: 20,
    extraKeys: {
      Tab: (c) => (escArmed ? CodeMirror.Pass : indent(c)),
      // Docs, as in Jupyter; a selection is dedented.
      'Shift-Tab': (c) => (escArmed ? CodeMirror.Pass : c.somethingSelected() || !c.state.docs ? c.execCommand('indentLess') : c.state.docs()),
      'Shift-Enter': hook('runCell'),
      'Ctrl-Space': hook('complete'),
    },
  });
  const input = cm.getInputField();
  input.id = 'code';
  input.setAttribute('role', 'textbox');
  input.setAttribute('aria-multiline', 'true');
  input.setAttribute('aria-describedby', textarea.getAttribute('aria-describedby'));
  cm.on('keydown', (c, e) => {
    if (e.key === 'Escape') escArmed = true;
    else if (e.key !== 'Tab' && e.key !== 'Shift') escArmed = false;
  });

  const marks = createMarks(cm);
  let saveTimer = null;
  let saving = true;
  function save() {
    clearTimeout(saveTimer);
    if (saving) store(storageKey, cm.getValue());
  }
  window.addEventListener('pagehide', save);
  cm.on('blur', () => {
    escArmed = false;
    save();
  });
  cm.on('change', (c, change) => {
    marks.lineChanged();
    if (change.origin !== 'setValue') saving = true; // the visitor's own edit
    clearTimeout(saveTimer);
    saveTimer = setTimeout(save, 300);
  });

  const range = (from, last) => cm.getRange({ line: from, ch: 0 }, { line: last, ch: cm.getLine(last).length });

  return {
    cm,
    value: () => cm.getValue(),
    // The cursor's cell; the cursor moves to the next.
    takeCell() {
      let from = cm.getCursor().line;
      let to = from + 1;
      while (from > 0 && !CELL.test(cm.getLine(from))) from -= 1;
      while (to < cm.lineCount() && !CELL.test(cm.getLine(to))) to += 1;
      cm.setCursor(to < cm.lineCount() ? { line: to + 1, ch: 0 } : { line: to, ch: 0 });
      return { code: range(from, to - 1), offset: from };
    },
    // (else a run's line numbers point elsewhere)
    holds: (code, offset, last = offset + code.split('\n').length - 1) => last <= cm.lastLine() && range(offset, last) === code,
    setValue(code) {
      cm.setValue(code);
      cm.setCursor(0, 0);
      save();
    },
    // Saved once edited only: opening a link must not cost visitors their own code.
    showWithoutSaving(code) {
      saving = false;
      cm.setValue(code);
    },
    save,
    goToLine(n) {
      const line = Math.min(n, cm.lineCount()) - 1;
      cm.focus();
      cm.setSelection({ line, ch: 0 }, { line, ch: cm.getLine(line).length });
      cm.scrollIntoView({ line, ch: 0 }, 80);
    },
    markLine: marks.markLine,
    clearLine: marks.clearLine,
    annotate: marks.annotate,
    clearAnnotations: marks.clearAnnotations,
  };
}

/* The failing line, and each result's summary at the end of its line (lines count from 1). */
function createMarks(cm) {
  let errorLine = null; // a CodeMirror line handle
  let bookmarks = []; // the latest run's summaries
  const exists = (n) => Number.isInteger(n) && n >= 1 && n <= cm.lineCount();

  function clearLine() {
    if (errorLine !== null) cm.removeLineClass(errorLine, 'wrap', 'cm-error-line');
    errorLine = null;
  }

  function markLine(n) {
    if (!exists(n)) return;
    clearLine();
    errorLine = cm.addLineClass(n - 1, 'wrap', 'cm-error-line');
  }

  function annotate(n, text, className, onClick) {
    if (!exists(n)) return;
    const widget = document.createElement('span');
    widget.className = 'cm-result' + (className ? ' ' + className : '');
    widget.textContent = text;
    widget.setAttribute('aria-hidden', 'true'); // the output pane has the accessible version
    widget.addEventListener('mousedown', (e) => {
      e.preventDefault(); // keeps the editor's cursor where it is
      onClick();
    });
    const end = { line: n - 1, ch: cm.getLine(n - 1).length };
    const mark = cm.setBookmark(end, { widget, insertLeft: true });
    mark.widget = widget;
    bookmarks.push(mark);
  }

  // On lines first…last (from 1): a cell's run leaves the others' results.
  function clearAnnotations(first = 1, last = Infinity) {
    bookmarks = bookmarks.filter((mark) => {
      const at = mark.find();
      const inside = !at || (at.line + 1 >= first && at.line + 1 <= last);
      if (inside) mark.clear();
      return !inside;
    });
  }

  /* Lines may have moved: the highlight goes, the summaries fade. */
  function lineChanged() {
    clearLine();
    bookmarks.forEach((mark) => mark.widget.classList.add('is-stale'));
  }

  return { markLine, clearLine, annotate, clearAnnotations, lineChanged };
}
