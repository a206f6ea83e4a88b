// A room: history and live messages, who is here, typing, the composer, reporting, a host's
// "hide for review", and the author's own pending/held posts, each saying what happens next.
// Messages are keyed by id so re-renders never steal focus or duplicate anything.

import { h, replace, timeEl } from "../dom.js";
import { noticeBanner } from "./support.js";
import { checkInBanner } from "./thread.js";

const ROLE_LABEL = { mentor: "mentor", counselor: "counselor", admin: "staff" };

export function renderRoom(ctx, params) {
  const { store, chat } = ctx;
  const roomId = params.id;
  const room = store.room(roomId);
  const me = store.user;
  const nodes = new Map(); // key -> element
  let openForm = null; // message id whose report or hide form is open
  let openKind = null; // "report" | "hide"

  const title = h("h1", { id: "room-title" });
  const kind = h("p", { className: "room-sub" });
  const presence = h("details", { className: "presence" });
  const notices = h("div", { className: "notices" });
  const list = h("ol", { className: "messages", "aria-labelledby": "room-title" });
  const scroller = h("div", { className: "scroller", tabIndex: 0, "aria-label": "Conversation" }, list);
  const typing = h("p", { className: "typing", "aria-hidden": "true" });
  const input = h("textarea", { id: "composer", name: "text", rows: 1, maxLength: 4000, required: true, autocomplete: "off" });
  const send = h("button", { type: "submit", className: "btn btn-primary" }, "Send");
  const closedNote = h("p", { className: "hint", hidden: true }, "Posting is closed in this room right now.");
  const composer = h(
    "form",
    { className: "composer", onsubmit: submit },
    h("label", { for: "composer", className: "visually-hidden" }, "Write a message"),
    input,
    send,
  );

  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      composer.requestSubmit();
    }
  });
  input.addEventListener("input", () => {
    grow();
    if (input.value.trim()) chat.typing(roomId);
  });

  function grow() {
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight, 160)}px`;
  }

  function submit(event) {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    chat.post(roomId, text);
    input.value = "";
    grow();
    stickToBottom = true;
  }

  // --- messages ---

  function messageNode(m) {
    const mine = m.author.id === me.id;
    const role = ROLE_LABEL[m.author.role];
    const report = mine
      ? null
      : h("button", { type: "button", className: "btn btn-link btn-small msg-report", "aria-label": `Report message from ${m.author.handle}`, "aria-expanded": "false", onclick: () => openAction(m, "report") }, "Report");
    // Hosts get their own control: hiding is a host's decision with the host's own reason, not a report.
    const hide = mine || !room.state?.is_host
      ? null
      : h("button", { type: "button", className: "btn btn-link btn-small msg-hide", "aria-label": `Hide message from ${m.author.handle} for review`, "aria-expanded": "false", onclick: () => openAction(m, "hide") }, "Hide");
    return h(
      "li",
      { className: `msg${mine ? " msg-mine" : ""}`, "data-id": m.id },
      h(
        "div",
        { className: "msg-head" },
        h("span", { className: "msg-author" }, mine ? `${m.author.handle} (you)` : m.author.handle),
        role ? h("span", { className: "role-tag" }, role) : null,
        timeEl(m.ts),
        report,
        hide,
      ),
      h("p", { className: "msg-text" }, m.text),
      m.delayed ? h("p", { className: "msg-flag" }, "Shared after a counselor's review") : null,
      m.masked ? h("p", { className: "msg-flag" }, "Contact details were removed") : null,
      h("div", { className: "msg-actions" }),
    );
  }

  function drawActions(id) {
    const m = room.messages.get(id);
    const node = nodes.get(id);
    if (!m || !node) return;
    const open = openForm === id;
    node.querySelector(".msg-report")?.setAttribute("aria-expanded", String(open && openKind === "report"));
    node.querySelector(".msg-hide")?.setAttribute("aria-expanded", String(open && openKind === "hide"));
    replace(node.querySelector(".msg-actions"), open ? (openKind === "hide" ? hideForm(m) : reportForm(m)) : null);
  }

  function openAction(m, kind) {
    const previous = openForm;
    const same = openForm === m.id && openKind === kind;
    openForm = same ? null : m.id;
    openKind = same ? null : kind;
    if (previous && previous !== m.id) drawActions(previous);
    drawActions(m.id);
    nodes.get(m.id)?.querySelector(".msg-actions select, .msg-actions input")?.focus();
  }

  function closeAction(m, focusClass) {
    openForm = null;
    openKind = null;
    drawActions(m.id);
    nodes.get(m.id)?.querySelector(focusClass)?.focus();
  }

  function hideForm(m) {
    const reason = h("input", { name: "reason", maxLength: 500, required: true, autocomplete: "off" });
    const close = () => closeAction(m, ".msg-hide");
    return h(
      "form",
      {
        className: "report-form hide-form",
        onsubmit: (event) => {
          event.preventDefault();
          const why = reason.value.trim();
          if (!why) return;
          chat.hide(roomId, m.id, why);
          close();
        },
        onkeydown: (event) => event.key === "Escape" && close(),
      },
      h("label", {}, "Why are you hiding this? Counselors see your reason.", reason),
      h("p", { className: "hint" }, `It leaves the room for everyone now. ${m.author.handle} is told, kindly, that it is waiting for review.`),
      h("div", { className: "row" },
        h("button", { type: "submit", className: "btn btn-small" }, "Hide for review"),
        h("button", { type: "button", className: "btn btn-quiet btn-small", onclick: close }, "Cancel")),
    );
  }

  function reportForm(m) {
    const reason = h(
      "select",
      { name: "reason" },
      ["It worries me about them", "It's unkind or harassing", "It shares private details", "Something else"].map((r) =>
        h("option", { value: r }, r),
      ),
    );
    const close = () => closeAction(m, ".msg-report");
    return h(
      "form",
      {
        className: "report-form",
        onsubmit: (event) => {
          event.preventDefault();
          chat.report(roomId, m.id, reason.value);
          close();
        },
        onkeydown: (event) => event.key === "Escape" && close(),
      },
      h("label", {}, "Why are you reporting this? ", reason),
      h("div", { className: "row" },
        h("button", { type: "submit", className: "btn btn-small" }, "Send to counselors"),
        h("button", { type: "button", className: "btn btn-quiet btn-small", onclick: close }, "Cancel")),
    );
  }

  const PENDING_TEXT = {
    sending: "Sending…",
    published: "Sending…",
    held: "Waiting for a counselor's review. Only you can see it for now.",
    blocked: "Not posted.",
    failed: "Not sent.",
    paused: "Not sent.",
  };
  // What happens next to a post that is waiting (the same words as GET /api/me/held).
  const CRISIS_NEXT = "A counselor has been alerted and will reach out.";
  const HIDDEN_NEXT = "A host moved it out of the room until a counselor reviews it. Only you can see it for now.";

  function pendingNode(p) {
    const waiting = p.status === "held";
    const text = waiting && p.crisis ? CRISIS_NEXT : waiting && p.hidden ? HIDDEN_NEXT : PENDING_TEXT[p.status] || "";
    const status = h("p", { className: "msg-status" }, text);
    const privateNote = waiting && p.crisis ? h("p", { className: "msg-detail" }, "Only you can see it for now.") : null;
    // A waiting post's status line says it all; the server's longer words are for refusals.
    const detail = p.detail && p.status !== "sending" && !waiting ? h("p", { className: "msg-detail" }, p.detail) : null;
    const retry =
      p.status === "failed" || p.status === "paused"
        ? h("button", { type: "button", className: "btn btn-small", onclick: () => chat.retry(roomId, p.clientId) }, "Try again")
        : null;
    const discard =
      p.status === "failed" || p.status === "blocked" || p.status === "paused"
        ? h("button", { type: "button", className: "btn btn-quiet btn-small", onclick: () => store.dropPending(roomId, p.clientId) }, "Discard")
        : null;
    return h(
      "li",
      { className: `msg msg-mine msg-pending msg-${p.status}`, "data-client-id": p.clientId },
      h("div", { className: "msg-head" }, h("span", { className: "msg-author" }, `${me.handle} (you)`), timeEl(p.ts)),
      h("p", { className: "msg-text" }, p.text),
      status,
      privateNote,
      detail,
      retry || discard ? h("div", { className: "msg-actions" }, retry, discard) : null,
    );
  }

  let stickToBottom = true;
  scroller.addEventListener("scroll", () => {
    stickToBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
  });

  function drawMessages() {
    const wanted = [];
    const pendingKey = (p) => {
      const key = `p:${p.clientId}:${p.status}:${p.detail}:${p.crisis ? "c" : ""}${p.hidden ? "h" : ""}`;
      if (!nodes.has(key)) nodes.set(key, pendingNode(p));
      return key;
    };
    // Posts waiting for review sit where they were written, in time order among the room's messages;
    // posts still on their way stay at the end.
    const all = store.pendingOf(roomId);
    const waiting = all.filter((p) => p.status === "held");
    let w = 0;
    for (const m of store.ordered(roomId)) {
      while (w < waiting.length && waiting[w].ts <= m.ts) wanted.push(pendingKey(waiting[w++]));
      const key = `m:${m.id}`;
      if (!nodes.has(key)) nodes.set(key, messageNode(m));
      // message nodes are also looked up by bare id for the report form
      nodes.set(m.id, nodes.get(key));
      wanted.push(key);
    }
    while (w < waiting.length) wanted.push(pendingKey(waiting[w++]));
    for (const p of all) if (p.status !== "held") wanted.push(pendingKey(p));
    const keep = new Set(wanted.map((k) => nodes.get(k)));
    for (const [key, node] of nodes) {
      if (!keep.has(node)) {
        node.remove();
        nodes.delete(key);
      }
    }
    let cursor = list.firstElementChild;
    for (const key of wanted) {
      const node = nodes.get(key);
      if (node !== cursor) list.insertBefore(node, cursor);
      else cursor = cursor.nextElementSibling;
    }
    if (!wanted.length) {
      const empty = list.querySelector(".empty") || list.appendChild(h("li", { className: "empty" }));
      empty.textContent = room.joined ? "No messages yet. You could say hello." : "Loading…";
    } else {
      list.querySelector(".empty")?.remove();
    }
    if (stickToBottom) scroller.scrollTop = scroller.scrollHeight;
  }

  function drawHeader() {
    const name = room.state?.name || room.info?.name || "Room";
    title.textContent = name;
    document.title = `${name} · Between`;
    kind.textContent = room.state?.is_host ? "You're hosting this room" : "";
    const people = [...room.presence.values()];
    replace(
      presence,
      h("summary", {}, `${people.length} here now`),
      h(
        "ul",
        { className: "presence-list" },
        people.map((p) =>
          h("li", {}, p.id === me.id ? `${p.handle} (you)` : p.handle, ROLE_LABEL[p.role] ? h("span", { className: "role-tag" }, ROLE_LABEL[p.role]) : null),
        ),
      ),
    );
    section.dataset.joined = String(room.joined);
    const canPost = room.state?.can_post !== false && !room.removed;
    input.disabled = send.disabled = !canPost;
    closedNote.textContent = room.removed
      ? "You can't post in this room for now. You can still read your notices above."
      : "Posting is closed in this room right now.";
    closedNote.hidden = canPost;
  }

  function drawNotices() {
    const banners = [];
    for (const n of room.notices) {
      const close = () => store.dismissNotice(roomId, n.key);
      if (n.kind === "hidden") banners.push(hiddenBanner(n, close));
      else if (n.kind !== "crisis") banners.push(noticeBanner(n, close));
      else if (!ctx.support.showing(n.key)) ctx.support.show(n, close);
    }
    replace(notices, banners);
  }

  function hiddenBanner(n, close) {
    return h("div", { className: "banner banner-care notice-hidden", role: "status" },
      h("div", {}, h("strong", { className: "banner-title" }, "Your message is waiting for review"), n.text),
      h("button", { type: "button", className: "btn btn-quiet btn-small", onclick: close, "aria-label": "Dismiss" }, "Dismiss"));
  }

  function drawTyping() {
    const names = store.typingNow(roomId);
    typing.textContent = names.length === 0 ? "" : names.length === 1 ? `${names[0]} is typing…` : `${names.join(", ")} are typing…`;
  }

  const banner = checkInBanner(ctx);
  const section = h(
      "section",
      { className: "room", "aria-labelledby": "room-title" },
      banner.el,
      h("header", { className: "room-head" },
        h("div", {}, h("a", { href: "#/rooms", className: "back" }, "← Rooms"), title, kind),
        presence),
      notices,
      scroller,
      h("div", { className: "composer-wrap" }, typing, closedNote, composer),
  );
  replace(ctx.main, section);
  drawHeader();
  drawNotices();
  drawMessages();
  drawTyping();
  chat.view(roomId);
  const ticker = setInterval(drawTyping, 1000);

  const unsubscribe = store.subscribe((what, id) => {
    if (what === "connection" || what === "rooms") drawHeader();
    if (id !== roomId) return;
    if (what === "room") {
      drawHeader();
      drawMessages();
    } else if (what === "message" || what === "pending") drawMessages();
    else if (what === "presence") drawHeader();
    else if (what === "typing") drawTyping();
    else if (what === "notice") drawNotices();
  });
  return () => {
    unsubscribe();
    banner.stop();
    clearInterval(ticker);
    chat.view(null);
    document.title = "Between";
  };
}
