// Shared pieces of the counselor views: sub-navigation, case labels, loading states.

import { h, replace } from "../dom.js";

export const SOURCE_LABEL = {
  crisis: "Crisis",
  hold: "Held post",
  flag: "Flagged post",
  block: "Blocked post",
  report: "Member report",
  hide: "Hidden by host",
  outreach: "Reply in a private check-in",
};

export const STATE_LABEL = {
  held: "waiting for review",
  pending: "published, flagged",
  published: "published",
  approved: "approved",
  removed: "removed",
  blocked: "not posted",
  delivered: "private reply",
};

// Timeline and audit action names as service/actions/review.py writes them ("case." prefixed in the audit log).
const ACTION_LABEL = {
  new: "opened",
  claimed: "claimed",
  released: "released to the queue",
  approved: "approved the post",
  "approved.resolved": "approved the post and resolved",
  removed: "removed the post",
  "removed.resolved": "removed the post and resolved",
  dismissed: "dismissed (no action needed)",
  warned: "sent a private warning",
  muted: "paused posting (mute)",
  unmuted: "let the member post again",
  suspended: "suspended",
  "lifted.room": "lifted the suspension from the room",
  "lifted.program": "lifted the suspension from the program",
  "escalated.supervisor": "escalated to a supervisor",
  "escalated.crisis": "escalated to crisis on-call",
  followup: "planned a follow-up",
  "followup.done": "completed a follow-up",
  note: "added a note",
  resolved: "resolved",
  acknowledged: "acknowledged the alert",
  outreach: "reached out privately",
  "oncall.pending": "on-call page pending",
  "oncall.delivered": "on-call alert delivered",
  "oncall.realerted": "on-call alerted again",
  "oncall.retry": "on-call alert will be retried",
  "oncall.failed": "on-call alert failed",
  "oncall.not_configured": "no on-call contact is set up",
  "oncall.acknowledged": "on-call alert acknowledged",
  "member.unmuted": "let the member post again",
  "member.lifted.room": "lifted a room suspension",
  "member.lifted.program": "lifted the program suspension",
};

/** A case's status as the audit log shows it beside the case link. */
export const STATUS_LABEL_AUDIT = { open: "open", claimed: "claimed", resolved: "resolved" };

/** A readable name for a case action or an audit action ("case.warned", "case.open.crisis"). */
export function actionLabel(action) {
  const bare = String(action || "").replace(/^case\./, "");
  if (bare.startsWith("open.")) return `opened (${SOURCE_LABEL[bare.slice(5)] || bare.slice(5)})`;
  return ACTION_LABEL[bare] || bare.replace(/[._]/g, " ");
}

// Timeline lines as a person would say them: "Claimed by kim", "Approved and resolved by lee".
// `{who}` is filled in; entries without it are things the system did.
const TIMELINE_TEXT = {
  claimed: "Claimed by {who}",
  released: "Released to the queue by {who}",
  approved: "Approved by {who}: the post is in the room",
  "approved.resolved": "Approved and resolved by {who}",
  removed: "Post removed by {who}",
  "removed.resolved": "Removed and resolved by {who}",
  dismissed: "Dismissed by {who}: no action needed",
  warned: "Private message sent to the member by {who}",
  muted: "Posting paused by {who}",
  unmuted: "Posting allowed again by {who}",
  suspended: "Suspended by {who}",
  "lifted.room": "Room suspension lifted by {who}",
  "lifted.program": "Program suspension lifted by {who}",
  "escalated.supervisor": "Escalated to a supervisor by {who}",
  "escalated.crisis": "Escalated to crisis on-call by {who}",
  followup: "Follow-up planned by {who}",
  "followup.done": "Follow-up completed by {who}",
  note: "Note by {who}",
  resolved: "Resolved by {who}",
  acknowledged: "Alert acknowledged by {who}",
  outreach: "Reached out privately: {who}",
  "oncall.pending": "On-call page pending",
  "oncall.delivered": "On-call page delivered",
  "oncall.realerted": "On-call paged again: not acknowledged yet",
  "oncall.retry": "On-call page not delivered yet; trying again",
  "oncall.failed": "On-call page failed: nobody outside the app was reached",
  "oncall.not_configured": "No on-call contact is set up: nobody outside the app was paged",
  "oncall.acknowledged": "Acknowledged by {who}",
};

const FOLLOWUP_KIND = { group: "in group", one_on_one: "one-on-one", other: "other" };

// Notes that are machine detail rather than something a person wrote ("followup.done" carries an id).
const SILENT_NOTE = new Set(["followup.done", "oncall.not_configured", "oncall.pending"]);

/** "Claimed by kim", "Approved and resolved by you", with the note after a colon when there is one. */
export function timelineText(ctx, entry, handles = {}, delivery = null) {
  let actor = entry.actor;
  // The on-call service records acknowledgements as itself; the person is on the delivery.
  if (entry.action === "oncall.acknowledged" && delivery?.acknowledged_by) actor = delivery.acknowledged_by;
  const who = personLabel(ctx, actor, handles[actor] || (actor === entry.actor ? entry.actor_handle : ""));
  const template = TIMELINE_TEXT[entry.action];
  const base = template
    ? template.replace("{who}", who)
    : `${capitalize(actionLabel(entry.action))} by ${who}`;
  let note = SILENT_NOTE.has(entry.action) ? "" : String(entry.note || "").replace(/:\s*$/, "").trim();
  if (entry.action === "followup") note = note.replace(/^(\w+):/, (_, kind) => `${FOLLOWUP_KIND[kind] || kind}:`);
  return note ? `${base}: ${note}` : base;
}

/** Who holds a case, from the reader's point of view ("Claimed by kim" when the handle is known). */
export function ownerLabel(ctx, c, handle) {
  if (c.status === "resolved") return "Resolved";
  if (!c.assignee) return "Unclaimed";
  if (c.assignee === ctx.user.id) return "Claimed by you";
  return `Claimed by ${handle || c.assignee_handle || "a colleague"}`;
}

/** Who did something: "You", "the automatic checks", "on-call alerts", or the person's handle. */
export function personLabel(ctx, actor, handle) {
  if (actor === ctx.user.id) return "you";
  if (actor === "moderation" || actor === "system") return "the automatic checks";
  if (actor === "oncall") return "on-call alerts";
  return handle || actor;
}

/** Who did something: "You", "Automatic check" (the moderation pipeline), or the staff member's handle. */
export function actorLabel(ctx, actor, handle) {
  if (actor === ctx.user.id) return "You";
  if (actor === "moderation" || actor === "system") return "Automatic check";
  if (actor === "oncall") return "On-call alerts";
  return handle || actor;
}

export function capitalize(text) {
  const s = String(text || "");
  return s ? s[0].toUpperCase() + s.slice(1) : s;
}

/** Why a case is here, in words: [text, rule id or null]. Reports say who reported it. */
export function reasonOf(c) {
  // The most serious finding speaks for the case (the first one wins a tie: rules list it first).
  const first = [...(c.reasons || [])].sort((a, b) => (b.severity || 0) - (a.severity || 0))[0];
  if (c.source === "report") {
    const said = first?.explanation && !/^report by /.test(first.explanation) ? `: “${first.explanation}”` : "";
    return [`Reported by ${c.reporter_handle || "a member"}${said}`, null];
  }
  if (c.source === "hide") return [`Hidden by the room's host${first?.explanation ? `: “${first.explanation}”` : ""}`, null];
  if (!first) return ["Flagged for review", null];
  return [capitalize(first.explanation || first.category), first.rule || null];
}

/** A "sam" link to the member page. */
export function memberLink(program, id, handle, label) {
  return h("a", { href: `#/staff/member/${encodeURIComponent(id)}?program=${encodeURIComponent(program)}` }, label || handle);
}

/**
 * Ask before a crisis post is shared: a modal that says exactly what will happen, with "Keep it held"
 * focused so Enter or Escape never shares it by accident. Resolves true only on an explicit "Share".
 */
export function confirmCrisisShare(roomLabel) {
  return new Promise((resolve) => {
    const keep = h("button", { type: "button", className: "btn", onclick: () => finish(false) }, "Keep it held");
    const share = h("button", { type: "button", className: "btn btn-primary", "data-action": "confirm-share",
      onclick: () => finish(true) }, `Share with ${roomLabel}`);
    const dialog = h(
      "dialog",
      { className: "confirm-dialog", "aria-labelledby": "confirm-title", "aria-describedby": "confirm-text" },
      h("h2", { id: "confirm-title" }, "Share a post about a crisis?"),
      h("p", { id: "confirm-text" },
        `This makes the post visible to everyone in ${roomLabel}. The member will see it was shared after review.`),
      h("p", { className: "hint" }, "Only share it if you have checked in with them and the group will be a support."),
      h("div", { className: "row" }, keep, share),
    );
    let done = false;
    function finish(answer) {
      if (done) return;
      done = true;
      if (dialog.open) dialog.close();
      dialog.remove();
      resolve(answer);
    }
    dialog.addEventListener("cancel", () => finish(false));
    dialog.addEventListener("close", () => finish(false));
    document.body.appendChild(dialog);
    dialog.showModal();
    keep.focus();
  });
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
