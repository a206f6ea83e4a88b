// A room: history and live messages, who is here, typing, the composer, reporting,
// and the author's own pending/held posts. Messages are keyed by id so re-renders
// never steal focus or duplicate anything.

import { h, replace, timeEl } from "../dom.js";
import { noticeBanner } from "./support.js";

const ROLE_LABEL = { mentor: "mentor", counselor: "counselor", admin: "staff" };

export function renderRoom(ctx, params) {
  const { store, chat } = ctx;
  const roomId = params.id;
  const room = store.room(roomId);
  const me = store.user;
  const nodes = new Map(); // key -> element
  let openForm = null; // message id whose report/hide form is open

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
      : h("button", { type: "button", className: "btn btn-link btn-small msg-report", "aria-label": `Report message from ${m.author.handle}`, "aria-expanded": "false", onclick: () => openReport(m) }, "Report");
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
    node.querySelector(".msg-report")?.setAttribute("aria-expanded", String(open));
    replace(node.querySelector(".msg-actions"), open ? reportForm(m) : null);
  }

  function openReport(m) {
    const previous = openForm;
    openForm = openForm === m.id ? null : m.id;
    if (previous) drawActions(previous);
    drawActions(m.id);
    nodes.get(m.id)?.querySelector("select")?.focus();
  }

  function reportForm(m) {
    const reason = h(
      "select",
      { name: "reason" },
      ["It worries me about them", "It's unkind or harassing", "It shares private details", "Something else"].map((r) =>
        h("option", { value: r }, r),
      ),
    );
    const close = () => {
      openForm = null;
      drawActions(m.id);
      nodes.get(m.id)?.querySelector(".msg-report")?.focus();
    };
    const isHost = room.state?.is_host;
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
        isHost
          ? h("button", { type: "button", className: "btn btn-small", onclick: () => { chat.hide(roomId, m.id, reason.value); close(); } }, "Hide for review")
          : null,
        h("button", { type: "button", className: "btn btn-quiet btn-small", onclick: close }, "Cancel")),
    );
  }

  const PENDING_TEXT = {
    sending: "Sending…",
    published: "Sending…",
    held: "Waiting for review. Only you can see this for now.",
    blocked: "Not posted.",
    failed: "Not sent.",
    paused: "Not sent.",
  };

  function pendingNode(p) {
    const status = h("p", { className: "msg-status" }, PENDING_TEXT[p.status] || "");
    const detail = p.detail && p.status !== "sending" ? h("p", { className: "msg-detail" }, p.detail) : null;
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
    for (const m of store.ordered(roomId)) {
      const key = `m:${m.id}`;
      if (!nodes.has(key)) nodes.set(key, messageNode(m));
      // message nodes are also looked up by bare id for the report form
      nodes.set(m.id, nodes.get(key));
      wanted.push(key);
    }
    for (const p of room.pending.values()) {
      const key = `p:${p.clientId}:${p.status}:${p.detail}`;
      if (!nodes.has(key)) nodes.set(key, pendingNode(p));
      wanted.push(key);
    }
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
    if (!wanted.length && !list.querySelector(".empty")) {
      list.appendChild(h("li", { className: "empty" }, room.joined ? "No messages yet. You could say hello." : "Loading…"));
    } else if (wanted.length) {
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
      if (n.kind !== "crisis") banners.push(noticeBanner(n, close));
      else if (!ctx.support.showing(n.key)) ctx.support.show(n, close);
    }
    replace(notices, banners);
  }

  function drawTyping() {
    const names = store.typingNow(roomId);
    typing.textContent = names.length === 0 ? "" : names.length === 1 ? `${names[0]} is typing…` : `${names.join(", ")} are typing…`;
  }

  const section = h(
      "section",
      { className: "room", "aria-labelledby": "room-title" },
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
    clearInterval(ticker);
    chat.view(null);
    document.title = "Between";
  };
}
