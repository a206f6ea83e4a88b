// The audit log of a program, for people: who (by handle) did what to whom, the case and its status now,
// and why — the person's own words first, the rule id as a detail. Filter by member or staff handle, or
// by case. On a phone the table reads as a list (app.css).

import { field, h, replace, timeEl } from "../dom.js";
import { STATUS_LABEL_AUDIT, actionLabel, actorLabel, capitalize, memberLink, programOf, showFailure, staffNav } from "./staff.js";

const PAGE = 100;
const COLUMNS = ["When", "Who", "Action", "Member", "Case", "Reason"];

function why(e) {
  const said = (e.reason || "").replace(/:\s*$/, "");
  if (e.action === "case.open.report") {
    const words = e.explanation && !/^report by /.test(e.explanation) ? `: “${e.explanation}”` : "";
    return [`Reported by ${e.reporter_handle || "a member"}${words}`, null];
  }
  // Why a case was opened is the rule's explanation (the rule id beside it); later entries say why
  // a person acted, in their own words, or nothing.
  if (!String(e.action).startsWith("case.open.")) return [said, null];
  return [said || capitalize(e.explanation), e.rule];
}

export function renderAudit(ctx, params, query) {
  const program = programOf(ctx, params.program);
  const member = h("input", { name: "member", value: query.get("member") || "", spellcheck: false, autocomplete: "off", maxLength: 64 });
  const actor = h("input", { name: "actor", value: query.get("actor") || "", spellcheck: false, autocomplete: "off", maxLength: 64 });
  const caseId = h("input", { name: "case", value: query.get("case") || "", spellcheck: false, autocomplete: "off", maxLength: 40 });
  const results = h("div", { className: "table-wrap" });
  const more = h("div", { className: "row" });
  let entries = [];
  const filters = h(
    "form",
    {
      className: "filters",
      role: "search",
      "aria-label": "Filter the audit log",
      onsubmit: (event) => {
        event.preventDefault();
        const q = new URLSearchParams();
        for (const [k, el] of [["member", member], ["actor", actor], ["case", caseId]]) if (el.value.trim()) q.set(k, el.value.trim());
        ctx.navigate(`/staff/audit/${encodeURIComponent(program)}${q.toString() ? `?${q}` : ""}`);
      },
    },
    field("Member handle", member), field("Staff handle", actor), field("Case id", caseId),
    h("button", { type: "submit", className: "btn" }, "Filter"),
  );
  replace(
    ctx.main,
    h("div", { className: "staff page-wide" },
      h("div", { className: "staff-head" }, h("h1", {}, "Audit log"), staffNav("audit", program)),
      h("p", { className: "lede" }, "Every moderation decision, who made it and why. Entries can't be edited."),
      filters,
      results,
      more),
  );
  document.title = "Audit log · Between";

  function row(e) {
    const [reason, rule] = why(e);
    // One wrapper per cell: on a phone each cell is a two-column grid (label, content).
    const cell = (label, ...children) => {
      const filled = children.filter((c) => c !== null && c !== undefined && c !== false && c !== "");
      return h("td", { "data-label": label }, filled.length ? h("span", { className: "cell" }, ...filled) : null);
    };
    return h("tr", { "data-entry": e.id },
      cell("When", timeEl(e.ts)),
      cell("Who", actorLabel(ctx, e.actor, e.actor_handle), e.actor_role ? h("span", { className: "hint" }, ` (${e.actor_role})`) : null),
      h("td", { "data-label": "Action", "data-audit-action": e.action, title: e.action },
        h("span", { className: "cell" }, capitalize(actionLabel(e.action)),
          e.categories?.length ? h("span", { className: "hint" }, ` · ${e.categories.join(", ")}`) : null)),
      cell("Member", e.subject
        ? (e.subject_handle ? memberLink(program, e.subject, e.subject_handle) : e.subject)
        : ""),
      cell("Case", e.case
        ? h("a", { href: `#/staff/case/${encodeURIComponent(e.case)}`, className: "case-status-link" },
            "Case", h("span", { className: "visually-hidden" }, " · "),
            h("span", { className: `status-chip status-${e.case_status || "gone"}` }, STATUS_LABEL_AUDIT[e.case_status] || "no longer kept"))
        : ""),
      cell("Reason", reason, rule ? h("span", { className: "rule-id" }, reason ? ` · ${rule}` : rule) : null));
  }

  function draw(nextBefore) {
    if (!entries.length) {
      replace(results, h("p", { className: "empty" }, "No entries match."));
      replace(more);
      return;
    }
    replace(results, h("table", { className: "audit" },
      h("caption", { className: "visually-hidden" }, "Audit entries, newest first"),
      h("thead", {}, h("tr", {}, COLUMNS.map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, entries.map(row))));
    replace(more, nextBefore
      ? h("button", { type: "button", className: "btn btn-small", onclick: () => load(nextBefore) }, "Show older entries")
      : null);
  }

  async function load(before) {
    if (!before) replace(results, h("p", { className: "empty" }, "Loading…"));
    try {
      const page = await ctx.api.review.audit(program, {
        member_handle: member.value.trim(), actor_handle: actor.value.trim(), case: caseId.value.trim(),
        limit: String(PAGE), before: before || "",
      });
      entries = before ? [...entries, ...page.entries] : page.entries;
      draw(page.next_before);
    } catch (err) {
      showFailure(results, err, () => load(before));
    }
  }
  load();
}
