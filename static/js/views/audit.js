// The audit log of a program, filtered by member, case or actor.

import { field, h, replace, timeEl } from "../dom.js";
import { actionLabel, actorLabel, programOf, showFailure, staffNav } from "./staff.js";

export function renderAudit(ctx, params, query) {
  const program = programOf(ctx, params.program);
  const member = h("input", { name: "member", value: query.get("member") || "", spellcheck: false });
  const caseId = h("input", { name: "case", value: query.get("case") || "", spellcheck: false });
  const actor = h("input", { name: "actor", value: query.get("actor") || "", spellcheck: false });
  const results = h("div", { className: "table-wrap" });
  const filters = h(
    "form",
    {
      className: "filters",
      onsubmit: (event) => {
        event.preventDefault();
        const q = new URLSearchParams();
        for (const [k, el] of [["member", member], ["case", caseId], ["actor", actor]]) if (el.value.trim()) q.set(k, el.value.trim());
        ctx.navigate(`/staff/audit/${encodeURIComponent(program)}?${q}`);
      },
    },
    field("Member id", member), field("Case id", caseId), field("Actor id", actor),
    h("button", { type: "submit", className: "btn" }, "Filter"),
  );
  replace(
    ctx.main,
    h("div", { className: "staff page-wide" },
      h("div", { className: "staff-head" }, h("h1", {}, "Audit log"), staffNav("audit", program)),
      h("p", { className: "lede" }, "Every moderation decision, who made it and why. Entries can't be edited."),
      filters,
      results),
  );
  document.title = "Audit log · Between";

  async function load() {
    replace(results, h("p", { className: "empty" }, "Loading…"));
    try {
      const { entries } = await ctx.api.review.audit(program, {
        member: member.value.trim(), case: caseId.value.trim(), actor: actor.value.trim(), limit: "200",
      });
      if (!entries.length) {
        replace(results, h("p", { className: "empty" }, "No entries match."));
        return;
      }
      replace(results, h("table", { className: "audit" },
        h("caption", { className: "visually-hidden" }, "Audit entries, newest first"),
        h("thead", {}, h("tr", {}, ["When", "Who", "Action", "Member", "Case", "Reason"].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, entries.map((e) =>
          h("tr", {},
            h("td", {}, timeEl(e.ts)),
            h("td", {}, actorLabel(ctx, e.actor), h("span", { className: "hint" }, ` (${e.actor_role})`)),
            h("td", { "data-audit-action": e.action, title: e.action }, actionLabel(e.action),
              e.categories?.length ? h("span", { className: "hint" }, ` · ${e.categories.join(", ")}`) : null),
            h("td", {}, e.subject || ""),
            h("td", {}, e.case ? h("a", { href: `#/staff/case/${encodeURIComponent(e.case)}` }, "open") : ""),
            h("td", {}, (e.reason || "").replace(/:\s*$/, "") || e.rule || ""))))));
    } catch (err) {
      showFailure(results, err, load);
    }
  }
  load();
}
