// The workbench's only script: passage focus, text selection -> highlight offsets, footnotes
// and keyboard shortcuts. No inline scripts anywhere (CSP); htmx does the requests.
(function () {
  "use strict";

  var panel = function () { return document.getElementById("panel"); };
  var current = null; // uuid of the passage the reader is on
  var pendingHighlight = null; // {passage, start, end, text} waiting for its panel

  // Browsers measure text in UTF-16 code units; the server stores Unicode code points.
  // This is the one place that converts: the code points from the start of `container`
  // up to the boundary (node, offset).
  function codePointOffset(container, node, offset) {
    var range = document.createRange();
    range.selectNodeContents(container);
    range.setEnd(node, offset);
    return Array.from(range.toString()).length;
  }

  function passageOf(node) {
    var el = node && (node.nodeType === 1 ? node : node.parentElement);
    return el ? el.closest("[data-passage]") : null;
  }

  // The current selection as code-point offsets into one passage's text, or null.
  function selectionSpan() {
    var sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
    var range = sel.getRangeAt(0);
    var passage = passageOf(range.startContainer);
    if (!passage) return null;
    var text = passage.querySelector(".passage-text");
    if (!text) return null;
    var start = text.contains(range.startContainer) ? codePointOffset(text, range.startContainer, range.startOffset) : 0;
    var total = Array.from(text.textContent).length;
    var end = text.contains(range.endContainer) ? codePointOffset(text, range.endContainer, range.endOffset) : total;
    // Word-wise selection (keyboard, double click) takes the space before or after a word along:
    // a highlight starts and ends on the words themselves.
    var chars = Array.from(text.textContent);
    while (start < end && /\s/.test(chars[start])) start++;
    while (end > start && /\s/.test(chars[end - 1])) end--;
    if (end <= start) return null;
    var quote = chars.slice(start, end).join("");
    return { passage: passage.dataset.passage, start: start, end: end, text: quote };
  }

  function article(uuid) { return document.getElementById("p-" + uuid); }

  function setCurrent(uuid, scroll) {
    document.querySelectorAll(".passage.current").forEach(function (el) {
      el.classList.remove("current");
      el.removeAttribute("aria-current");
    });
    current = uuid;
    var el = uuid && article(uuid);
    if (!el) return;
    el.classList.add("current");
    el.setAttribute("aria-current", "true");
    if (scroll) {
      el.scrollIntoView({ block: "center" });
      el.focus({ preventScroll: true });
    }
  }

  function panelPassage() {
    var inner = panel() && panel().querySelector("[data-panel-passage]");
    return inner ? inner.dataset.panelPassage : null;
  }

  // Load a passage's panel (unless it is already showing); resolves when it is in place.
  function openPanel(uuid, highlight) {
    var el = article(uuid);
    if (!el || !panel() || !window.htmx) return Promise.resolve();
    if (panelPassage() === uuid && !highlight) return Promise.resolve();
    var url = el.dataset.panelUrl + (highlight ? "?highlight=" + encodeURIComponent(highlight) : "");
    return window.htmx.ajax("GET", url, { target: "#panel", swap: "innerHTML" });
  }

  function focusInPanel(selector) {
    var target = panel() && panel().querySelector(selector);
    if (!target) return;
    var details = target.closest("details");
    if (details) details.open = true;
    target.focus();
  }

  function fillHighlightForm() {
    if (!pendingHighlight || panelPassage() !== pendingHighlight.passage) return;
    var form = document.getElementById("highlight-form");
    if (!form) return;
    form.elements.start.value = pendingHighlight.start;
    form.elements.end.value = pendingHighlight.end;
    form.querySelector("[data-highlight-preview]").textContent = pendingHighlight.text;
    form.hidden = false;
    pendingHighlight = null;
    form.elements.tags.focus();
  }

  // While the highlight form is open the reader's selection is gone (the focus is in the form):
  // the chosen words stay marked by a CSS custom highlight until the form is saved or put away.
  function markPending(range) {
    if (!window.CSS || !CSS.highlights) return;
    if (range) CSS.highlights.set("pending-highlight", new Highlight(range));
    else CSS.highlights.delete("pending-highlight");
  }

  // The DOM range of a span (code points into its passage's text), for drawing it.
  function rangeOf(span) {
    var text = article(span.passage).querySelector(".passage-text");
    var chars = Array.from(text.textContent);
    var range = document.createRange();
    var walker = document.createTreeWalker(text, NodeFilter.SHOW_TEXT);
    var seen = 0; // UTF-16 units before the current node
    var start = chars.slice(0, span.start).join("").length;
    var end = chars.slice(0, span.end).join("").length;
    for (var node = walker.nextNode(); node; node = walker.nextNode()) {
      if (start >= seen && start <= seen + node.length) range.setStart(node, start - seen);
      if (end >= seen && end <= seen + node.length) { range.setEnd(node, end - seen); break; }
      seen += node.length;
    }
    return range;
  }

  function cancelHighlight() {
    var form = document.getElementById("highlight-form");
    if (form) { form.reset(); form.hidden = true; }
    markPending(null);
  }

  function highlightSelection() {
    var span = selectionSpan();
    if (!span) return;
    markPending(rangeOf(span));
    pendingHighlight = span;
    hideToolbar();
    setCurrent(span.passage, false);
    openPanel(span.passage).then(fillHighlightForm);
  }

  // Selection toolbar, shown next to a selection inside a passage.
  function toolbar() { return document.getElementById("selection-toolbar"); }
  function hideToolbar() { if (toolbar()) toolbar().hidden = true; }
  function showToolbar() {
    var bar = toolbar();
    var span = bar && selectionSpan();
    if (!span) { hideToolbar(); return; }
    var rect = window.getSelection().getRangeAt(0).getBoundingClientRect();
    bar.hidden = false;
    bar.style.left = Math.max(8, rect.left + window.scrollX) + "px";
    bar.style.top = (rect.top + window.scrollY - bar.offsetHeight - 8) + "px";
  }

  function passages() { return Array.prototype.slice.call(document.querySelectorAll("[data-passage]")); }

  function move(step) {
    closeNotes();
    var all = passages();
    if (!all.length) return;
    var index = all.findIndex(function (el) { return el.dataset.passage === current; });
    var next = all[Math.min(all.length - 1, Math.max(0, index < 0 ? 0 : index + step))];
    setCurrent(next.dataset.passage, true);
  }

  function withCurrentPanel(then) {
    if (!current) {
      var first = passages()[0];
      if (!first) return;
      setCurrent(first.dataset.passage, true);
    }
    openPanel(current).then(then);
  }

  function showShortcuts() { document.getElementById("shortcuts").showModal(); }

  // What a click on an element with data-action="…" does.
  var ACTIONS = {
    "close-panel": closePanel,
    "cancel-highlight": cancelHighlight,
    "highlight-selection": highlightSelection,
    "show-shortcuts": showShortcuts,
  };

  document.addEventListener("click", function (event) {
    var t = event.target;
    var option = t.closest(".suggestions [role=option]");
    if (option) { chooseSuggestion(option.parentElement.previousElementSibling, option); return; }
    var action = t.closest("[data-action]");
    if (action && ACTIONS[action.dataset.action]) { ACTIONS[action.dataset.action](); return; }
    if (t.closest("[data-shortcuts-open]")) { showShortcuts(); return; }
    var goto = t.closest("[data-goto-passage]");
    if (goto && article(goto.dataset.gotoPassage)) {
      event.preventDefault();
      setCurrent(goto.dataset.gotoPassage, true);
      return;
    }
    var fn = t.closest(".fn-ref");
    if (fn) {
      event.preventDefault();
      toggleNote(fn.parentElement);
      return;
    }
    closeNotes();
    var el = passageOf(t);
    if (el && t.closest(".open-panel")) { setCurrent(el.dataset.passage, false); return; } // htmx loads it
    var mark = t.closest(".passage-text mark");
    if (mark && el && !window.getSelection().toString()) {
      setCurrent(el.dataset.passage, false);
      openPanel(el.dataset.passage, indexEntry(mark, mark.dataset.h.split(" ")[0]).dataset.u);
      return;
    }
    if (el && !t.closest("a, button, input, textarea, select, summary") && !window.getSelection().toString()) {
      setCurrent(el.dataset.passage, false);
      openPanel(el.dataset.passage);
    }
  });

  // Footnotes: a click opens one (and closes any other); a second click, Esc, a click elsewhere
  // or moving to another passage closes it. Esc also hides a note shown by hover or focus, until
  // the pointer or focus leaves its marker.
  function toggleNote(fn) {
    var opening = !fn.classList.contains("open");
    closeNotes();
    fn.classList.toggle("open", opening);
    fn.classList.toggle("dismissed", !opening);
  }

  function closeNotes() {
    document.querySelectorAll(".fn.open").forEach(function (fn) { fn.classList.remove("open"); });
  }

  // True when Esc had a note to close (and so should do nothing else).
  function dismissNotes() {
    var shown = document.querySelectorAll(".fn.open, .fn:hover, .fn:focus-within");
    shown.forEach(function (fn) {
      fn.classList.remove("open");
      fn.classList.add("dismissed");
    });
    return shown.length > 0;
  }

  function undismiss(event) {
    var fn = event.target.closest && event.target.closest(".fn.dismissed");
    if (fn && !fn.contains(event.relatedTarget)) fn.classList.remove("dismissed");
  }
  document.addEventListener("mouseout", undismiss);
  document.addEventListener("focusout", undismiss);

  // Tag fields complete from the codebook (#panel-codebook): suggestions match anywhere in a name,
  // ignoring case and accents; a name not in the codebook is created only by choosing "Create tag".
  // `data-codebook="multi"` fields hold comma-separated names and complete the one being typed.
  function fold(text) { return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase(); }

  function terms(input) { return input.value.split(","); }

  function typedTerm(input) {
    return (input.dataset.codebook === "multi" ? terms(input).pop() : input.value).trim();
  }

  function codebookNames() {
    return Array.prototype.map.call(document.querySelectorAll("#panel-codebook option"), function (o) { return o.value; });
  }

  function inCodebook(name) {
    return codebookNames().some(function (known) { return fold(known) === fold(name); });
  }

  function suggestionsFor(input) {
    var typed = typedTerm(input);
    var wanted = fold(typed);
    if (!wanted) return [];
    var taken = input.dataset.codebook === "multi" ? terms(input).slice(0, -1).map(function (t) { return fold(t.trim()); }) : [];
    var names = codebookNames();
    var found = names.filter(function (name) { return fold(name).indexOf(wanted) >= 0 && taken.indexOf(fold(name)) < 0; });
    found.sort(function (a, b) {
      return (fold(b).indexOf(wanted) === 0) - (fold(a).indexOf(wanted) === 0) || a.localeCompare(b);
    });
    var options = found.slice(0, 8).map(function (name) { return { name: name, label: name }; });
    if (!inCodebook(typed)) options.push({ name: typed, label: "Create tag \u201c" + typed + "\u201d" });
    return options;
  }

  function listboxOf(input) {
    var id = input.id + "-suggestions";
    var box = document.getElementById(id);
    if (!box) {
      box = document.createElement("ul");
      box.id = id;
      box.className = "suggestions";
      box.setAttribute("role", "listbox");
      box.setAttribute("aria-label", "Tags in the codebook");
      box.hidden = true;
      input.after(box);
      input.setAttribute("role", "combobox");
      input.setAttribute("aria-autocomplete", "list");
      input.setAttribute("aria-controls", id);
      input.setAttribute("aria-expanded", "false");
    }
    return box;
  }

  function showSuggestions(input, active) {
    var box = listboxOf(input);
    var options = suggestionsFor(input);
    box.replaceChildren.apply(box, options.map(function (option, i) {
      var li = document.createElement("li");
      li.id = input.id + "-option-" + i;
      li.setAttribute("role", "option");
      li.dataset.name = option.name;
      li.textContent = option.label;
      if (option.label !== option.name) li.className = "create";
      li.setAttribute("aria-selected", i === active ? "true" : "false");
      return li;
    }));
    box.hidden = options.length === 0;
    input.setAttribute("aria-expanded", box.hidden ? "false" : "true");
    if (active !== undefined && options.length) input.setAttribute("aria-activedescendant", input.id + "-option-" + active);
    else input.removeAttribute("aria-activedescendant");
  }

  function hideSuggestions(input) {
    var box = document.getElementById(input.id + "-suggestions");
    if (box) box.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function chooseSuggestion(input, option) {
    if (input.dataset.codebook === "multi") {
      var kept = terms(input).slice(0, -1).map(function (t) { return t.trim(); });
      input.value = kept.concat([option.dataset.name]).join(", ") + ", ";
      hideSuggestions(input);
      input.focus();
      return;
    }
    input.value = option.dataset.name;
    hideSuggestions(input);
    input.form.requestSubmit();
  }

  // Keys in a tag field; true when the key was the field's to handle.
  function comboKey(event) {
    var input = event.target;
    if (!input.dataset || input.dataset.codebook === undefined) return false;
    var box = listboxOf(input);
    var options = box.hidden ? [] : Array.prototype.slice.call(box.children);
    var active = options.findIndex(function (o) { return o.getAttribute("aria-selected") === "true"; });
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      var count = options.length || suggestionsFor(input).length;
      if (!count) return true;
      var step = event.key === "ArrowDown" ? 1 : -1;
      showSuggestions(input, active < 0 ? (step > 0 ? 0 : count - 1) : (active + step + count) % count);
    } else if (event.key === "Enter" && !(event.ctrlKey || event.metaKey)) {
      if (active >= 0) chooseSuggestion(input, options[active]);
      else if (typedTerm(input) && !inCodebook(typedTerm(input))) showSuggestions(input, 0);
      else return false;
    } else if (event.key === "Escape" && !box.hidden) {
      hideSuggestions(input);
    } else {
      return false;
    }
    event.preventDefault();
    return true;
  }

  document.addEventListener("input", function (event) {
    if (event.target.dataset && event.target.dataset.codebook !== undefined) showSuggestions(event.target);
  });
  document.addEventListener("focusout", function (event) {
    if (event.target.dataset && event.target.dataset.codebook !== undefined) hideSuggestions(event.target);
  });
  // A click on a suggestion must not take the focus from the field first.
  document.addEventListener("mousedown", function (event) {
    if (event.target.closest && event.target.closest(".suggestions")) event.preventDefault();
  });

  // A link to #p-<uuid> of a long report may point past the passages loaded so far: ask the
  // server for the chunk that holds it.
  var wanted = /^#p-([0-9a-f-]{36})$/.exec(window.location.hash);
  if (wanted && document.getElementById("passages") && !article(wanted[1])) {
    var params = new URLSearchParams(window.location.search);
    if (!params.has("at")) {
      params.delete("offset");
      params.set("at", wanted[1]);
      window.location.replace(window.location.pathname + "?" + params.toString() + window.location.hash);
    }
  }

  // A mark names the highlights covering it by short ids; the passage's highlight index says
  // once per highlight which one it is (uuid) and its tags.
  // Short ids are base-36 positions in the index.
  function indexEntry(mark, id) {
    return passageOf(mark).querySelector(".hl-index").children[parseInt(id, 36)];
  }

  // Tooltips are filled in from the index when the pointer first reaches a mark.
  document.addEventListener("mouseover", function (event) {
    var mark = event.target.closest && event.target.closest(".passage-text mark");
    if (!mark || mark.title) return;
    var tags = mark.dataset.h.split(" ").map(function (id) { return indexEntry(mark, id).textContent; });
    tags = tags.filter(Boolean).join(", ");
    mark.title = tags ? "Highlight: " + tags : "Highlight";
  });

  document.addEventListener("mouseup", function () { window.setTimeout(showToolbar, 0); });
  document.addEventListener("selectionchange", function () {
    if (!window.getSelection() || window.getSelection().isCollapsed) hideToolbar();
  });

  function closePanel() {
    var p = panel();
    if (!p) return;
    var empty = document.getElementById("panel-empty-template");
    p.innerHTML = empty ? empty.innerHTML : "";
    markPending(null);
    announcePanel();
    if (current && article(current)) article(current).focus({ preventScroll: true });
  }

  function openAndFocus(selector) {
    return function () { withCurrentPanel(function () { focusInPanel(selector); }); };
  }

  // Keyboard selection, for readers without a mouse or caret browsing: with a passage current,
  // Shift+→ / Shift+← select one word more / less of its text, → / ← move the start of the
  // selection by a word; then h highlights it.
  function selectWords(alter, direction) {
    return function () {
      var el = current && article(current);
      var text = el && el.querySelector(".passage-text");
      if (!text) return;
      var sel = window.getSelection();
      var inside = sel.rangeCount && text.contains(sel.anchorNode);
      if (!inside) sel.collapse(text, 0);
      sel.modify(alter, direction, "word");
      if (!text.contains(sel.focusNode)) sel.extend(text, text.childNodes.length);  // never past the text
      if (sel.isCollapsed) hideToolbar(); else showToolbar();
    };
  }

  // One entry per shortcut: the keys that trigger it and what it does (the ? dialog lists them).
  var SHORTCUTS = [
    { keys: ["j"], run: function () { move(1); } },
    { keys: ["k"], run: function () { move(-1); } },
    { keys: ["o", "Enter"], run: openAndFocus("#panel-title") },
    { keys: ["t"], run: openAndFocus("[data-shortcut-target=t]") },
    { keys: ["c"], run: openAndFocus("[data-shortcut-target=c]") },
    { keys: ["s"], run: openAndFocus("[data-shortcut-target=s]") },
    { keys: ["h"], run: highlightSelection },
    { keys: ["Shift+ArrowRight"], run: selectWords("extend", "forward") },
    { keys: ["Shift+ArrowLeft"], run: selectWords("extend", "backward") },
    { keys: ["ArrowRight"], run: selectWords("move", "forward") },
    { keys: ["ArrowLeft"], run: selectWords("move", "backward") },
    {
      keys: ["a"],
      run: function () {
        withCurrentPanel(function () {
          var approve = panel().querySelector("[data-approve]");
          if (!approve) return;
          // A panel just swapped in is wired up by htmx only when it settles: without this, a key
          // pressed in that moment would post the form as a plain page load.
          window.htmx.process(approve.form);
          approve.click();
        });
      },
    },
    { keys: ["?"], run: showShortcuts },
    { keys: ["Escape"], run: function () { if (!dismissNotes()) closePanel(); } },
  ];
  var keys = {};
  SHORTCUTS.forEach(function (shortcut) {
    shortcut.keys.forEach(function (key) { keys[key] = shortcut.run; });
  });

  document.addEventListener("keydown", function (event) {
    if (comboKey(event)) return;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.form && event.target.tagName === "TEXTAREA") {
      event.preventDefault();
      event.target.form.requestSubmit();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var t = event.target;
    if (t.closest && t.closest("input, textarea, select, [contenteditable], dialog")) {
      if (event.key === "Escape" && t.closest("#panel")) { t.blur(); closePanel(); }
      return;
    }
    if (event.key === "Enter" && t.closest && t.closest("a, button, summary")) return;
    var named = (event.shiftKey && event.key.length > 1 ? "Shift+" : "") + event.key;
    var action = keys[named];
    // Arrows select words only from a passage the reader is on; elsewhere they scroll.
    var arrow = event.key === "ArrowRight" || event.key === "ArrowLeft";
    if (arrow && !(t.closest && t.closest("[data-passage]"))) return;
    if (!action || !document.getElementById("passages")) {
      if (event.key === "?") showShortcuts();
      return;
    }
    event.preventDefault();
    action();
  });

  // Screen readers hear which passage the panel now shows (once per passage, not per change).
  var announced = null;
  function announcePanel() {
    var announcer = document.getElementById("panel-announcer");
    var shown = panelPassage();
    if (!announcer || shown === announced) return;
    announced = shown;
    var title = panel().querySelector("#panel-title");
    announcer.textContent = shown && title ? "Panel open: " + title.textContent : "Panel closed";
  }

  // htmx swaps passages out of band after a change: keep the reader's place marked.
  document.addEventListener("htmx:afterSettle", function () {
    announcePanel();
    if (current && article(current)) {
      article(current).classList.add("current");
      article(current).setAttribute("aria-current", "true");
    }
    fillHighlightForm();
    // A new highlight is appended to the list already there: it alone stays selected.
    var selected = panel() ? panel().querySelectorAll(".highlight-item.selected") : [];
    for (var i = 0; i < selected.length - 1; i++) selected[i].classList.remove("selected");
    if (selected.length) selected[selected.length - 1].scrollIntoView({ block: "nearest" });
  });

  // After a highlight is saved, its form is cleared and hidden for the next selection.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (form && form.id === "highlight-form" && event.detail.successful) cancelHighlight();
  });

  // A 409 is an edit conflict: the server refused the write and sent the current state with the
  // reason, which replaces the stale panel like any other answer. htmx 2 swaps 2xx/3xx only by
  // default; the rest of its default table is kept.
  if (window.htmx) {
    window.htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "409", swap: true, error: false },
      { code: "[45]..", swap: false, error: true },
      { code: "...", swap: false },
    ];
  }

  // htmx leaves the page as it was when a request fails: say why, where the reader is looking.
  // One note at a time, gone as soon as the reader tries again.
  var FAILURES = {
    403: "You are not allowed to do that in this workspace.",
    404: "This item no longer exists, or you cannot see it.",
    503: "The database is unavailable for a moment. Nothing was saved; try again in a few seconds.",
  };
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    if (status === 429) {  // too many writes a minute: the server's text says how long to wait
      showProblem(event.detail.xhr.responseText);
      return;
    }
    showProblem(FAILURES[status] || "Something went wrong on the server (" + status + "). Try again.");
  });
  document.addEventListener("htmx:sendError", function () {
    showProblem("The server cannot be reached. Check your connection and try again.");
  });
  document.addEventListener("htmx:beforeRequest", clearProblem);

  function clearProblem() {
    var note = document.getElementById("request-problem");
    if (note) note.remove();
  }

  function showProblem(text) {
    clearProblem();
    var box = panel() || document.getElementById("main");
    var note = document.createElement("p");
    note.id = "request-problem";
    note.className = "error";
    note.setAttribute("role", "alert");
    note.textContent = text;
    box.prepend(note);
  }
})();
