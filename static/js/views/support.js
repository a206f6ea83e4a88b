// Private notices in a room. A crisis notice opens a calm panel of tappable crisis lines over the
// whole page; the others are short banners. Only the member they are about ever sees them.

import { h, replace, when } from "../dom.js";

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

function panelContent(id, text, resources, onClose) {
  return h(
    "section",
    { className: "crisis", "aria-labelledby": id },
    h("h2", { id, tabIndex: -1 }, "You're not alone"),
    text ? h("p", { className: "crisis-text" }, text) : null,
    resources?.length ? h("ul", { className: "resources" }, resources.map(resourceItem)) : null,
    h("p", { className: "crisis-footer" }, "If you are in immediate danger, call 911."),
    h("button", { type: "button", className: "btn btn-quiet crisis-close", onclick: onClose }, "Close this panel"),
  );
}

/**
 * The crisis support panel: a modal dialog over everything else, so no room, list or notice can
 * squeeze it. It takes focus, stays until the person closes it, and "Get help now" brings it back.
 */
export class SupportDialog {
  constructor() {
    this.dialog = h("dialog", { className: "crisis-dialog", "aria-labelledby": "crisis-title" });
    this.dialog.addEventListener("close", () => this.closed());
    document.body.appendChild(this.dialog);
    this.onClose = null;
    this.key = null;
    this.fallback = { text: "", resources: [] };
  }

  /** The program's crisis lines from /api/me, shown by "Get help now" when no notice is open. */
  setFallback(support) {
    if (support) this.fallback = support;
  }

  /** Show a crisis notice (or the fallback lines); `onClose` runs once when it is closed. */
  show(notice = null, onClose = null) {
    const source = notice || this.fallback;
    const key = notice?.key || "help";
    if (this.dialog.open && this.key === key) return;
    // A newer crisis notice takes the open panel's place: the older one counts as seen.
    const previous = this.onClose;
    this.key = key;
    this.onClose = onClose;
    replace(this.dialog, panelContent("crisis-title", source.text, source.resources, () => this.dialog.close()));
    this.dialog.dataset.notice = key;
    if (!this.dialog.open) this.dialog.showModal();
    this.dialog.querySelector("h2").focus();
    previous?.();
  }

  /** Close without running the notice's callback (the session ended). */
  reset() {
    this.onClose = null;
    if (this.dialog.open) this.dialog.close();
  }

  /** Whether the panel is showing the notice with this key. */
  showing(key) {
    return this.dialog.open && this.key === key;
  }

  closed() {
    const done = this.onClose;
    this.onClose = null;
    this.key = null;
    done?.();
  }
}

const TITLES = {
  warning: "A note from your counselor",
  muted: "Posting is paused for now",
  suspended: "Taking a break from this room",
  approved: "Your message is in the room",
  removed: "A counselor removed a message",
  masked: "We removed contact details",
  reported: "Report sent",
  unmuted: "You can post again",
  reviewed: "Your report was reviewed",
  unsuspended: "You're back in the room",
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
