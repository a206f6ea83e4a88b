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

// Timeline and audit action names as service/review.py writes them ("case." prefixed in the audit log).
const ACTION_LABEL = {
  new: "opened",
  claimed: "claimed",
  released: "released to the queue",
  approved: "approved the post",
  removed: "removed the post",
  warned: "sent a private warning",
  muted: "paused posting (mute)",
  suspended: "suspended",
  "escalated.supervisor": "escalated to a supervisor",
  "escalated.crisis": "escalated to crisis on-call",
  followup: "planned a follow-up",
  "followup.done": "completed a follow-up",
  note: "added a note",
  resolved: "resolved",
  acknowledged: "acknowledged the alert",
  "oncall.delivered": "on-call alert delivered",
  "oncall.realerted": "on-call alerted again",
  "oncall.retry": "on-call alert will be retried",
  "oncall.failed": "on-call alert failed",
  "oncall.not_configured": "no on-call contact is set up",
};

/** A readable name for a case action or an audit action ("case.warned", "case.open.crisis"). */
export function actionLabel(action) {
  const bare = String(action || "").replace(/^case\./, "");
  if (bare.startsWith("open.")) return `opened (${SOURCE_LABEL[bare.slice(5)] || bare.slice(5)})`;
  return ACTION_LABEL[bare] || bare.replace(/[._]/g, " ");
}

/** Who holds a case, from the reader's point of view. */
export function ownerLabel(ctx, c) {
  if (c.status === "resolved") return "Resolved";
  if (!c.assignee) return "Unclaimed";
  return c.assignee === ctx.user.id ? "Claimed by you" : "Claimed by a colleague";
}

/** Who did something: "you", "moderation" (the automatic checks) or the staff member's id. */
export function actorLabel(ctx, actor) {
  if (actor === ctx.user.id) return "You";
  if (actor === "moderation" || actor === "system") return "Automatic check";
  if (actor === "oncall") return "On-call alerts";
  return actor;
}

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
