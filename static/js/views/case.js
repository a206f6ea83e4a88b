// One case: the post in its context, why it was flagged, what has happened (in people's words), the
// member's restrictions in force, and the counselor's actions (claim, approve or remove — which resolve
// the case unless asked to keep it open — warn, mute, suspend, escalate, follow up, note, resolve).
// Every action is a POST to /api/cases/{id}/{action} (service/http/review.py).

import { field, h, replace, timeEl, when } from "../dom.js";
import { bindShortcuts } from "../shortcuts.js";
import {
  SOURCE_LABEL, STATE_LABEL, capitalize, confirmCrisisShare, memberLink, ownerLabel, reasonOf, roomName, severityPill,
  showFailure, staffNav, timelineText,
} from "./staff.js";
import { reachOutLink } from "./thread.js";

const OPEN_POST = new Set(["held", "pending", "published"]);
const KIND_LABEL = { group: "In group", one_on_one: "One-on-one", other: "Other" };
// Where keyboard focus goes after an action re-renders the panel.
const FOCUS_AFTER = { claim: "release", release: "claim", unmute: "restrictions", lift: "restrictions" };

const DELIVERY_TEXT = {
  pending: "On-call page pending",
  delivered: "On-call page delivered",
  failed: "On-call page failed: nobody outside the app was reached",
  not_configured: "No on-call contact is set up: nobody outside the app was paged",
};

function localInput(ms) {
  return new Date(ms - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

/** As service/actions/review.py is_crisis: urgent, or any crisis finding. */
function isCrisis(c) {
  return Boolean(c.urgent) || c.source === "crisis" || (c.categories || []).includes("crisis");
}

/** Findings beside the one that speaks for the case (reasonOf picks the most severe), each rule once. */
function otherReasons(c) {
  const sorted = [...(c.reasons || [])].sort((a, b) => (b.severity || 0) - (a.severity || 0));
  const seen = new Set(sorted.length ? [sorted[0].rule] : []);
  return sorted.slice(1).filter((r) => !seen.has(r.rule) && seen.add(r.rule));
}

function restrictionText(r) {
  const until = r.until ? `until ${when(r.until)}` : "until lifted";
  if (r.kind === "mute") return `Posting paused everywhere in the program ${until}`;
  return r.scope === "program" ? `Suspended from the whole program ${until}` : `Suspended from ${r.room_name || r.room} ${until}`;
}

export function renderCase(ctx, params) {
  const id = params.id;
  const body = h("div", { className: "case-body" }, h("p", { className: "empty" }, "Loading…"));
  const status = h("p", { className: "action-status", role: "status" });
  const problem = h("p", { className: "form-error", role: "alert", hidden: true });
  const wrap = h("div", { className: "staff page-wide" }, body);
  replace(ctx.main, wrap);
  let current = null;
  let data = null;
  let focusNext = null;
  let busy = false;

  async function load() {
    try {
      const fresh = await ctx.api.review.case(id);
      const c = fresh.case;
      // An action's own reload and its live event fetch the same state: draw it once, so an
      // open form the counselor is filling in is not wiped by a duplicate redraw.
      const same = current && c.updated === current.updated && c.assignee === current.assignee && c.status === current.status
        && JSON.stringify(fresh.restrictions) === JSON.stringify(data?.restrictions);
      const focused = focusNext || document.activeElement?.dataset?.action;
      focusNext = null;
      if (!same) {
        current = c;
        data = fresh;
        draw(fresh);
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
    if (busy) return;
    busy = true;
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
    } finally {
      busy = false;
    }
  }

  function draw({ case: c, context = {}, author_history: history = [], handles = {}, restrictions = [] }) {
    const program = c.program;
    const post = c.post;
    const mine = c.assignee === ctx.user.id;
    document.title = `Case: ${SOURCE_LABEL[c.source] || c.source} · Between`;
    const notes = (c.notes || []).map((n) => ({ ...n, action: "note" }));
    // A note is in the timeline (who, when) and in `notes` (its text): list it once.
    const events = [...(c.timeline || []).filter((t) => t.action !== "note"), ...notes].sort((a, b) => a.ts - b.ts);
    const [reason, rule] = reasonOf({ ...c, reporter_handle: handles[c.reporter] });
    replace(
      body,
      h("div", { className: "staff-head" },
        h("div", {},
          h("a", { href: `#/staff/${encodeURIComponent(program)}`, className: "back" }, "← Queue"),
          h("h1", { id: "case-title", tabIndex: -1 }, SOURCE_LABEL[c.source] || c.source, post ? ` · ${post.author_handle}` : "")),
        staffNav("", program)),
      h("p", { className: "case-line" }, severityPill(c),
        ` ${ownerLabel(ctx, c, handles[c.assignee])} · post ${STATE_LABEL[c.post_state] || c.post_state}${c.room ? ` · ${roomName(ctx, c.room)}` : ""} · opened ${when(c.created)}`,
        c.categories?.length ? ` · ${c.categories.join(", ")}` : "",
        post ? " · " : null, post ? memberLink(program, post.author_id, post.author_handle, `${post.author_handle}'s page`) : null),
      c.delivery ? h("p", { className: "delivery-line" }, deliveryText(c.delivery, handles)) : null,
      status,
      problem,
      h("div", { className: "case-grid" },
        h("div", { className: "case-main" },
          h("section", { className: "panel", "aria-labelledby": "post-title" },
            h("h2", { id: "post-title" }, "The post in context"),
            contextList(context, post, c)),
          h("section", { className: "panel", "aria-labelledby": "why-title" },
            h("h2", { id: "why-title" }, "Why it's here"),
            h("p", { className: "case-reason" }, reason, rule ? h("span", { className: "rule-id" }, ` · ${rule}`) : null),
            otherReasons(c).length
              ? h("ul", { className: "plain-list" }, otherReasons(c).map((r) =>
                  h("li", {}, capitalize(r.explanation || r.category), " ",
                    h("span", { className: "rule-id" }, `· ${r.rule} · severity ${r.severity}`))))
              : null),
          h("section", { className: "panel", "aria-labelledby": "tl-title" },
            h("h2", { id: "tl-title" }, "Timeline and notes"),
            events.length
              ? h("ol", { className: "timeline" }, events.map((t) =>
                  h("li", { className: t.action === "note" ? "tl-note" : "tl-event", "data-action-name": t.action }, timeEl(t.ts),
                    " ", timelineText(ctx, t, handles, c.delivery))))
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
                h("p", { className: "row" },
                  h("a", { href: `#/staff/audit/${encodeURIComponent(program)}?member=${encodeURIComponent(post.author_handle)}` },
                    `Audit log for ${post.author_handle}`)))
            : null),
        h("aside", { className: "case-actions panel", "aria-labelledby": "actions-title" },
          h("h2", { id: "actions-title" }, "Actions"),
          c.status === "resolved"
            ? h("p", { className: "resolved" }, h("strong", {}, "Resolved. "), c.resolution || "")
            : actions(c, mine),
          post ? restrictionsBox(c, restrictions) : null)),
    );
  }

  function deliveryText(d, handles) {
    if (d.acknowledged_at) return `On-call page acknowledged by ${handles[d.acknowledged_by] || "a colleague"} at ${when(d.acknowledged_at)}`;
    const base = DELIVERY_TEXT[d.status] || `On-call page: ${d.status}`;
    return d.status === "delivered" && d.delivered_at ? `${base} at ${when(d.delivered_at)}; not acknowledged yet` : base;
  }

  function restrictionsBox(c, restrictions) {
    const handle = c.post.author_handle;
    const items = restrictions.map((r) => {
      let control = null;
      if (r.kind === "mute") {
        control = h("button", { type: "button", className: "btn btn-small", "data-action": "unmute",
          onclick: () => act("unmute", {}, `${handle} can post again.`) }, "Let them post again");
      } else if (r.scope === "program" || r.room === c.room) {
        control = h("button", { type: "button", className: "btn btn-small", "data-action": `lift-${r.scope}`,
          onclick: () => act("lift", { scope: r.scope }, `Suspension lifted: ${handle} can post again.`) }, "Lift suspension");
      } else {
        control = memberLink(c.program, c.post.author_id, handle, "Lift it from their page");
      }
      return h("li", { className: "restriction" }, h("span", {}, restrictionText(r)), " ", control);
    });
    return h("section", { className: "restrictions", "aria-labelledby": "restr-title", "data-action": "restrictions", tabIndex: -1 },
      h("h3", { id: "restr-title" }, `${handle}'s restrictions`),
      items.length ? h("ul", { className: "plain-list" }, items) : h("p", { className: "hint" }, "None in force."));
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
    return h("ol", { className: "ctx-list", "aria-label": `Messages around the post${c.room ? ` in ${roomName(ctx, c.room)}` : ""}` }, items);
  }

  function button(label, action, onclick, extra = "") {
    return h("button", { type: "button", className: `btn ${extra}`, "data-action": action, onclick }, label);
  }

  function form(title, action, controls, submitLabel, toPayload, done) {
    const f = h("form", {
      className: "action-form",
      onsubmit: (event) => {
        event.preventDefault();
        const payload = toPayload();
        act(action, payload, typeof done === "function" ? done(payload) : done);
      },
    }, controls, h("button", { type: "submit", className: "btn btn-small", "data-action": `${action}-submit` }, submitLabel));
    return h("details", { className: "action", "data-form": action }, h("summary", { "data-action": `${action}-open` }, title), f);
  }

  // Approve (crisis posts ask first): one step that also resolves, unless "keep open" is ticked.
  async function approve(c, decisionNote, keepOpen) {
    const payload = { note: decisionNote.value.trim(), resolve: !keepOpen.checked };
    if (isCrisis(c)) {
      if (!(await confirmCrisisShare(c.room ? roomName(ctx, c.room) : "the room"))) {
        focusAction("approve");
        return;
      }
      payload.confirm_crisis = true;
    }
    act("approve", payload, payload.resolve ? "Approved and resolved: the post is now in the room." : "Approved: the post is now in the room.");
  }

  function focusAction(action) {
    body.querySelector(`[data-action="${action}"]`)?.focus();
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
    const decisionNote = h("input", { maxLength: 2000 });
    const keepOpen = h("input", { type: "checkbox", id: "keep-open" });
    const postOpen = OPEN_POST.has(c.post_state);
    const crisis = isCrisis(c);
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
    const decide = postOpen
      ? h("div", { className: "decision" },
          c.post_state === "held" ? field("Decision note (optional, staff only)", decisionNote) : null,
          h("div", { className: "field check" }, keepOpen,
            h("label", { for: "keep-open" }, "Keep the case open after approving or removing")),
          c.post_state === "held"
            ? button("Approve post", "approve", () => approve(c, decisionNote, keepOpen), crisis ? "" : "btn-primary")
            : null,
          c.post_state === "held" && crisis
            ? h("p", { className: "hint" }, "This post is about a crisis: sharing it asks you to confirm first.")
            : null)
      : null;
    return [
      h("div", { className: "row" },
        mine
          ? button("Release", "release", () => act("release", {}, "Released back to the queue."))
          : button("Claim", "claim", () => act("claim", {}, "Claimed. It's yours for now."), "btn-primary"),
        alert ? button("Acknowledge alert", "acknowledge", () => act("acknowledge", {}, "Alert acknowledged.")) : null),
      decide,
      postOpen ? form("Remove post", "remove", field("Reason (kept in the audit log)", removeReason, toMember), "Remove post",
        () => ({ reason: removeReason.value, resolve: !keepOpen.checked }),
        (payload) => (payload.resolve ? "Removed and resolved. Nobody in the room sees it now." : "Removed. Nobody in the room sees it now.")) : null,
      reachOutLink(c), // a private, two-way check-in with the member (static/js/views/thread.js)
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

  // --- keyboard: j/k walk the program's queue, c/a/r act on this case ---

  async function step(delta) {
    if (!current) return;
    try {
      const { cases } = await ctx.api.queue.cases(current.program);
      const ids = cases.map((c) => c.id);
      const at = ids.indexOf(id);
      const next = ids[at < 0 ? (delta > 0 ? 0 : ids.length - 1) : at + delta];
      if (next) ctx.navigate(`/staff/case/${encodeURIComponent(next)}`);
      else ctx.announce(delta > 0 ? "This is the last case in the queue." : "This is the first case in the queue.");
    } catch (err) {
      ctx.announce(err.message);
    }
  }

  function press(action, missing) {
    return () => {
      const target = body.querySelector(`[data-action="${action}"]`);
      if (target) target.click();
      else ctx.announce(missing);
    };
  }

  const unbind = bindShortcuts([
    { key: "j", label: "Next case in the queue", run: () => step(1) },
    { key: "k", label: "Previous case in the queue", run: () => step(-1) },
    { key: "c", label: "Claim the case", run: press("claim", "This case is already claimed.") },
    { key: "a", label: "Approve the held post (crisis posts ask first)", run: press("approve", "There is no held post to approve.") },
    {
      key: "r",
      label: "Remove the post (asks for a reason)",
      run: () => {
        const details = body.querySelector('details[data-form="remove"]');
        if (!details) return ctx.announce("There is no post to remove.");
        details.open = true;
        details.querySelector("input")?.focus();
      },
    },
  ], { title: "Case shortcuts" });

  const off = ctx.chat.onCase((_event, c) => {
    if (c.id === id && current && c.updated !== current.updated) load();
  });
  load().then(() => body.querySelector("#case-title")?.focus());
  return () => {
    off();
    unbind();
  };
}
