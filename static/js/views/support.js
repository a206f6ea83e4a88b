// Private notices in a room. A crisis notice is a calm panel of tappable crisis lines;
// the others are short banners. Only the member they are about ever sees them.

import { h, when } from "../dom.js";

/** A safe href for a support resource, or null (unknown kinds and odd values are not links). */
export function resourceHref(resource) {
  const number = String(resource.value || "").replace(/[^0-9+]/g, "");
  if (resource.kind === "tel" && number) return `tel:${number}`;
  if (resource.kind === "sms" && number) {
    return resource.body ? `sms:${number}?&body=${encodeURIComponent(resource.body)}` : `sms:${number}`;
  }
  if (resource.kind === "web") {
    try {
      const url = new URL(resource.value);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch {
      return null;
    }
  }
  return null;
}

const VERB = { tel: "Call", sms: "Text", web: "Open" };

function resourceItem(resource) {
  const href = resourceHref(resource);
  const body = [
    h("span", { className: "resource-label" }, resource.label),
    h("span", { className: "resource-value" }, `${VERB[resource.kind] || ""} ${resource.value}`.trim()),
    resource.note ? h("span", { className: "resource-note" }, resource.note) : null,
  ];
  const external = resource.kind === "web" ? { target: "_blank", rel: "noopener noreferrer" } : {};
  return h("li", {}, href ? h("a", { className: "resource", href, ...external }, body) : h("div", { className: "resource" }, body));
}

/** The crisis support panel. */
export function crisisPanel(notice, onClose) {
  const id = `crisis-${notice.key}`;
  return h(
    "section",
    { className: "crisis", "aria-labelledby": id, "data-notice": notice.key },
    h("h2", { id, tabIndex: -1 }, "You're not alone"),
    h("p", {}, notice.text),
    notice.resources?.length ? h("ul", { className: "resources" }, notice.resources.map(resourceItem)) : null,
    h("p", { className: "crisis-footer" }, "If you are in immediate danger, call 911."),
    h("button", { type: "button", className: "btn btn-quiet", onclick: onClose }, "Close this panel"),
  );
}

const TITLES = {
  warning: "A note from your counselor",
  muted: "Posting is paused for now",
  suspended: "Taking a break from this room",
  approved: "Your message is in the room",
  removed: "A counselor removed a message",
  masked: "We removed contact details",
  reported: "Report sent",
};

// Notices from a counselor use the calm "care" colours; confirmations are plain information.
const CARE = new Set(["warning", "muted", "suspended"]);

/** Any other notice: a dismissible banner. */
export function noticeBanner(notice, onClose) {
  const until = notice.until ? ` This lasts until ${when(notice.until)}.` : "";
  return h(
    "div",
    { className: `banner banner-${CARE.has(notice.kind) ? "care" : "info"} notice-${notice.kind}`, role: "status" },
    h("div", {}, TITLES[notice.kind] ? h("strong", { className: "banner-title" }, TITLES[notice.kind]) : null, notice.text, until),
    h("button", { type: "button", className: "btn btn-quiet btn-small", onclick: onClose, "aria-label": "Dismiss" }, "Dismiss"),
  );
}
