// On-call paging for a program's urgent cases (admins): where the HMAC-signed webhook goes, its
// secret (write-only: never shown again) and how often an unacknowledged case pages again.
// PUT /api/programs/{p}/oncall (service/http/admin.py).

import { field, h, replace } from "../dom.js";
import { programOf, showFailure, staffNav } from "./staff.js";

export function renderOncall(ctx, params) {
  const program = programOf(ctx, params.program);
  const box = h("div", {}, h("p", { className: "empty" }, "Loading…"));
  replace(ctx.main, h("div", { className: "staff page-wide oncall-page" },
    h("div", { className: "staff-head" },
      h("div", {},
        h("a", { href: `#/staff/${encodeURIComponent(program)}`, className: "back" }, "← Queue"),
        h("h1", { id: "oncall-title", tabIndex: -1 }, "On-call paging")),
      staffNav("", program)),
    h("p", { className: "lede" },
      "When a member may be in crisis, Between pages this address at once and again until someone acknowledges. "
      + "Pages carry no message text and no member handle."),
    box));
  document.title = "On-call paging · Between";

  function draw(current) {
    const url = h("input", { type: "url", required: true, maxLength: 2048, value: current?.url || "", autocomplete: "off" });
    const secret = h("input", { type: "password", required: true, minLength: 16, maxLength: 256, autocomplete: "new-password" });
    const realert = h("input", { type: "number", min: 0, max: 1440, step: 1, value: String(current?.realert_minutes ?? 15) });
    const status = h("p", { className: "action-status", role: "status" });
    const problem = h("p", { className: "form-error", role: "alert", hidden: true });
    const form = h("form", {
      className: "panel oncall-form",
      onsubmit: async (event) => {
        event.preventDefault();
        problem.hidden = true;
        status.textContent = "Saving…";
        try {
          await ctx.api.queue.setOncall(program, { url: url.value.trim(), secret: secret.value, realert_minutes: Number(realert.value) });
          secret.value = "";
          status.textContent = "Saved. Urgent cases now page this address.";
        } catch (err) {
          status.textContent = "";
          problem.textContent = err.message;
          problem.hidden = false;
        }
      },
    },
    current ? h("p", { className: "hint" }, `Now paging ${current.url}.`) : h("p", { className: "hint" }, "Nothing is set up yet: urgent cases only show in the app."),
    field("Webhook address (https)", url),
    field("Signing secret", secret, "At least 16 characters; the receiver checks each page's signature with it. It is never shown again."),
    field("Page again after (minutes, 0 = never)", realert),
    h("button", { type: "submit", className: "btn btn-primary" }, "Save"),
    status, problem);
    replace(box, form);
  }

  async function load() {
    if (ctx.user.role !== "admin") {
      replace(box, h("p", { className: "banner banner-info" }, "Only a program admin can set up on-call paging."));
      return;
    }
    try {
      draw((await ctx.api.queue.oncall(program)).oncall);
    } catch (err) {
      showFailure(box, err, load);
    }
  }
  load();
}
