// Building DOM without innerHTML: every piece of user text goes through text nodes.

/**
 * Create an element. `props` sets properties (className, type, …) or attributes
 * (keys with a dash, `aria-*`, `data-*`); `on*` functions become listeners.
 * Children may be nodes, strings (as text nodes), null/false (skipped) or arrays.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key.includes("-") || key === "role" || key === "for") {
      el.setAttribute(key, value === true ? "" : String(value));
    } else {
      el[key] = value;
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

/** Replace all children of `el`. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A labelled form field (label above the control). */
export function field(label, control, hint) {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  const hintEl = hint ? h("p", { className: "hint", id: `${id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute("aria-describedby", hintEl.id);
  return h("div", { className: "field" }, h("label", { for: id }, label), hintEl, control);
}

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const dateFmt = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", hour: "numeric", minute: "2-digit" });

/** "7:42 PM" today, "Nov 3, 7:42 PM" otherwise. */
export function when(ms) {
  const d = new Date(ms);
  const today = new Date();
  return d.toDateString() === today.toDateString() ? timeFmt.format(d) : dateFmt.format(d);
}

/** A <time> element for a ms timestamp. */
export function timeEl(ms, className = "time") {
  return h("time", { className, dateTime: new Date(ms).toISOString() }, when(ms));
}

/** Run a form's submit task one at a time; the submit button is disabled and the form busy meanwhile. */
export async function submitting(form, task) {
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  form.setAttribute("aria-busy", "true");
  try {
    await task();
  } finally {
    button.disabled = false;
    form.removeAttribute("aria-busy");
  }
}
