// One case: the post in its context, why it was flagged, what has happened, and the
// counselor's actions (claim, approve, remove, warn, mute, escalate, follow up, resolve).

import { field, h, replace, timeEl, when } from "../dom.js";
import { SOURCE_LABEL, STATE_LABEL, roomName, severityPill, showFailure, staffNav } from "./staff.js";

const OPEN_POST = new Set(["held", "pending", "published"]);

export function renderCase(ctx, params) {
  const id = params.id;
  const body = h("div", { className: "case-body" }, h("p", { className: "empty" }, "Loading…"));
  const status = h("p", { className: "action-status", role: "status" });
  const problem = h("p", { className: "form-error", role: "alert", hidden: true });
  const wrap = h("div", { className: "staff page-wide" }, body);
  replace(ctx.main, wrap);
  let current = null;

  async function load() {
    try {
      const data = await ctx.api.review.case(id);
      current = data.case;
      draw(data);
    } catch (err) {
      showFailure(body, err, load);
    }
  }

  async function act(action, payload, done) {
    problem.hidden = true;
    status.textContent = "Saving…";
    try {
      await ctx.api.review.act(id, action, payload);
      status.textContent = done;
      await load();
    } catch (err) {
      status.textContent = "";
      problem.textContent = err.status === 409 ? `${err.message} (someone else may be working on it)` : err.message;
      problem.hidden = false;
    }
  }

  function draw({ case: c, context = {}, author_history: history = [] }) {
    const program = c.program;
    const post = c.post;
    const mine = c.assignee === ctx.user.id;
    document.title = `Case: ${SOURCE_LABEL[c.source] || c.source} · Between`;
    const focused = document.activeElement?.dataset?.action;
    replace(
      body,
      h("div", { className: "staff-head" },
        h("div", {},
          h("a", { href: `#/staff/${encodeURIComponent(program)}`, className: "back" }, "← Queue"),
          h("h1", { id: "case-title", tabIndex: -1 }, SOURCE_LABEL[c.source] || c.source, post ? ` · ${post.author_handle}` : "")),
        staffNav("", program)),
      h("p", { className: "case-line" }, severityPill(c),
        ` ${c.status}${c.assignee ? (mine ? " · claimed by you" : " · claimed") : ""} · post ${STATE_LABEL[c.post_state] || c.post_state} · ${roomName(ctx, c.room)} · opened ${when(c.created)}`),
      status,
      problem,
      h("div", { className: "case-grid" },
        h("div", { className: "case-main" },
          h("section", { className: "panel", "aria-labelledby": "post-title" },
            h("h2", { id: "post-title" }, "The post in context"),
            contextList(context, post, c)),
          h("section", { className: "panel", "aria-labelledby": "why-title" },
            h("h2", { id: "why-title" }, "Why it's here"),
            h("ul", { className: "plain-list" }, (c.reasons || []).map((r) =>
              h("li", {}, h("strong", {}, r.category), ` (severity ${r.severity}) `, h("span", { className: "hint" }, r.explanation))))),
          h("section", { className: "panel", "aria-labelledby": "tl-title" },
            h("h2", { id: "tl-title" }, "Timeline and notes"),
            h("ol", { className: "timeline" },
              [...(c.timeline || []), ...(c.notes || []).map((n) => ({ ...n, action: "note" }))]
                .sort((a, b) => a.ts - b.ts)
                .map((t) => h("li", {}, timeEl(t.ts), ` ${t.actor}: ${t.action}`, t.note ? h("span", { className: "note" }, ` “${t.note}”`) : null))),
            (c.followups || []).length
              ? h("div", {}, h("h3", {}, "Follow-ups"), h("ul", { className: "plain-list" }, c.followups.map((f) =>
                  h("li", {}, `${f.kind.replace(/_/g, " ")}: ${f.note} · due ${when(f.due)}${f.done ? " · done" : ""}`))))
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
          c.status === "resolved" ? h("p", {}, `Resolved. ${c.resolution || ""}`) : actions(c, mine))),
    );
    if (focused) body.querySelector(`[data-action="${focused}"]`)?.focus();
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
    const reason = () => h("input", { required: true, maxLength: 500 });
    const removeReason = reason();
    const warnText = h("textarea", { required: true, rows: 3, maxLength: 1000 });
    warnText.value = "Hi, a counselor here. I saw your message in the group and wanted to check in with you.";
    const muteMinutes = h("select", {}, [30, 60, 240, 1440].map((m) => h("option", { value: m }, m < 60 ? `${m} minutes` : `${m / 60} hours`)));
    const muteReason = reason();
    const escTo = h("select", {}, h("option", { value: "supervisor" }, "Clinical supervisor"), h("option", { value: "crisis" }, "Crisis on-call"));
    const escNote = h("textarea", { rows: 2, maxLength: 1000 });
    const fuKind = h("select", {}, h("option", { value: "group" }, "In group"), h("option", { value: "one_on_one" }, "One-on-one"), h("option", { value: "other" }, "Other"));
    const fuNote = h("input", { required: true, maxLength: 500 });
    const fuDue = h("input", { type: "datetime-local", required: true });
    fuDue.value = new Date(Date.now() + 86400000 - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 16);
    const resolveNote = h("textarea", { required: true, rows: 2, maxLength: 1000 });
    const noteText = h("textarea", { required: true, rows: 2, maxLength: 2000 });
    const postOpen = OPEN_POST.has(c.post_state);
    return [
      h("div", { className: "row" },
        mine
          ? button("Release", "release", () => act("release", {}, "Released back to the queue."))
          : button(c.assignee ? "Take over" : "Claim", "claim", () => act("claim", {}, "Claimed. It's yours for now."), "btn-primary"),
        c.post_state === "held" ? button("Approve post", "approve", () => act("approve", {}, "Approved: the post is now in the room."), "") : null),
      postOpen ? form("Remove post", "remove", field("Reason (kept in the audit log)", removeReason), "Remove post", () => ({ reason: removeReason.value }), "Removed. Nobody in the room sees it now.") : null,
      form("Send a private warning", "warn", field("Message to the member", warnText), "Send warning", () => ({ text: warnText.value }), "Warning sent."),
      form("Pause posting (mute)", "mute", [field("For", muteMinutes), field("Reason", muteReason)], "Mute", () => ({ minutes: Number(muteMinutes.value), reason: muteReason.value }), "Muted."),
      form("Escalate", "escalate", [field("To", escTo), field("Note", escNote)], "Escalate", () => ({ to: escTo.value, note: escNote.value }), "Escalated."),
      form("Plan a follow-up", "followups", [field("Where", fuKind), field("What to follow up on", fuNote), field("Due", fuDue)], "Save follow-up",
        () => ({ kind: fuKind.value, note: fuNote.value, due: new Date(fuDue.value).getTime() }), "Follow-up saved."),
      form("Add a note", "notes", field("Note (staff only)", noteText), "Add note", () => ({ text: noteText.value }), "Note added."),
      form("Resolve", "resolve", field("Resolution note", resolveNote), "Resolve case", () => ({ note: resolveNote.value }), "Resolved."),
    ];
  }

  const off = ctx.chat.onCase((_event, c) => {
    if (c.id === id && current && c.updated !== current.updated) load();
  });
  load().then(() => body.querySelector("#case-title")?.focus());
  return off;
}
