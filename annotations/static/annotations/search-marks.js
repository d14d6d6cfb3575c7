// Marks the search terms in the passage a search result leads to (/r/<report>/?at=<passage>&mark=…).
// The marks are <span class="search-term"> wrapped around text: they add no text, so the
// offsets of a selection (and so of a new highlight) stay the same. CSP-safe: no inline script.
(function () {
  "use strict";

  var params = new URLSearchParams(window.location.search);
  var at = params.get("at");
  var terms = params.getAll("mark").map(function (term) { return term.trim(); }).filter(Boolean);
  if (!at || !terms.length) return;

  function escapeRegExp(text) { return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

  // Longest first, so a phrase wins over a word inside it; a term matches at the start of a
  // word and takes the rest of the word ("SCO" marks "SCO's"), ignoring case.
  var alternatives = terms
    .filter(function (term, i) { return terms.indexOf(term) === i; })
    .slice(0, 40)
    .sort(function (a, b) { return b.length - a.length; })
    .map(function (term) { return escapeRegExp(term).replace(/\s+/g, "\\s+"); });
  var pattern = new RegExp("(?<![\\p{L}\\p{N}])(?:" + alternatives.join("|") + ")[\\p{L}\\p{N}]*", "giu");

  function markIn(root) {
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
      // Footnote bodies shown on hover are not the passage's own text.
      acceptNode: function (node) { return node.parentElement.closest(".fn") ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT; },
    });
    var nodes = [];
    while (walker.nextNode()) nodes.push(walker.currentNode);
    nodes.forEach(function (node) {
      var text = node.nodeValue;
      var pieces = [];
      var last = 0;
      text.replace(pattern, function (match, offset) {
        pieces.push(document.createTextNode(text.slice(last, offset)));
        var span = document.createElement("span");
        span.className = "search-term";
        span.textContent = match;
        pieces.push(span);
        last = offset + match.length;
        return match;
      });
      if (!pieces.length) return;
      pieces.push(document.createTextNode(text.slice(last)));
      var parent = node.parentNode;
      pieces.forEach(function (piece) { if (piece.nodeValue !== "") parent.insertBefore(piece, node); });
      parent.removeChild(node);
    });
  }

  var passage = document.getElementById("p-" + at);
  var text = passage && passage.querySelector("[data-passage-text], .passage-text");
  if (text) markIn(text);
})();
