// Single-key shortcuts for the counselor views (j/k, c, a, r, …) and the "?" dialog that lists them.
// Keys never fire while someone types in a field, holds a modifier, or has a dialog open: a letter typed
// into a note must never approve a post.

import { h } from "./dom.js";

/** Whether a key press belongs to a text field or other control that takes typing. */
export function isTyping(target) {
  if (!(target instanceof Element)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag !== "INPUT") return false;
  return !["checkbox", "radio", "button", "submit", "reset"].includes(target.type);
}

/**
 * Listen for `shortcuts` ([{key, label, run}]) on the document; "?" opens a dialog listing them.
 * Returns a function that removes the listener and the dialog.
 */
export function bindShortcuts(shortcuts, { title = "Keyboard shortcuts" } = {}) {
  const rows = [...shortcuts, { key: "?", label: "Show this list" }];
  const close = h("button", { type: "button", className: "btn btn-small", onclick: () => dialog.close() }, "Close");
  const dialog = h(
    "dialog",
    { className: "shortcuts-dialog", "aria-labelledby": "shortcuts-title" },
    h("h2", { id: "shortcuts-title" }, title),
    h("p", { className: "hint" }, "They work when you're not typing in a field."),
    h("dl", { className: "shortcut-list" },
      rows.map((s) => h("div", { className: "shortcut" }, h("dt", {}, h("kbd", {}, s.key)), h("dd", {}, s.label)))),
    h("div", { className: "row" }, close),
  );
  document.body.appendChild(dialog);

  function onKey(event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    if (isTyping(event.target) || document.querySelector("dialog[open]")) return;
    if (event.key === "?") {
      event.preventDefault();
      dialog.showModal();
      close.focus();
      return;
    }
    const found = shortcuts.find((s) => s.key === event.key);
    if (!found) return;
    event.preventDefault();
    found.run(event);
  }

  document.addEventListener("keydown", onKey);
  return () => {
    document.removeEventListener("keydown", onKey);
    if (dialog.open) dialog.close();
    dialog.remove();
  };
}
