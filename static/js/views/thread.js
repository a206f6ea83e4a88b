// Private check-ins: one member and the counselors of their program (service/http/outreach.py).
// #/outreach/<id> is a thread, #/outreach/mine the member's list, #/outreach/new?case=… (or
// ?program=…&member=…) a counselor's first message. It is not peer messaging: members only ever
// answer threads a counselor started for them. Also exported: the quiet "a counselor wants to check in"
// banner every member view shows, and the counselor's "Reach out privately" links.

import { newClientId } from "../ids.js";
import { h, replace, timeEl, when } from "../dom.js";

const STAFF = new Set(["counselor", "admin"]);
const FIRST_MESSAGE = "Hi, it's a counselor from your program. I wanted to check in with you privately. How are you doing?";

function isStaffOf(ctx, summary) {
  return ctx.isStaff(ctx.user) && summary.member.id !== ctx.user.id;
}

/** What the reader is told about who can read a thread. */
function privacyText(ctx, summary) {
  const program = summary.program_name || "your program";
  if (!isStaffOf(ctx, summary)) {
    return `Only you and the counselors of ${program} can read this. It is kept as part of your treatment record.`;
  }
  const who = summary.member.handle;
  return `Only ${who} and the counselors of ${program} can read this. It is part of ${who}'s treatment record.`;
}

export function renderThread(ctx, params, query) {
  if (params.id === "mine") return renderMine(ctx);
  if (params.id === "new") return renderCompose(ctx, query);
  return renderConversation(ctx, params.id);
}

// --- one conversation ---

function renderConversation(ctx, id) {
  const { store } = ctx;
  const pending = new Map(); // client_id -> {clientId, text, status, detail}
  const title = h("h1", { id: "thread-title", tabIndex: -1 }, "A counselor wants to check in");
  const privacy = h("p", { className: "thread-privacy" });
  const links = h("div", { className: "thread-links" });
  const list = h("ol", { className: "thread-messages", "aria-labelledby": "thread-title" });
  const problem = h("div");
  const part2 = h("p", { className: "part2", hidden: true });
  const input = h("textarea", { id: "thread-reply", name: "text", rows: 3, maxLength: 4000, required: true, autocomplete: "off" });
  const label = h("label", { for: "thread-reply" }, "Write a reply");
  const form = h("form", { className: "thread-composer", onsubmit: submit }, label,
    h("div", { className: "composer" }, input, h("button", { type: "submit", className: "btn btn-primary" }, "Send")));
  const back = h("a", { href: "#/rooms", className: "back" }, "← Rooms");
  const help = h("p", { className: "hint thread-help" }, "Counselors answer when they can. If you need someone right now, tap “Get help now” at the top.");
  const banner = checkInBanner(ctx, id);
  const section = h(
    "section",
    { className: "page thread", "aria-labelledby": "thread-title" },
    banner.el,
    back,
    title,
    privacy,
    links,
    problem,
    list,
    form,
    help,
    part2,
  );
  replace(ctx.main, section);
  let loaded = false;

  async function load() {
    try {
      store.threadLoaded(await ctx.api.outreach.thread(id));
      loaded = true;
      replace(problem);
    } catch (err) {
      replace(problem, h("div", { className: "banner banner-warn", role: "alert" },
        h("div", {}, err.status === 404 ? "This conversation isn't available." : err.message || "Something went wrong."),
        err.status === 404 ? null : h("button", { type: "button", className: "btn btn-small", onclick: load }, "Try again")));
      form.hidden = true;
    }
  }

  function messageNode(m, staffView) {
    const mine = m.author.id === ctx.user.id;
    const fromStaff = STAFF.has(m.author.role);
    const who = mine ? "You" : fromStaff ? `${m.author.handle} · counselor` : m.author.handle;
    return h("li", { className: `thread-msg${mine ? " thread-msg-mine" : ""}`, "data-id": m.id },
      h("div", { className: "msg-head" }, h("span", { className: "msg-author" }, who), timeEl(m.ts)),
      h("p", { className: "msg-text" }, m.text),
      staffView && (m.crisis || m.flags?.length)
        ? h("p", { className: `thread-flag${m.crisis ? " thread-flag-crisis" : ""}` },
            m.crisis ? "Crisis language: an urgent case was opened. " : "Moderation noticed: ", (m.flags || []).join(", "))
        : null);
  }

  function pendingNode(p) {
    return h("li", { className: `thread-msg thread-msg-mine thread-pending thread-${p.status}`, "data-client-id": p.clientId },
      h("div", { className: "msg-head" }, h("span", { className: "msg-author" }, "You")),
      h("p", { className: "msg-text" }, p.text),
      h("p", { className: "msg-status" }, p.status === "sending" ? "Sending…" : "Not sent."),
      p.detail ? h("p", { className: "msg-detail" }, p.detail) : null,
      p.status === "failed"
        ? h("div", { className: "msg-actions" },
            h("button", { type: "button", className: "btn btn-small", onclick: () => send(p.clientId) }, "Try again"),
            h("button", { type: "button", className: "btn btn-quiet btn-small", onclick: () => { pending.delete(p.clientId); draw(); } }, "Discard"))
        : null);
  }

  function draw() {
    const thread = store.threads.get(id);
    if (!thread) return;
    const summary = thread.summary;
    const staffView = isStaffOf(ctx, summary);
    title.textContent = staffView ? `Check-in with ${summary.member.handle}` : "A counselor wants to check in";
    document.title = `${staffView ? `Check-in with ${summary.member.handle}` : "Check-in"} · Between`;
    privacy.textContent = privacyText(ctx, summary);
    label.textContent = staffView ? `Write to ${summary.member.handle}` : "Write a reply";
    back.textContent = staffView ? "← Queue" : "← Rooms";
    back.href = staffView ? "#/staff" : "#/rooms";
    help.hidden = staffView;
    // The redisclosure notice is for the record's recipients (staff), not for the member it is about.
    part2.hidden = !staffView || !thread.notice;
    part2.textContent = thread.notice || "";
    replace(links, staffView && summary.cases.length
      ? h("p", { className: "hint" }, "Linked cases: ", summary.cases.map((c, i) => [i ? ", " : "",
          h("a", { href: `#/staff/case/${encodeURIComponent(c)}` }, `case ${i + 1}`)]))
      : null);
    const stored = store.threadMessages(id);
    // The live copy can arrive before the HTTP answer: a stored message ends its pending twin.
    for (const m of stored) if (m.client_id) pending.delete(m.client_id);
    const items = stored.map((m) => messageNode(m, staffView));
    for (const p of pending.values()) items.push(pendingNode(p));
    replace(list, items.length ? items : h("li", { className: "empty" }, loaded ? "No messages yet." : "Loading…"));
  }

  function submit(event) {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    const clientId = newClientId();
    pending.set(clientId, { clientId, text, status: "sending", detail: "" });
    input.value = "";
    draw();
    send(clientId);
  }

  async function send(clientId) {
    const p = pending.get(clientId);
    if (!p) return;
    p.status = "sending";
    p.detail = "";
    draw();
    try {
      const sent = await ctx.api.outreach.send(id, p.text, clientId);
      pending.delete(clientId);
      store.threadMessage(sent.thread, sent.message, sent.notice);
      if (sent.support) {
        store.addNotice({ kind: "crisis", ref: sent.message.id, text: sent.support.text, resources: sent.support.resources });
      }
    } catch (err) {
      // Kept with its words and its client_id: "Try again" cannot send it twice.
      p.status = "failed";
      p.detail = err.status === 429 ? "You're writing quickly. Wait a moment, then try again." : err.message;
    }
    draw();
  }

  const off = store.subscribe((kind, which) => {
    if (kind !== "outreach" || (which && which !== id)) return;
    draw();
    const summary = store.threads.get(id)?.summary;
    // Read while on screen: tell the server, so no other device shows it as new.
    if (loaded && summary?.unread && summary.member.id === ctx.user.id) load();
  });
  draw();
  load().then(() => title.focus({ preventScroll: true }));
  return () => {
    off();
    banner.stop();
    document.title = "Between";
  };
}

// --- the member's list (more than one check-in) ---

function renderMine(ctx) {
  const list = h("ul", { className: "room-list" });
  const banner = checkInBanner(ctx);
  replace(ctx.main, h("section", { className: "page", "aria-labelledby": "mine-title" },
    banner.el,
    h("a", { href: "#/rooms", className: "back" }, "← Rooms"),
    h("h1", { id: "mine-title" }, "Check-ins from your counselor"),
    h("p", { className: "lede" }, "Private conversations with the counselors of your program. Only you and they can read them."),
    list));
  document.title = "Check-ins · Between";

  function draw() {
    const threads = ctx.store.myThreads();
    replace(list, threads.length ? threads.map((t) => threadLink(t)) : h("li", { className: "empty" }, "No check-ins yet."));
  }
  const off = ctx.store.subscribe((kind) => kind === "outreach" && draw());
  draw();
  return () => {
    off();
    banner.stop();
  };
}

function threadLink(t) {
  return h("li", {}, h("a", { className: "room-link", href: `#/outreach/${encodeURIComponent(t.id)}` },
    h("span", { className: "room-name" }, `From ${t.started_by}`),
    h("span", { className: "room-kind" }, `Last message ${when(t.updated)}`),
    t.unread ? h("span", { className: "badge" }, "New") : null));
}

/** The rooms list's way in: "Check-ins from your counselor", once there is one. */
export function checkInsLink(ctx) {
  const threads = ctx.store.myThreads();
  if (!threads.length) return null;
  const unread = threads.filter((t) => t.unread).length;
  const href = threads.length === 1 ? `#/outreach/${encodeURIComponent(threads[0].id)}` : "#/outreach/mine";
  return h("a", { className: "checkins-link", href },
    h("span", { className: "room-name" }, "Check-ins from your counselor"),
    h("span", { className: "room-kind" }, "Private: only you and your counselors"),
    unread ? h("span", { className: "badge" }, String(unread), h("span", { className: "visually-hidden" }, " new")) : null);
}

// --- the quiet banner on every member view ---

/**
 * "A counselor wants to check in" while a counselor's message is unopened, and the crisis panel for a
 * crisis notice that is not about a room (a check-in reply, possibly written on another device).
 * Returns `{el, stop}`; `except` is the thread already on screen.
 */
export function checkInBanner(ctx, except = null) {
  const el = h("div", { className: "checkin-slot" });
  function draw() {
    for (const n of ctx.store.notices) {
      if (n.kind === "crisis" && !ctx.support.showing(n.key)) ctx.support.show(n, () => ctx.store.dismissNotice(null, n.key));
    }
    const waiting = ctx.store.unreadCheckIns().filter((t) => t.id !== except);
    if (!waiting.length) {
      replace(el);
      return;
    }
    const t = waiting[0];
    replace(el, h("div", { className: "banner banner-care checkin-banner", role: "status" },
      h("div", {},
        h("strong", { className: "banner-title" }, "A counselor wants to check in"),
        `${t.started_by} from ${t.program_name} sent you a private message. Only you and your counselors can read it.`),
      h("div", { className: "row" },
        h("a", { className: "btn btn-small btn-care", href: `#/outreach/${encodeURIComponent(t.id)}` }, "Read it"),
        h("button", { type: "button", className: "btn btn-quiet btn-small", onclick: () => ctx.store.putOffCheckIns() }, "Not now"))));
  }
  const off = ctx.store.subscribe((kind, which) => {
    if (kind === "outreach" || (kind === "notice" && which === null)) draw();
  });
  draw();
  return { el, stop: off };
}

// --- counselors: starting a check-in ---

function renderCompose(ctx, query) {
  const caseId = query.get("case");
  const program = query.get("program") || ctx.user.programs?.[0];
  let member = query.get("member");
  let handle = query.get("handle") || "the member";
  const status = h("p", { className: "action-status", role: "status" });
  const problem = h("p", { className: "form-error", role: "alert", hidden: true });
  const earlier = h("div");
  const privacy = h("p", { className: "thread-privacy" });
  const title = h("h1", { id: "compose-title", tabIndex: -1 }, "Reach out privately");
  const text = h("textarea", { id: "compose-text", rows: 5, maxLength: 4000, required: true });
  text.value = FIRST_MESSAGE;
  const clientId = newClientId(); // one per draft: a double click or a retry starts one thread
  const form = h("form", { className: "thread-composer", onsubmit: submit },
    h("label", { for: "compose-text" }, "Your message"),
    h("p", { className: "hint", id: "compose-hint" }, "The member sees this as “A counselor wants to check in” and can answer you here."),
    text,
    h("div", { className: "row" }, h("button", { type: "submit", className: "btn btn-primary" }, "Send privately")));
  text.setAttribute("aria-describedby", "compose-hint");
  const back = caseId
    ? h("a", { href: `#/staff/case/${encodeURIComponent(caseId)}`, className: "back" }, "← Case")
    : h("a", { href: "#/staff", className: "back" }, "← Queue");
  replace(ctx.main, h("section", { className: "page thread", "aria-labelledby": "compose-title" },
    back, title, privacy, earlier, status, problem, form));
  document.title = "Reach out privately · Between";
  const programName = () => ctx.programs?.find((p) => p.id === program)?.name || "your program";

  function drawPrivacy() {
    title.textContent = `Reach out privately to ${handle}`;
    privacy.textContent = `Only ${handle} and the counselors of ${programName()} will be able to read this. It becomes part of ${handle}'s treatment record.`;
  }

  async function load() {
    try {
      if (caseId) {
        const { case: c } = await ctx.api.review.case(caseId);
        member = c.post?.author_id;
        handle = c.post?.author_handle || handle;
      }
      drawPrivacy();
      if (!member) return;
      const { threads } = await ctx.api.outreach.ofMember(program, member);
      const here = threads.find((t) => caseId && t.cases.includes(caseId));
      replace(earlier, threads.length
        ? h("div", { className: "panel thread-earlier" },
            h("h2", {}, `Earlier check-ins with ${handle}`),
            here ? h("p", { className: "hint" }, "This case already has a check-in: your message continues it.") : null,
            h("ul", { className: "plain-list" }, threads.map((t) =>
              h("li", {}, h("a", { href: `#/outreach/${encodeURIComponent(t.id)}` }, `Started by ${t.started_by} · ${when(t.created)}`),
                t.unread ? h("span", { className: "hint" }, ` · ${handle} is waiting for an answer`) : null))))
        : null);
    } catch (err) {
      problem.textContent = err.message;
      problem.hidden = false;
    }
  }

  async function submit(event) {
    event.preventDefault();
    const words = text.value.trim();
    if (!words) return;
    problem.hidden = true;
    status.textContent = "Sending…";
    try {
      const sent = caseId
        ? await ctx.api.outreach.fromCase(caseId, words, clientId)
        : await ctx.api.outreach.toMember(program, member, words, clientId);
      ctx.store.threadMessage(sent.thread, sent.message, sent.notice);
      ctx.navigate(`/outreach/${sent.thread.id}`);
    } catch (err) {
      status.textContent = "";
      problem.textContent = err.message;
      problem.hidden = false;
    }
  }

  drawPrivacy();
  load().then(() => title.focus({ preventScroll: true }));
}

/** The case page's hook: a counselor's way to reach the member a case is about. */
export function reachOutLink(c) {
  if (!c?.post || STAFF.has(c.post.author_role)) return null;
  const q = new URLSearchParams({ case: c.id, program: c.program, handle: c.post.author_handle });
  return h("a", { className: "btn btn-care reach-out", href: `#/outreach/new?${q}`, "data-action": "reach-out" }, "Reach out privately");
}

/** The member page's check-in section: earlier threads with this member, and a way to start one. */
export function memberThreads(ctx, program, memberId, handle) {
  const box = h("div", { className: "member-threads-list" }, h("p", { className: "empty" }, "Loading…"));
  const q = new URLSearchParams({ program, member: memberId, handle });
  const start = h("a", { className: "btn btn-care reach-out", href: `#/outreach/new?${q}` }, "Reach out privately");
  ctx.api.outreach.ofMember(program, memberId).then(({ threads }) => {
    replace(box,
      threads.length
        ? h("ul", { className: "plain-list" }, threads.map((t) =>
            h("li", {}, h("a", { href: `#/outreach/${encodeURIComponent(t.id)}` }, `Started by ${t.started_by} · ${when(t.created)}`),
              h("span", { className: "hint" }, ` · last message ${when(t.updated)}${t.unread ? ` · ${handle} is waiting for an answer` : ""}`))))
        : h("p", { className: "empty" }, `No check-ins with ${handle} yet.`),
      start);
  }).catch((err) => replace(box, h("p", { className: "form-error" }, err.message), start));
  return h("div", { className: "panel" },
    h("h2", { id: "member-threads-title" }, `Private check-ins with ${handle}`),
    h("p", { className: "hint" }, `Only ${handle} and the counselors of the program can read them.`),
    box);
}
