/* Loaded on every page (Jupyter Book adds each .js file of _static/).
   The chapters check what they claim with `assert` statements. Those lines are
   for the tests and for the curious reader: here they are folded away, each
   cell keeping one small button that shows them again. A statement folds with
   its continuation lines, and so does a `for` or `with` whose body only checks. */
(function () {
  "use strict";

  const CHECK = /^\s*(assert\b|np\.testing\.assert_\w+\()/;
  const BLOCK = /^\s*(for|with)\b.*:\s*(#.*)?$/;

  function indent(line) {
    return line.length - line.trimStart().length;
  }

  // Brackets still open after `line` (strings and comments left out, roughly).
  function depthChange(line) {
    let depth = 0;
    let quote = null;
    for (let i = 0; i < line.length; i += 1) {
      const c = line[i];
      if (quote) {
        if (c === "\\") i += 1;
        else if (c === quote) quote = null;
      } else if (c === "#") break;
      else if (c === "'" || c === '"') quote = c;
      else if ("([{".includes(c)) depth += 1;
      else if (")]}".includes(c)) depth -= 1;
    }
    return depth;
  }

  // Indices of the lines to fold.
  function checkLines(lines) {
    const folded = new Set();
    let i = 0;
    while (i < lines.length) {
      if (CHECK.test(lines[i])) {
        let depth = depthChange(lines[i]);
        folded.add(i);
        while ((depth > 0 || /\\\s*$/.test(lines[i])) && i + 1 < lines.length) {
          i += 1;
          depth += depthChange(lines[i]);
          folded.add(i);
        }
      }
      i += 1;
    }
    // A `for`/`with` header whose indented body is all folded folds too.
    for (let h = lines.length - 1; h >= 0; h -= 1) {
      if (!BLOCK.test(lines[h])) continue;
      let j = h + 1;
      let body = 0;
      let all = true;
      while (j < lines.length && (lines[j].trim() === "" || indent(lines[j]) > indent(lines[h]))) {
        if (lines[j].trim() !== "") {
          body += 1;
          all = all && folded.has(j);
        }
        j += 1;
      }
      if (body && all) folded.add(h);
    }
    return folded;
  }

  // The (text node, offset) where character `target` of `root`'s text lies.
  function locate(root, target) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    let seen = 0;
    let node = walker.nextNode();
    while (node) {
      if (seen + node.data.length >= target) return [node, target - seen];
      seen += node.data.length;
      node = walker.nextNode();
    }
    return [root, root.childNodes.length];
  }

  function fold(pre) {
    const text = pre.textContent;
    const lines = text.split("\n");
    const folded = checkLines(lines);
    if (!folded.size) return;
    const starts = [];
    let offset = 0;
    for (const line of lines) {
      starts.push(offset);
      offset += line.length + 1;
    }
    // Runs of consecutive folded lines, wrapped from the last so offsets hold.
    const runs = [];
    for (let i = 0; i < lines.length; i += 1) {
      if (!folded.has(i)) continue;
      if (runs.length && runs[runs.length - 1][1] === i - 1) runs[runs.length - 1][1] = i;
      else runs.push([i, i]);
    }
    for (const [first, last] of runs.reverse()) {
      const range = document.createRange();
      const end = Math.min(starts[last] + lines[last].length + 1, text.length);
      range.setStart(...locate(pre, starts[first]));
      range.setEnd(...locate(pre, end));
      const span = document.createElement("span");
      span.className = "mytorch-check";
      span.hidden = true;
      span.appendChild(range.extractContents());
      range.insertNode(span);
    }
    const button = document.createElement("button");
    button.type = "button";
    button.className = "mytorch-check-toggle";
    const label = (shown) =>
      `${shown ? "Hide" : "Show"} the check${folded.size > 1 ? "s" : ""} ` +
      `(${folded.size} line${folded.size > 1 ? "s" : ""})`;
    button.textContent = label(false);
    button.setAttribute("aria-expanded", "false");
    button.addEventListener("click", () => {
      const show = button.getAttribute("aria-expanded") !== "true";
      for (const span of pre.querySelectorAll("span.mytorch-check")) span.hidden = !show;
      button.setAttribute("aria-expanded", String(show));
      button.textContent = label(show);
    });
    pre.closest("div.highlight").after(button);
  }

  function foldAll() {
    for (const pre of document.querySelectorAll("div.cell_input div.highlight pre")) fold(pre);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", foldAll);
  else foldAll();
})();
