// The counselor's home: the case queue as cards (the post as the group would see it, why it is here,
// one-click decisions, bulk decisions for low-severity holds, server-side filters kept in the URL,
// keyboard shortcuts), follow-ups due, and what happened in each room since the counselor last looked.

import { field, h, replace } from "../dom.js";
import { bindShortcuts } from "../shortcuts.js";
import { OPEN_POST, bulkable, drawFollowups, drawOncall, drawRooms, drawSummary, queueCard } from "./queue_parts.js";
import { SOURCE_LABEL, confirmCrisisShare, programOf, roomName, showFailure, staffNav } from "./staff.js";

const REFRESH_DEBOUNCE_MS = 250;
const CATEGORIES = ["crisis", "harassment", "sourcing", "relapse", "contact", "spam"];
const STATUSES = [["", "Open (claimed or not)"], ["unclaimed", "Unclaimed"], ["claimed", "Claimed"],
  ["resolved", "Resolved"], ["all", "All recent"]];
const FILTER_KEYS = ["status", "category", "room", "urgent", "q"];

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

export function renderDashboard(ctx, params, query = new URLSearchParams()) {
  const program = programOf(ctx, params.program);
  const filters = Object.fromEntries(FILTER_KEYS.map((k) => [k, query.get(k) || ""]));
  let cards = []; // in server order (priority)
  const nodes = new Map(); // case id -> {el, sig}
  const notes = new Map(); // case id -> the note typed on its card (kept across redraws)
  const selected = new Set(); // case ids ticked for a bulk decision
  let current = null; // case id of the card the keyboard is on
  let refreshTimer = null;
  let listTimer = null;
  let loading = 0;

  const queue = h("div", { className: "queue" });
  const status = h("p", { className: "action-status", role: "status" });
  const problem = h("p", { className: "form-error", role: "alert", hidden: true });
  const followups = h("div");
  const roomsBox = h("div");
  const summary = h("p", { className: "lede" });
  const oncallBox = h("div");

  // --- filters (server-side; kept in the URL so a reload or a shared link shows the same queue) ---
  const statusSel = h("select", { name: "status" }, STATUSES.map(([v, label]) => h("option", { value: v }, label)));
  const categorySel = h("select", { name: "category" }, h("option", { value: "" }, "Any"),
    CATEGORIES.map((c) => h("option", { value: c }, c)));
  const roomSel = h("select", { name: "room" }, h("option", { value: "" }, "Any room"));
  const urgentBox = h("input", { type: "checkbox", name: "urgent", id: "f-urgent" });
  const search = h("input", { type: "search", name: "q", maxLength: 64, spellcheck: false, autocomplete: "off" });
  statusSel.value = filters.status;
  categorySel.value = CATEGORIES.includes(filters.category) ? filters.category : "";
  urgentBox.checked = filters.urgent === "true";
  search.value = filters.q;
  const filterForm = h(
    "form",
    { className: "filters queue-filters", role: "search", "aria-label": "Filter the queue", onsubmit: (e) => { e.preventDefault(); applyFilters(); } },
    field("Status", statusSel), field("Category", categorySel), field("Room", roomSel),
    h("div", { className: "field check" }, urgentBox, h("label", { for: "f-urgent" }, "Urgent only")),
    field("Member", search),
    h("div", { className: "row" },
      h("button", { type: "submit", className: "btn btn-small" }, "Search"),
      h("button", { type: "button", className: "btn btn-small btn-quiet", onclick: clearFilters }, "Clear")),
  );
  for (const el of [statusSel, categorySel, roomSel, urgentBox]) el.addEventListener("change", applyFilters);

  // --- bulk bar ---
  const bulkNote = h("input", { maxLength: 2000, name: "bulk-note" });
  const bulkCount = h("strong", { className: "bulk-count" });
  const bulkApprove = h("button", { type: "button", className: "btn btn-small btn-primary", onclick: () => bulk("approve") }, "Approve selected");
  const bulkDismiss = h("button", { type: "button", className: "btn btn-small", onclick: () => bulk("dismiss") }, "Dismiss selected");
  const bulkHint = h("p", { className: "hint", id: "bulk-hint" },
    "Dismiss closes the cases: held posts stay out of the room, published ones stay as they are. Crisis cases are never in a batch.");
  const bulkBar = h(
    "div",
    { className: "bulk-bar", role: "region", "aria-label": "Decide on selected cases", hidden: true },
    bulkCount, field("Note for all (optional, staff only)", bulkNote),
    h("div", { className: "row" }, bulkApprove, bulkDismiss,
      h("button", { type: "button", className: "btn btn-small btn-quiet", onclick: () => { selected.clear(); drawQueue(); } }, "Clear selection")),
    bulkHint,
  );

  const page = h(
    "div",
    { className: "staff page-wide" },
    h("div", { className: "staff-head" },
      h("h1", { id: "staff-title" }, "Between sessions"),
      staffNav("queue", program)),
    summary,
    oncallBox,
    h("div", { className: "staff-grid" },
      h("section", { className: "panel", "aria-labelledby": "queue-title" },
        h("div", { className: "panel-head" },
          h("h2", { id: "queue-title", tabIndex: -1 }, "Case queue"),
          h("p", { className: "hint shortcut-hint" }, "Press ", h("kbd", {}, "?"), " for keyboard shortcuts")),
        filterForm, bulkBar, status, problem, queue),
      h("div", { className: "staff-side" },
        h("section", { className: "panel", "aria-labelledby": "fu-title" }, h("h2", { id: "fu-title" }, "Follow-ups due"), followups),
        h("section", { className: "panel", "aria-labelledby": "rooms-title" }, h("h2", { id: "rooms-title" }, "Rooms since last session"), roomsBox))),
  );
  replace(ctx.main, page);
  document.title = "Counselor queue · Between";

  function drawRoomOptions(rooms) {
    replace(roomSel, h("option", { value: "" }, "Any room"), rooms.map((r) => h("option", { value: r.room }, r.name || roomName(ctx, r.room))));
    roomSel.value = filters.room;
  }

  function filterValues() {
    return { status: statusSel.value, category: categorySel.value, room: roomSel.value, urgent: urgentBox.checked ? "true" : "", q: search.value.trim() };
  }

  function applyFilters() {
    Object.assign(filters, filterValues());
    const q = new URLSearchParams();
    for (const k of FILTER_KEYS) if (filters[k]) q.set(k, filters[k]);
    const hash = `#/staff/${encodeURIComponent(program)}${q.toString() ? `?${q}` : ""}`;
    // Back and forward walk through filter changes (hashchange re-renders from the URL); no re-render now.
    if (location.hash !== hash) history.pushState(null, "", hash);
    selected.clear();
    loadCards();
  }

  function clearFilters() {
    statusSel.value = categorySel.value = roomSel.value = search.value = "";
    urgentBox.checked = false;
    applyFilters();
  }

  // --- cards ---

  function sig(c) {
    return [c.updated, c.status, c.assignee, c.post_state, c.urgent, selected.has(c.id), loading].join("|");
  }

  const cardActions = {
    pick: (c, checked) => {
      if (checked) selected.add(c.id);
      else selected.delete(c.id);
      drawBulk();
    },
    note: (c, text) => notes.set(c.id, text),
    claim: (c) => claim(c),
    approve: (c) => approve(c),
    remove: (c) => remove(c),
  };

  function visible() {
    return cards.filter((c) => filters.status === "resolved" || filters.status === "all" || c.status !== "resolved");
  }

  function drawQueue() {
    const list = visible();
    const focusedCase = document.activeElement?.closest?.("[data-case]")?.dataset.case;
    const focusedKey = document.activeElement?.dataset?.focus;
    if (!list.length) {
      nodes.clear();
      const filtered = FILTER_KEYS.some((k) => filters[k]);
      replace(queue, h("p", { className: "empty" }, filtered ? "No cases match these filters." : "No open cases. Nothing needs you right now."));
      drawBulk();
      return;
    }
    let ul = queue.querySelector("ul.case-list");
    if (!ul) {
      ul = h("ul", { className: "case-list" });
      replace(queue, ul);
    }
    ul.setAttribute("aria-label", `${list.length} ${list.length === 1 ? "case" : "cases"}`);
    const keep = new Set(list.map((c) => c.id));
    for (const id of [...nodes.keys()]) if (!keep.has(id)) { nodes.get(id).el.remove(); nodes.delete(id); }
    list.forEach((c, i) => {
      let node = nodes.get(c.id);
      if (!node || node.sig !== sig(c)) {
        const el = queueCard(ctx, c, { selected, notes, current, busy: loading > 0 }, cardActions);
        if (node) node.el.replaceWith(el);
        node = { el, sig: sig(c) };
        nodes.set(c.id, node);
      }
      node.el.classList.toggle("is-current", c.id === current);
      if (ul.children[i] !== node.el) ul.insertBefore(node.el, ul.children[i] || null);
    });
    // A redrawn card gets its focus back, so a live update never throws the keyboard off.
    if (focusedCase && !queue.contains(document.activeElement)) {
      const el = nodes.get(focusedCase)?.el;
      const target = el?.querySelector(`[data-focus="${focusedKey}"]:not([disabled])`) || el?.querySelector("[data-focus=link]");
      target?.focus();
    }
    drawBulk();
  }

  function drawBulk() {
    for (const id of [...selected]) {
      const c = cards.find((x) => x.id === id);
      if (!c || !bulkable(ctx, c)) selected.delete(id);
    }
    const picked = cards.filter((c) => selected.has(c.id));
    bulkBar.hidden = picked.length === 0;
    bulkCount.textContent = `${picked.length} selected`;
    const allHeld = picked.every((c) => c.post_state === "held");
    bulkApprove.disabled = loading > 0 || !allHeld;
    bulkApprove.title = allHeld ? "" : "Only held posts can be approved";
    bulkDismiss.disabled = loading > 0;
  }

  // --- decisions ---

  async function run(work, done, focusAfter) {
    problem.hidden = true;
    status.textContent = "Saving…";
    loading += 1;
    drawQueue();
    try {
      await work();
      status.textContent = done;
      ctx.announce(done);
    } catch (err) {
      status.textContent = "";
      problem.textContent = err.status === 409 ? `${err.message}. Someone else may be working on it.` : err.message;
      problem.hidden = false;
    } finally {
      loading -= 1;
      await loadCards();
      if (focusAfter) focusAfter();
    }
  }

  /** After a card leaves the queue, the keyboard lands on the next one (or the previous, or the heading). */
  function focusNear(id) {
    const before = visible().map((c) => c.id);
    const at = before.indexOf(id);
    return () => {
      const still = new Set(visible().map((c) => c.id));
      if (still.has(id)) return focusCard(id);
      const next = before.slice(at + 1).find((x) => still.has(x)) || before.slice(0, Math.max(at, 0)).reverse().find((x) => still.has(x));
      if (next) focusCard(next);
      else page.querySelector("#queue-title")?.focus();
    };
  }

  function claim(c) {
    return run(() => ctx.api.review.act(c.id, "claim", {}), `Claimed ${c.author || "the"} case. It's yours for now.`, () => focusCard(c.id));
  }

  async function approve(c) {
    if (c.post_state !== "held") return;
    const room = c.room ? roomName(ctx, c.room) : "the room";
    const body = { note: notes.get(c.id) || "" };
    if (c.crisis) {
      if (!(await confirmCrisisShare(room))) {
        focusCard(c.id, "approve");
        return;
      }
      body.confirm_crisis = true;
    }
    return run(() => ctx.api.review.act(c.id, "approve", body), `Approved and resolved: ${c.author || "the member"}'s post is now in ${room}.`, focusNear(c.id));
  }

  function remove(c) {
    const note = notes.get(c.id) || "";
    return run(() => ctx.api.review.act(c.id, "remove", { note }), `Removed and resolved: nobody in the room sees ${c.author || "the member"}'s post.`, focusNear(c.id));
  }

  async function bulk(action) {
    const ids = cards.filter((c) => selected.has(c.id)).map((c) => c.id);
    if (!ids.length) return;
    const note = bulkNote.value.trim();
    let outcome = "";
    await run(async () => {
      const result = await ctx.api.queue.bulk(program, action, ids, note);
      const verb = action === "approve" ? "Approved and resolved" : "Dismissed";
      outcome = `${verb} ${result.done.length} ${result.done.length === 1 ? "case" : "cases"}.`;
      if (result.failed.length) outcome += ` ${result.failed.length} could not be changed (someone else may have them).`;
      selected.clear();
      bulkNote.value = "";
    }, "", () => page.querySelector("#queue-title")?.focus());
    if (outcome) {
      status.textContent = outcome;
      ctx.announce(outcome);
    }
  }

  // --- keyboard ---

  function focusCard(id, key = "link") {
    current = id;
    for (const [cid, node] of nodes) node.el.classList.toggle("is-current", cid === id);
    const el = nodes.get(id)?.el;
    if (!el) return;
    (el.querySelector(`[data-focus="${key}"]:not([disabled])`) || el.querySelector("[data-focus=link]"))?.focus();
    el.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    const list = visible();
    if (!list.length) return;
    const at = list.findIndex((c) => c.id === current);
    const next = at < 0 ? (step > 0 ? 0 : list.length - 1) : Math.min(Math.max(at + step, 0), list.length - 1);
    focusCard(list[next].id);
  }

  function onCurrent(fn) {
    return () => {
      const c = visible().find((x) => x.id === current);
      if (c) fn(c);
      else ctx.announce("Move to a case first with j or k.");
    };
  }

  queue.addEventListener("focusin", (event) => {
    const id = event.target.closest?.("[data-case]")?.dataset.case;
    if (id && id !== current) {
      current = id;
      for (const [cid, node] of nodes) node.el.classList.toggle("is-current", cid === id);
    }
  });

  const unbind = bindShortcuts([
    { key: "j", label: "Next case", run: () => move(1) },
    { key: "k", label: "Previous case", run: () => move(-1) },
    { key: "c", label: "Claim the case", run: onCurrent((c) => (c.assignee ? ctx.announce("This case is already claimed.") : claim(c))) },
    { key: "a", label: "Approve the held post and resolve (crisis posts ask first)", run: onCurrent((c) => (c.post_state === "held" && !(c.assignee && c.assignee !== ctx.user.id) ? approve(c) : ctx.announce("Only a held post can be approved."))) },
    { key: "r", label: "Remove the post and resolve", run: onCurrent((c) => (OPEN_POST.has(c.post_state) && !(c.assignee && c.assignee !== ctx.user.id) ? remove(c) : ctx.announce("There is no post to remove."))) },
    { key: "x", label: "Select the case for a bulk decision", run: onCurrent((c) => { if (!bulkable(ctx, c)) return ctx.announce("Crisis and high-severity cases are decided one at a time."); if (selected.has(c.id)) selected.delete(c.id); else selected.add(c.id); drawQueue(); focusCard(c.id, "pick"); }) },
    { key: "o", label: "Open the case", run: onCurrent((c) => ctx.navigate(`/staff/case/${encodeURIComponent(c.id)}`)) },
    { key: "/", label: "Search by member", run: () => search.focus() },
  ], { title: "Queue shortcuts" });

  // --- side panels ---

  function drawSide(inbox) {
    drawFollowups(ctx, followups, inbox.followups_due || []);
    drawRooms(ctx, roomsBox, program, inbox.rooms || []);
    drawSummary(summary, inbox);
  }

  async function loadCards() {
    clearTimeout(listTimer);
    try {
      const answer = await ctx.api.queue.cases(program, { ...filters, urgent: filters.urgent === "true" ? "true" : "" });
      cards = answer.cases || [];
      if (current && !cards.some((c) => c.id === current)) current = null;
      drawQueue();
    } catch (err) {
      nodes.clear();
      showFailure(queue, err, loadCards);
    }
  }

  async function load() {
    try {
      const since = storedSince(ctx, program);
      const [inbox, oncall] = await Promise.all([
        ctx.api.review.inbox(program, since),
        ctx.api.queue.oncallStatus(program).catch(() => null),
        loadCards(),
      ]);
      if (!since && inbox.since) keepSince(ctx, program, inbox.since);
      drawRoomOptions(inbox.rooms || []);
      drawSide(inbox);
      drawOncall(oncallBox, program, oncall);
    } catch (err) {
      showFailure(queue, err, load);
    }
  }

  // Case events: the cards are re-read (with the filters, and the post text the event does not carry),
  // and the side panels shortly after, once per burst of events.
  function refreshSoon() {
    clearTimeout(listTimer);
    listTimer = setTimeout(loadCards, 50);
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(async () => {
      try {
        drawSide(await ctx.api.review.inbox(program, storedSince(ctx, program)));
      } catch {
        /* the queue itself is live; the side panels catch up on the next event or visit */
      }
    }, REFRESH_DEBOUNCE_MS);
  }

  const off = ctx.chat.onCase((event, c) => {
    if (c.program !== program) return;
    const known = cards.find((x) => x.id === c.id);
    if (known && c.status === "resolved") {
      known.status = "resolved"; // gone from the working queue at once; the re-read confirms it
      drawQueue();
    }
    refreshSoon();
    if (!known && event === "new") {
      ctx.announce(`New ${c.urgent ? "urgent " : ""}case: ${SOURCE_LABEL[c.source] || c.source}${c.author ? ` from ${c.author}` : ""}`);
    }
  });
  replace(queue, h("p", { className: "empty" }, "Loading…"));
  load();
  return () => {
    off();
    unbind();
    clearTimeout(refreshTimer);
    clearTimeout(listTimer);
  };
}
