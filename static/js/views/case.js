// One case: the post in its context, why it was flagged, what has happened, and the
// counselor's actions (claim, approve, remove, warn, mute, suspend, escalate, follow up,
// note, resolve). Every action is a POST to /api/cases/{id}/{action} (service/review_api.py).

import { field, h, replace, timeEl, when } from "../dom.js";
import {
  SOURCE_LABEL, STATE_LABEL, actionLabel, actorLabel, ownerLabel, roomName, severityPill, showFailure, staffNav,
} from "./staff.js";

const OPEN_POST = new Set(["held", "pending", "published"]);
const KIND_LABEL = { group: "In group", one_on_one: "One-on-one", other: "Other" };
// Where keyboard focus goes after an action re-renders the panel.
const FOCUS_AFTER = { claim: "release", release: "claim" };

// A mute with no reason is logged as "30 min: "; show "30 min".
const noteOf = (t) => (t.note || "").replace(/:\s*$/, "");

function localInput(ms) {
  return new Date(ms - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

export function renderCase(ctx, params) {
  const id = params.id;
  const body = h("div", { className: "case-body" }, h("p", { className: "empty" }, "Loading…"));
  const status = h("p", { className: "action-status", role: "status" });
  const problem = h("p", { className: "form-error", role: "alert", hidden: true });
  const wrap = h("div", { className: "staff page-wide" }, body);
  replace(ctx.main, wrap);
  let current = null;
  let focusNext = null;

  async function load() {
    try {
      const data = await ctx.api.review.case(id);
      const c = data.case;
      // An action's own reload and its live event fetch the same state: draw it once, so an
      // open form the counselor is filling in is not wiped by a duplicate redraw.
      const same = current && c.updated === current.updated && c.assignee === current.assignee && c.status === current.status;
      const focused = focusNext || document.activeElement?.dataset?.action;
      focusNext = null;
      if (!same) {
        current = c;
        draw(data);
      }
      if (focused) {
        const target = body.querySelector(`[data-action="${focused}"]`);
        if (target && target.offsetParent !== null) target.focus();
        else if (!same) body.querySelector("#case-title")?.focus();
      }
    } catch (err) {
      showFailure(body, err, load);
    }
  }

  async function act(action, payload, done, call) {
    problem.hidden = true;
    status.textContent = "Saving…";
    try {
      await (call ? call() : ctx.api.review.act(id, action, payload));
      focusNext = FOCUS_AFTER[action] || `${action}-open`;
      await load();
      status.textContent = done;
    } catch (err) {
      status.textContent = "";
      problem.textContent = err.status === 409 ? `${err.message}. Someone else may be working on it.` : err.message;
      problem.hidden = false;
    }
  }

  function draw({ case: c, context = {}, author_history: history = [] }) {
    const program = c.program;
    const post = c.post;
    const mine = c.assignee === ctx.user.id;
    document.title = `Case: ${SOURCE_LABEL[c.source] || c.source} · Between`;
    const notes = (c.notes || []).map((n) => ({ ...n, action: "note" }));
    // A note is in the timeline (who, when) and in `notes` (its text): list it once.
    const events = [...(c.timeline || []).filter((t) => t.action !== "note"), ...notes].sort((a, b) => a.ts - b.ts);
    replace(
      body,
      h("div", { className: "staff-head" },
        h("div", {},
          h("a", { href: `#/staff/${encodeURIComponent(program)}`, className: "back" }, "← Queue"),
          h("h1", { id: "case-title", tabIndex: -1 }, SOURCE_LABEL[c.source] || c.source, post ? ` · ${post.author_handle}` : "")),
        staffNav("", program)),
      h("p", { className: "case-line" }, severityPill(c),
        ` ${ownerLabel(ctx, c)} · post ${STATE_LABEL[c.post_state] || c.post_state} · ${roomName(ctx, c.room)} · opened ${when(c.created)}`,
        c.categories?.length ? ` · ${c.categories.join(", ")}` : ""),
      status,
      problem,
      h("div", { className: "case-grid" },
        h("div", { className: "case-main" },
          h("section", { className: "panel", "aria-labelledby": "post-title" },
            h("h2", { id: "post-title" }, "The post in context"),
            contextList(context, post, c)),
          h("section", { className: "panel", "aria-labelledby": "why-title" },
            h("h2", { id: "why-title" }, "Why it's here"),
            (c.reasons || []).length
              ? h("ul", { className: "plain-list" }, c.reasons.map((r) =>
                  h("li", {}, h("strong", {}, r.category), ` (severity ${r.severity}) `, h("span", { className: "hint" }, r.explanation))))
              : h("p", { className: "hint" }, c.source === "report" ? "A member reported this post." : "Flagged for review.")),
          h("section", { className: "panel", "aria-labelledby": "tl-title" },
            h("h2", { id: "tl-title" }, "Timeline and notes"),
            events.length
              ? h("ol", { className: "timeline" }, events.map((t) =>
                  h("li", { className: t.action === "note" ? "tl-note" : "tl-event" }, timeEl(t.ts),
                    ` ${actorLabel(ctx, t.actor)} ${actionLabel(t.action)}`,
                    noteOf(t) ? h("span", { className: "note" }, ` “${noteOf(t)}”`) : null)))
              : h("p", { className: "empty" }, "Nothing yet."),
            (c.followups || []).length
              ? h("div", {}, h("h3", {}, "Follow-ups"), h("ul", { className: "plain-list" }, c.followups.map((f) => followupItem(c, f))))
              : null),
          post
            ? h("section", { className: "panel", "aria-labelledby": "hist-title" },
                h("h2", { id: "hist-title" }, `${post.author_handle}'s earlier cases`),
                history.length
                  ? h("ul", { className: "plain-list" }, history.map((x) =>
                      h("li", {}, h("a", { href: `#/staff/case/${encodeURIComponent(x.id)}` }, SOURCE_LABEL[x.source] || x.source),
                        h("span", { className: "hint" }, ` · ${x.status} · ${when(x.created)}`))))
                  : h("p", { className: "empty" }, "None."),
                h("a", { href: `#/staff/audit/${encodeURIComponent(program)}?member=${encodeURIComponent(post.author_id)}` },
                  `Audit log for ${post.author_handle}`))
            : null),
        h("aside", { className: "case-actions panel", "aria-labelledby": "actions-title" },
          h("h2", { id: "actions-title" }, "Actions"),
          c.status === "resolved"
            ? h("p", { className: "resolved" }, h("strong", {}, "Resolved. "), c.resolution || "")
            : actions(c, mine))),
    );
  }

  function followupItem(c, f) {
    const text = `${KIND_LABEL[f.kind] || f.kind}: ${f.note} · due ${when(f.due)}${f.done ? " · done" : ""}`;
    const done = f.done || c.status === "resolved"
      ? null
      : h("button", { type: "button", className: "btn btn-small btn-quiet", "data-action": `followup-done-${f.id}`,
          onclick: () => act(`followup-done-${f.id}`, null, "Follow-up marked done.", () => ctx.api.review.followupDone(id, f.id)) },
        "Mark done");
    return h("li", {}, text, " ", done);
  }

  function contextList(context, post, c) {
    const row = (m, highlight) =>
      h("li", { className: `ctx-msg${highlight ? " ctx-case" : ""}` },
        h("div", { className: "msg-head" }, h("span", { className: "msg-author" }, m.author?.handle || m.author_handle), timeEl(m.ts)),
        h("p", { className: "msg-text" }, m.text));
    const items = [...(context.before || []).map((m) => row(m, false))];
    if (post) {
      items.push(row({ ...post, author: { handle: post.author_handle } }, true));
      if (post.masked_text) items.push(h("li", { className: "hint" }, `Shown to the group as: ${post.masked_text}`));
    } else {
      items.push(h("li", { className: "hint" }, "The post's text is no longer kept."));
    }
    items.push(...(context.after || []).map((m) => row(m, false)));
    return h("ol", { className: "ctx-list", "aria-label": `Messages around the post in ${roomName(ctx, c.room)}` }, items);
  }

  function button(label, action, onclick, extra = "") {
    return h("button", { type: "button", className: `btn ${extra}`, "data-action": action, onclick }, label);
  }

  function form(title, action, controls, submitLabel, toPayload, done) {
    const f = h("form", {
      className: "action-form",
      onsubmit: (event) => {
        event.preventDefault();
        act(action, toPayload(), done);
      },
    }, controls, h("button", { type: "submit", className: "btn btn-small", "data-action": `${action}-submit` }, submitLabel));
    return h("details", { className: "action" }, h("summary", { "data-action": `${action}-open` }, title), f);
  }

  function actions(c, mine) {
    const held = c.assignee && !mine;
    const optional = (max = 500) => h("input", { maxLength: max });
    const removeReason = h("input", { required: true, maxLength: 500 });
    const warnText = h("textarea", { required: true, rows: 3, maxLength: 2000 });
    warnText.value = "Hi, a counselor here. I saw your message in the group and wanted to check in with you.";
    const muteMinutes = h("select", {}, [30, 60, 240, 1440].map((m) => h("option", { value: m }, m < 60 ? `${m} minutes` : m === 60 ? "1 hour" : `${m / 60} hours`)));
    const muteReason = optional();
    const susScope = h("select", {}, h("option", { value: "room" }, "This room"), h("option", { value: "program" }, "The whole program"));
    const susMinutes = h("select", {}, h("option", { value: "1440" }, "1 day"), h("option", { value: "10080" }, "1 week"), h("option", { value: "" }, "Until lifted"));
    const susReason = optional();
    const escTo = h("select", {}, h("option", { value: "supervisor" }, "Clinical supervisor"), h("option", { value: "crisis" }, "Crisis on-call"));
    const escNote = h("textarea", { rows: 2, maxLength: 2000 });
    const fuKind = h("select", {}, Object.entries(KIND_LABEL).map(([value, label]) => h("option", { value }, label)));
    const fuNote = h("input", { required: true, maxLength: 2000 });
    const fuDue = h("input", { type: "datetime-local", required: true });
    fuDue.value = localInput(Date.now() + 86400000 - 60000);
    const resolveNote = h("textarea", { required: true, rows: 2, maxLength: 4000 });
    const noteText = h("textarea", { required: true, rows: 2, maxLength: 4000 });
    const postOpen = OPEN_POST.has(c.post_state);
    const alert = c.delivery && !c.delivery.acknowledged_at;
    const toMember = c.post ? "The member sees this." : null;
    const planning = [
      form("Plan a follow-up", "followups", [field("Where", fuKind), field("What to follow up on", fuNote), field("Due", fuDue)], "Save follow-up",
        () => ({ kind: fuKind.value, note: fuNote.value, due: new Date(fuDue.value).getTime() }), "Follow-up saved."),
      form("Add a note", "notes", field("Note (staff only)", noteText), "Add note", () => ({ text: noteText.value }), "Note added."),
    ];
    if (held) {
      const until = c.lease_until ? ` until ${when(c.lease_until)}, unless they release it sooner` : "";
      return [h("p", { className: "hint claimed-note" }, `A colleague is working on this case${until}. You can still plan a follow-up or add a note.`), ...planning];
    }
    return [
      h("div", { className: "row" },
        mine
          ? button("Release", "release", () => act("release", {}, "Released back to the queue."))
          : button("Claim", "claim", () => act("claim", {}, "Claimed. It's yours for now."), "btn-primary"),
        c.post_state === "held" ? button("Approve post", "approve", () => act("approve", {}, "Approved: the post is now in the room.")) : null,
        alert ? button("Acknowledge alert", "acknowledge", () => act("acknowledge", {}, "Alert acknowledged.")) : null),
      postOpen ? form("Remove post", "remove", field("Reason (kept in the audit log)", removeReason, toMember), "Remove post", () => ({ reason: removeReason.value }), "Removed. Nobody in the room sees it now.") : null,
      c.post ? form("Send a private warning", "warn", field("Message to the member", warnText), "Send warning", () => ({ text: warnText.value }), "Warning sent.") : null,
      c.post ? form("Pause posting (mute)", "mute", [field("For", muteMinutes), field("Message to the member (optional)", muteReason, "Leave empty for a gentle default.")], "Mute",
        () => ({ minutes: Number(muteMinutes.value), reason: muteReason.value }), "Muted.") : null,
      c.post ? form("Suspend", "suspend", [field("From", susScope), field("For", susMinutes), field("Message to the member (optional)", susReason, "Leave empty for a gentle default.")], "Suspend",
        () => ({ scope: susScope.value, minutes: susMinutes.value ? Number(susMinutes.value) : null, reason: susReason.value }), "Suspended.") : null,
      form("Escalate", "escalate", [field("To", escTo), field("Note", escNote)], "Escalate", () => ({ to: escTo.value, note: escNote.value }), "Escalated."),
      ...planning,
      form("Resolve", "resolve", field("Resolution note", resolveNote), "Resolve case", () => ({ note: resolveNote.value }), "Resolved."),
    ];
  }

  const off = ctx.chat.onCase((_event, c) => {
    if (c.id === id && current && c.updated !== current.updated) load();
  });
  load().then(() => body.querySelector("#case-title")?.focus());
  return off;
}
