// The counselor's home: open cases in priority order (live), follow-ups due, and what
// happened in each room since the last group session.

import { h, replace, when } from "../dom.js";
import { SOURCE_LABEL, STATE_LABEL, ago, programOf, roomName, severityPill, showFailure, staffNav } from "./staff.js";

function priority(a, b) {
  if (a.urgent !== b.urgent) return a.urgent ? -1 : 1;
  if (a.severity !== b.severity) return b.severity - a.severity;
  return a.created - b.created;
}

export function renderDashboard(ctx, params) {
  const program = programOf(ctx, params.program);
  const cases = new Map();
  const queue = h("div", { className: "queue", "aria-live": "off" });
  const followups = h("div");
  const roomsBox = h("div");
  const updated = h("p", { className: "hint", role: "status" });

  const page = h(
    "div",
    { className: "staff page-wide" },
    h("div", { className: "staff-head" },
      h("h1", { id: "staff-title" }, "Between sessions"),
      staffNav("queue", program)),
    updated,
    h("div", { className: "staff-grid" },
      h("section", { className: "panel", "aria-labelledby": "queue-title" },
        h("h2", { id: "queue-title" }, "Case queue"), queue),
      h("div", { className: "staff-side" },
        h("section", { className: "panel", "aria-labelledby": "fu-title" }, h("h2", { id: "fu-title" }, "Follow-ups due"), followups),
        h("section", { className: "panel", "aria-labelledby": "rooms-title" }, h("h2", { id: "rooms-title" }, "Rooms since last session"), roomsBox))),
  );
  replace(ctx.main, page);
  document.title = "Counselor queue · Between";

  function drawQueue() {
    const list = [...cases.values()].filter((c) => c.status !== "resolved").sort(priority);
    if (!list.length) {
      replace(queue, h("p", { className: "empty" }, "No open cases. Nothing needs you right now."));
      return;
    }
    replace(queue, h("ul", { className: "case-list" }, list.map(caseRow)));
  }

  function caseRow(c) {
    const mine = c.assignee && c.assignee === ctx.user.id;
    return h(
      "li",
      { className: `case-row${c.urgent ? " case-urgent" : ""}`, "data-case": c.id },
      h(
        "a",
        { href: `#/staff/case/${encodeURIComponent(c.id)}`, className: "case-link" },
        h("span", { className: "case-top" }, severityPill(c), h("strong", {}, SOURCE_LABEL[c.source] || c.source),
          c.author ? h("span", {}, ` · ${c.author}`) : null),
        h("span", { className: "case-meta" },
          `${roomName(ctx, c.room)} · ${STATE_LABEL[c.post_state] || c.post_state} · ${ago(c.created)}`,
          c.categories?.length ? ` · ${c.categories.join(", ")}` : ""),
        h("span", { className: "case-owner" }, c.assignee ? (mine ? "Claimed by you" : "Claimed") : "Unclaimed"),
      ),
    );
  }

  function drawInbox(inbox) {
    const due = inbox.followups_due || [];
    replace(
      followups,
      due.length
        ? h("ul", { className: "plain-list" }, due.map((f) =>
            h("li", {},
              h("a", { href: `#/staff/case/${encodeURIComponent(f.case)}` }, f.note || f.kind),
              h("span", { className: "hint" }, ` · ${f.kind.replace(/_/g, " ")} · due ${when(f.due)}`))))
        : h("p", { className: "empty" }, "Nothing due."),
    );
    const rooms = inbox.rooms || [];
    replace(
      roomsBox,
      rooms.length
        ? h("ul", { className: "plain-list" }, rooms.map((r) =>
            h("li", {},
              h("strong", {}, r.name || roomName(ctx, r.room)),
              h("span", { className: "hint" }, ` · ${r.posts} posts · ${r.flags} flagged`),
              r.signals?.length
                ? h("ul", { className: "signals" }, r.signals.map((s) =>
                    h("li", {}, `${s.handle}: ${(s.categories || []).join(", ")} `,
                      h("a", { href: `#/staff/audit/${encodeURIComponent(program)}?member=${encodeURIComponent(s.member)}` }, "history"))))
                : null)))
        : h("p", { className: "empty" }, "No activity yet."),
    );
  }

  async function load() {
    try {
      const [inbox, open] = await Promise.all([ctx.api.review.inbox(program), ctx.api.review.cases(program, "open")]);
      cases.clear();
      for (const c of open.cases || inbox.open_cases || []) cases.set(c.id, c);
      drawQueue();
      drawInbox(inbox);
      updated.textContent = inbox.since ? `Since ${when(inbox.since)}` : "";
    } catch (err) {
      showFailure(queue, err, load);
    }
  }

  const off = ctx.chat.onCase((event, c) => {
    if (c.program !== program) return;
    const isNew = !cases.has(c.id);
    cases.set(c.id, c);
    drawQueue();
    if (isNew && event === "new") ctx.announce(`New ${c.urgent ? "urgent " : ""}case: ${SOURCE_LABEL[c.source] || c.source}`);
  });
  replace(queue, h("p", { className: "empty" }, "Loading…"));
  load();
  return off;
}
