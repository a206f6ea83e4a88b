// Shared pieces of the counselor views: sub-navigation, case labels, loading states.

import { h, replace } from "../dom.js";

export const SOURCE_LABEL = {
  crisis: "Crisis",
  hold: "Held post",
  flag: "Flagged post",
  block: "Blocked post",
  report: "Member report",
  hide: "Hidden by host",
};

export const STATE_LABEL = {
  held: "waiting for review",
  pending: "published, flagged",
  published: "published",
  approved: "approved",
  removed: "removed",
  blocked: "not posted",
};

/** Tabs of the counselor area; later tools (hosting, check-ins) slot in here. */
export function staffNav(active, program) {
  const tab = (href, label, key) =>
    h("a", { href: `#${href}`, className: "tab", "aria-current": active === key ? "page" : false }, label);
  return h(
    "nav",
    { className: "tabs", "aria-label": "Counselor tools" },
    tab(`/staff/${encodeURIComponent(program)}`, "Inbox & queue", "queue"),
    tab(`/staff/audit/${encodeURIComponent(program)}`, "Audit log", "audit"),
  );
}

export function programOf(ctx, requested) {
  const ids = ctx.user.programs || [];
  return requested && ids.includes(requested) ? requested : ids[0];
}

export function roomName(ctx, id) {
  return ctx.store.room(id).info?.name || id;
}

export function severityPill(c) {
  if (c.urgent) return h("span", { className: "pill pill-urgent" }, "Urgent");
  const level = Math.max(0, Math.min(3, Number(c.severity) || 0));
  return h("span", { className: `pill pill-sev${level}` }, `Severity ${level}`);
}

export function ago(ms) {
  const minutes = Math.round((Date.now() - ms) / 60000);
  if (minutes < 1) return "just now";
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return `${Math.round(hours / 24)} d ago`;
}

/** Fill `el` with a friendly failure and a retry button. */
export function showFailure(el, err, retry) {
  const text =
    err.status === 404
      ? "This isn't available yet. If it should be, the service may still be updating."
      : err.status === 403
        ? "You don't have access to this."
        : err.message || "Something went wrong.";
  replace(
    el,
    h("div", { className: "banner banner-warn", role: "alert" },
      h("div", {}, text),
      retry ? h("button", { type: "button", className: "btn btn-small", onclick: retry }, "Try again") : null),
  );
}
