// Pieces of the counselor dashboard (views/dashboard.js): one queue card, and the side panels
// (follow-ups due, each room since the last visit, the missing on-call warning).

import { field, h, replace, when } from "../dom.js";
import { SOURCE_LABEL, STATE_LABEL, ago, ownerLabel, reasonOf, roomName, severityPill } from "./staff.js";

export const OPEN_POST = new Set(["held", "pending", "published"]);
const BULK_MAX_SEVERITY = 2; // service/actions/review.py BULK_MAX_SEVERITY

/** A case the bulk bar may take: not a crisis, low severity, still open, not a colleague's. */
export function bulkable(ctx, c) {
  return !c.crisis && !c.urgent && c.severity <= BULK_MAX_SEVERITY && c.status !== "resolved"
    && (!c.assignee || c.assignee === ctx.user.id);
}

/**
 * One card: the post as the group saw it, why it is here, who has it, and the one-click decisions.
 * `state` is {selected: Set, notes: Map, current, busy}; `on` is {pick(c, checked), note(c, text),
 * claim(c), approve(c), remove(c)}.
 */
export function queueCard(ctx, c, state, on) {
  const held = c.post_state === "held";
  const colleague = c.assignee && c.assignee !== ctx.user.id;
  const who = c.author || "a member";
  const [reason, rule] = reasonOf(c);
  const button = (label, action, aria, onclick, extra = "") =>
    h("button", { type: "button", className: `btn btn-small ${extra}`, "data-focus": action, "data-action": action,
      "aria-label": aria, disabled: state.busy, onclick }, label);
  const pick = bulkable(ctx, c)
    ? h("input", { type: "checkbox", className: "case-pick", checked: state.selected.has(c.id), "data-focus": "pick",
        "aria-label": `Select ${who}'s ${(SOURCE_LABEL[c.source] || c.source).toLowerCase()}`,
        onchange: (e) => on.pick(c, e.target.checked) })
    : null;
  const note = h("input", { maxLength: 2000, value: state.notes.get(c.id) || "", "data-focus": "note",
    oninput: (e) => on.note(c, e.target.value) });
  const actions = [];
  if (c.status !== "resolved" && !colleague) {
    if (!c.assignee) actions.push(button("Claim", "claim", `Claim ${who}'s case`, () => on.claim(c)));
    // A crisis post's Approve is never the inviting, primary button: it asks first anyway.
    if (held) actions.push(button("Approve", "approve", `Approve ${who}'s post and resolve`, () => on.approve(c), c.crisis ? "" : "btn-primary"));
    if (OPEN_POST.has(c.post_state)) actions.push(button("Remove", "remove", `Remove ${who}'s post and resolve`, () => on.remove(c)));
  }
  return h(
    "li",
    { className: `case-row case-card${c.urgent ? " case-urgent" : ""}${c.assignee ? " case-claimed" : ""}${c.id === state.current ? " is-current" : ""}`,
      "data-case": c.id },
    h("div", { className: "case-top" }, pick, severityPill(c),
      h("a", { href: `#/staff/case/${encodeURIComponent(c.id)}`, className: "case-title", "data-focus": "link" },
        SOURCE_LABEL[c.source] || c.source, c.author ? ` · ${c.author}` : ""),
      h("span", { className: "case-owner" }, ownerLabel(ctx, c))),
    h("p", { className: "case-meta" },
      [c.room ? roomName(ctx, c.room) : null, STATE_LABEL[c.post_state] || c.post_state, ago(c.created),
        c.categories?.length ? c.categories.join(", ") : null].filter(Boolean).join(" · ")),
    c.text !== null && c.text !== undefined
      ? h("blockquote", { className: "case-text" }, c.text,
          c.masked ? h("span", { className: "hint" }, " (contact details hidden, as the group saw it)") : null)
      : h("p", { className: "hint" }, "The post's text is no longer kept."),
    h("p", { className: "case-reason" }, h("span", { className: "visually-hidden" }, "Why it's here: "), reason,
      rule ? h("span", { className: "rule-id" }, ` · ${rule}`) : null),
    actions.length
      ? h("div", { className: "case-actions-row" }, held ? field("Note (optional)", note) : null, h("div", { className: "row" }, actions))
      : null,
  );
}

/** Follow-ups due, soonest first. */
export function drawFollowups(ctx, el, due) {
  replace(
    el,
    due.length
      ? h("ul", { className: "plain-list" }, [...due].sort((a, b) => a.due - b.due).map((f) =>
          h("li", { className: "followup" },
            h("a", { href: `#/staff/case/${encodeURIComponent(f.case)}` }, f.note || f.kind),
            h("span", { className: "hint" },
              ` · ${f.kind.replace(/_/g, " ")}${f.author ? ` with ${f.author}` : ""}${f.room ? ` · ${roomName(ctx, f.room)}` : ""} · due ${when(f.due)}`))))
      : h("p", { className: "empty" }, "Nothing due in the next day."),
  );
}

/** Each room since the last visit: posts, flags, and members to check on (with their page and history). */
export function drawRooms(ctx, el, program, rooms) {
  replace(
    el,
    rooms.length
      ? h("ul", { className: "plain-list" }, rooms.map((r) =>
          h("li", { className: "room-activity", "data-room": r.room },
            h("strong", {}, r.name || roomName(ctx, r.room)),
            h("span", { className: "hint" }, ` · ${r.posts} ${r.posts === 1 ? "post" : "posts"} · ${r.flags} flagged`),
            r.signals?.length
              ? h("ul", { className: "signals", "aria-label": `Members to check on in ${r.name || roomName(ctx, r.room)}` }, r.signals.map((s) =>
                  h("li", {}, h("span", { className: "signal-who" }, s.handle), ` · ${(s.categories || []).join(", ")} · `,
                    h("a", { href: `#/staff/member/${encodeURIComponent(s.member)}?program=${encodeURIComponent(program)}`,
                      "aria-label": `${s.handle}'s page` }, "member page"), " · ",
                    h("a", { href: `#/staff/audit/${encodeURIComponent(program)}?member=${encodeURIComponent(s.handle)}`,
                      "aria-label": `History of ${s.handle}` }, "history"))))
              : null)))
      : h("p", { className: "empty" }, "No rooms yet."),
  );
}

/** "Since 7:40 PM: 3 new cases, 1 resolved." */
export function drawSummary(el, inbox) {
  const fresh = (inbox.new_cases || []).length;
  const resolved = inbox.resolved_since || 0;
  el.textContent = inbox.since ? `Since ${when(inbox.since)}: ${fresh} new ${fresh === 1 ? "case" : "cases"}, ${resolved} resolved.` : "";
}

/** Without an on-call contact, urgent cases page nobody outside the app: say so, and where to fix it. */
export function drawOncall(el, program, state) {
  if (!state || state.configured) {
    replace(el);
    return;
  }
  replace(el, h("div", { className: "banner banner-warn oncall-missing", role: "note" },
    h("div", {},
      h("strong", { className: "banner-title" }, "No on-call contact is set up"),
      "Urgent cases will not page anyone outside the app: they only show up here, for whoever is signed in. ",
      state.can_configure
        ? h("a", { href: `#/staff/oncall/${encodeURIComponent(program)}` }, "Set up on-call paging")
        : "Ask a program admin to set up on-call paging.")));
}
