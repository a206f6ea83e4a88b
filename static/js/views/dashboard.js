// The counselor's home: open cases in priority order (live), follow-ups due, and what
// happened in each room since the counselor last looked (GET /api/programs/{p}/inbox).

import { h, replace, when } from "../dom.js";
import { SOURCE_LABEL, STATE_LABEL, ago, ownerLabel, programOf, roomName, severityPill, showFailure, staffNav } from "./staff.js";

const REFRESH_DEBOUNCE_MS = 250;

function priority(a, b) {
  if (a.urgent !== b.urgent) return a.urgent ? -1 : 1;
  if (a.severity !== b.severity) return b.severity - a.severity;
  return a.created - b.created;
}

// The server moves "last visit" on every inbox read. Within one tab the first answer's
// `since` is kept, so going to a case and back does not empty "since last session".
function sinceKey(ctx, program) {
  return `between:inbox-since:${ctx.user.id}:${program}`;
}

function storedSince(ctx, program) {
  try {
    return Number(sessionStorage.getItem(sinceKey(ctx, program))) || null;
  } catch {
    return null;
  }
}

function keepSince(ctx, program, since) {
  try {
    sessionStorage.setItem(sinceKey(ctx, program), String(since));
  } catch {
    /* storage disabled: each visit starts from the server's last-visit mark */
  }
}

export function renderDashboard(ctx, params) {
  const program = programOf(ctx, params.program);
  const cases = new Map();
  const queue = h("div", { className: "queue", "aria-live": "off" });
  const followups = h("div");
  const roomsBox = h("div");
  const summary = h("p", { className: "lede" });
  let refreshTimer = null;

  const page = h(
    "div",
    { className: "staff page-wide" },
    h("div", { className: "staff-head" },
      h("h1", { id: "staff-title" }, "Between sessions"),
      staffNav("queue", program)),
    summary,
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
    replace(queue, h("ul", { className: "case-list", "aria-label": `${list.length} open ${list.length === 1 ? "case" : "cases"}` }, list.map(caseRow)));
  }

  function caseRow(c) {
    const owner = ownerLabel(ctx, c);
    return h(
      "li",
      { className: `case-row${c.urgent ? " case-urgent" : ""}${c.assignee ? " case-claimed" : ""}`, "data-case": c.id },
      h(
        "a",
        { href: `#/staff/case/${encodeURIComponent(c.id)}`, className: "case-link" },
        h("span", { className: "case-top" }, severityPill(c), h("strong", {}, SOURCE_LABEL[c.source] || c.source),
          c.author ? h("span", {}, ` · ${c.author}`) : null),
        h("span", { className: "case-meta" },
          `${roomName(ctx, c.room)} · ${STATE_LABEL[c.post_state] || c.post_state} · ${ago(c.created)}`,
          c.categories?.length ? ` · ${c.categories.join(", ")}` : ""),
        h("span", { className: "case-owner" }, owner),
      ),
    );
  }

  function drawFollowups(due) {
    replace(
      followups,
      due.length
        ? h("ul", { className: "plain-list" }, [...due].sort((a, b) => a.due - b.due).map((f) =>
            h("li", { className: "followup" },
              h("a", { href: `#/staff/case/${encodeURIComponent(f.case)}` }, f.note || f.kind),
              h("span", { className: "hint" },
                ` · ${f.kind.replace(/_/g, " ")}${f.author ? ` with ${f.author}` : ""}${f.room ? ` · ${roomName(ctx, f.room)}` : ""} · due ${when(f.due)}`))))
        : h("p", { className: "empty" }, "Nothing due in the next day."),
    );
  }

  function drawRooms(rooms) {
    replace(
      roomsBox,
      rooms.length
        ? h("ul", { className: "plain-list" }, rooms.map((r) =>
            h("li", { className: "room-activity", "data-room": r.room },
              h("strong", {}, r.name || roomName(ctx, r.room)),
              h("span", { className: "hint" }, ` · ${r.posts} ${r.posts === 1 ? "post" : "posts"} · ${r.flags} flagged`),
              r.signals?.length
                ? h("ul", { className: "signals", "aria-label": `Members to check on in ${r.name || roomName(ctx, r.room)}` }, r.signals.map((s) =>
                    h("li", {}, h("span", { className: "signal-who" }, s.handle), ` · ${(s.categories || []).join(", ")} · `,
                      h("a", { href: `#/staff/audit/${encodeURIComponent(program)}?member=${encodeURIComponent(s.member)}`,
                        "aria-label": `History of ${s.handle}` }, "history"))))
                : null)))
        : h("p", { className: "empty" }, "No rooms yet."),
    );
  }

  function drawSummary(inbox) {
    const fresh = (inbox.new_cases || []).length;
    const resolved = inbox.resolved_since || 0;
    summary.textContent = inbox.since
      ? `Since ${when(inbox.since)}: ${fresh} new ${fresh === 1 ? "case" : "cases"}, ${resolved} resolved.`
      : "";
  }

  async function load() {
    try {
      const since = storedSince(ctx, program);
      const [inbox, open] = await Promise.all([ctx.api.review.inbox(program, since), ctx.api.review.cases(program, "open")]);
      if (!since && inbox.since) keepSince(ctx, program, inbox.since);
      cases.clear();
      for (const c of open.cases || inbox.open_cases || []) cases.set(c.id, c);
      drawQueue();
      drawFollowups(inbox.followups_due || []);
      drawRooms(inbox.rooms || []);
      drawSummary(inbox);
    } catch (err) {
      showFailure(queue, err, load);
    }
  }

  // Case events change the queue at once; the side panels (follow-ups, room signals) are
  // re-read shortly after, once per burst of events.
  function refreshSoon() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(async () => {
      try {
        const inbox = await ctx.api.review.inbox(program, storedSince(ctx, program));
        drawFollowups(inbox.followups_due || []);
        drawRooms(inbox.rooms || []);
        drawSummary(inbox);
      } catch {
        /* the queue itself is live; the side panels catch up on the next event or visit */
      }
    }, REFRESH_DEBOUNCE_MS);
  }

  const off = ctx.chat.onCase((event, c) => {
    if (c.program !== program) return;
    const isNew = !cases.has(c.id);
    cases.set(c.id, c);
    drawQueue();
    refreshSoon();
    if (isNew && event === "new") {
      ctx.announce(`New ${c.urgent ? "urgent " : ""}case: ${SOURCE_LABEL[c.source] || c.source}${c.author ? ` from ${c.author}` : ""}`);
    }
  });
  replace(queue, h("p", { className: "empty" }, "Loading…"));
  load();
  return () => {
    off();
    clearTimeout(refreshTimer);
  };
}
