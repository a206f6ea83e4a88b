// One member, for the counselors of their program (#/staff/member/<id>?program=<p>): their cases, the
// counselors' notes, follow-ups, restrictions in force (with "let them post again" / "lift"), check-ins
// once they exist, and a place for private reach-out threads (filled by the outreach view).

import { h, replace, timeEl, when } from "../dom.js";
import { SOURCE_LABEL, programOf, roomName, showFailure, staffNav } from "./staff.js";
import { memberThreads } from "./thread.js";

const KIND_LABEL = { group: "In group", one_on_one: "One-on-one", other: "Other" };

function restrictionText(r) {
  const until = r.until ? `until ${when(r.until)}` : "until lifted";
  if (r.kind === "mute") return `Posting paused everywhere in the program ${until}`;
  return r.scope === "program" ? `Suspended from the whole program ${until}` : `Suspended from ${r.room_name || r.room} ${until}`;
}

export function renderMember(ctx, params, query = new URLSearchParams()) {
  const program = programOf(ctx, query.get("program"));
  const memberId = params.id;
  const body = h("div", { className: "member-body" }, h("p", { className: "empty" }, "Loading…"));
  const status = h("p", { className: "action-status", role: "status" });
  const problem = h("p", { className: "form-error", role: "alert", hidden: true });
  replace(ctx.main, h("div", { className: "staff page-wide member-page" }, body));
  document.title = "Member · Between";
  let busy = false;
  let handle = null;

  async function lift(label, call, done) {
    if (busy) return;
    busy = true;
    problem.hidden = true;
    status.textContent = "Saving…";
    try {
      await call();
      await load();
      status.textContent = done;
      ctx.announce(done);
      body.querySelector("#restrictions-title")?.focus();
    } catch (err) {
      status.textContent = "";
      problem.textContent = err.message || `Could not ${label}.`;
      problem.hidden = false;
    } finally {
      busy = false;
    }
  }

  function section(id, title, content) {
    return h("section", { className: "panel", "aria-labelledby": id }, h("h2", { id, tabIndex: -1 }, title), content);
  }

  function draw(m) {
    handle = m.handle;
    document.title = `${m.handle} · Between`;
    const restrictions = m.restrictions.length
      ? h("ul", { className: "plain-list" }, m.restrictions.map((r) =>
          h("li", { className: "restriction" }, h("span", {}, restrictionText(r)), " ",
            r.kind === "mute"
              ? h("button", { type: "button", className: "btn btn-small", onclick: () =>
                  lift("unmute", () => ctx.api.queue.unmute(program, m.id), `${m.handle} can post again.`) }, "Let them post again")
              : h("button", { type: "button", className: "btn btn-small", onclick: () =>
                  lift("lift the suspension", () => ctx.api.queue.lift(program, m.id, r.scope, r.room),
                    `Suspension lifted: ${m.handle} can post again.`) },
                r.scope === "room" ? `Lift suspension from ${r.room_name || "the room"}` : "Lift program suspension"))))
      : h("p", { className: "hint" }, "None in force. They can post in every room they belong to.");
    const cases = m.cases.length
      ? h("ul", { className: "plain-list member-cases" }, m.cases.map((c) =>
          h("li", {},
            h("a", { href: `#/staff/case/${encodeURIComponent(c.id)}` }, SOURCE_LABEL[c.source] || c.source),
            h("span", { className: `status-chip status-${c.status}` }, c.status),
            h("span", { className: "hint" },
              [c.categories?.length ? c.categories.join(", ") : null, c.room ? roomName(ctx, c.room) : null, when(c.created)]
                .filter(Boolean).map((x) => ` · ${x}`).join("")))))
      : h("p", { className: "empty" }, "No cases.");
    const notes = m.notes.length
      ? h("ul", { className: "plain-list" }, m.notes.map((n) =>
          h("li", { className: "member-note" }, h("p", { className: "msg-text" }, n.text),
            h("span", { className: "hint" }, timeEl(n.ts), ` · ${n.actor_handle || "a counselor"} · `,
              h("a", { href: `#/staff/case/${encodeURIComponent(n.case)}` }, "case")))))
      : h("p", { className: "empty" }, "No notes yet.");
    const followups = m.followups.length
      ? h("ul", { className: "plain-list" }, m.followups.map((f) =>
          h("li", {}, `${KIND_LABEL[f.kind] || f.kind}: ${f.note}`,
            h("span", { className: "hint" }, ` · due ${when(f.due)}${f.done ? " · done" : ""} · `),
            h("a", { href: `#/staff/case/${encodeURIComponent(f.case)}` }, "case"))))
      : h("p", { className: "empty" }, "No follow-ups planned.");
    // Check-ins are not built yet: say where they will appear, and never show made-up ones.
    const checkins = m.checkins?.length
      ? h("ul", { className: "plain-list" }, m.checkins.map((x) => h("li", {}, x.summary || "")))
      : h("p", { className: "empty" }, `Check-ins will appear here once ${m.handle} starts using them.`);
    // Private reach-out threads (counselor ↔ member) are drawn into this container by their own view
    // (service/http/outreach.py); it stays empty until then.
    const threads = h("section", { id: "member-threads", className: "member-threads", "data-member": m.id, "data-program": program, "aria-labelledby": "member-threads-title" },
      memberThreads(ctx, program, m.id, m.handle));
    replace(
      body,
      h("div", { className: "staff-head" },
        h("div", {},
          h("a", { href: `#/staff/${encodeURIComponent(program)}`, className: "back" }, "← Queue"),
          h("h1", { id: "member-title", tabIndex: -1 }, m.handle),
          h("p", { className: "hint" }, `${m.role} · `,
            h("a", { href: `#/staff/audit/${encodeURIComponent(program)}?member=${encodeURIComponent(m.handle)}` }, `Audit log for ${m.handle}`))),
        staffNav("", program)),
      status,
      problem,
      h("div", { className: "member-grid" },
        section("restrictions-title", "Restrictions in force", restrictions),
        section("cases-title", "Cases", cases),
        section("notes-title", "Counselor notes", notes),
        section("followups-title", "Follow-ups", followups),
        section("checkins-title", "Mood and craving check-ins", checkins)),
      threads,
    );
  }

  async function load() {
    try {
      draw(await ctx.api.queue.member(program, memberId));
    } catch (err) {
      showFailure(body, err, load);
    }
  }

  const off = ctx.chat.onCase((_event, c) => {
    if (c.program === program && handle && c.author === handle && !busy) load();
  });
  load().then(() => body.querySelector("#member-title")?.focus());
  return off;
}
