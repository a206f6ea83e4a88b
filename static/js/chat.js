// The realtime session: routes server frames into the store, owns the author's unacknowledged
// posts (re-sent with the same client_id after a reconnect), keeps the member's held posts and
// check-in threads in step with the server, and is in a room only while it is on screen.

import * as api from "./api.js";
import { newClientId } from "./ids.js";
import { Socket } from "./socket.js";

// What a screen reader hears when a private notice arrives (the banner says the rest).
const ANNOUNCED = {
  crisis: "Support is here. Crisis lines are listed in the room.",
  warning: "A counselor sent you a private note.",
  muted: "Posting is paused for you for now.",
  suspended: "You're taking a break from this room for now.",
  approved: "Your message was reviewed and is now in the room.",
  removed: "A counselor removed one of your messages.",
  hidden: "A host moved one of your messages out of the room until a counselor reviews it.",
};

const STAFF_ROLES = new Set(["counselor", "admin"]);

function pausedText(until) {
  const end = until && until > Date.now() ? ` until ${new Date(until).toLocaleTimeString([], { hour: "numeric", minute: "2-digit" })}` : "";
  return `A counselor has paused posting for you${end}. Your message is kept here, and you can still read the room. Someone will check in with you.`;
}

export class Chat {
  /**
   * @param {import("./store.js").Store} store
   * @param {{announce: (text: string) => void, signedOut: () => void}} hooks
   */
  constructor(store, hooks) {
    this.store = store;
    this.hooks = hooks;
    this.current = null; // the room on screen, for announcements and read marks
    this.caseListeners = new Set();
    this.typingSentAt = new Map();
    this.socket = new Socket({
      onFrame: (f) => this.receive(f),
      onStatus: (s) => this.status(s),
      cursorOf: (room) => this.store.room(room).cursor,
      stillSignedIn: async () => {
        try {
          await api.me();
          return true;
        } catch (err) {
          return err.status !== 401;
        }
      },
    });
  }

  /**
   * Connect. Every room is watched (new messages count as unread, posts waiting to be sent go out),
   * but the member shows as "here" only in the room on screen (see `view`).
   */
  start(roomIds) {
    for (const id of roomIds) this.socket.want(id, { watch: true });
    this.socket.start();
  }

  /** Re-read what the server keeps for this member: held posts and check-in threads. */
  async sync() {
    const since = Date.now();
    try {
      this.store.setHeld((await api.held()).held, since);
    } catch {
      /* kept as they were; the next (re)connect asks again */
    }
    try {
      this.store.setThreads((await api.outreach.mine()).threads);
    } catch {
      /* the same */
    }
  }

  stop() {
    this.socket.stop();
  }

  status(status) {
    this.store.setConnection(status);
    if (status === "signed-out") this.hooks.signedOut();
    // Notices that came while the socket was down are gone (they are live only): ask the server.
    if (status === "open") this.sync();
  }

  /** Live `case` frames (counselors): `fn(event, caseSummary)`. */
  onCase(fn) {
    this.caseListeners.add(fn);
    return () => this.caseListeners.delete(fn);
  }

  receive(frame) {
    const s = this.store;
    switch (frame.type) {
      case "joined":
        s.joined(frame);
        this.resend(frame.room);
        if (this.current === frame.room) s.markRead(frame.room);
        break;
      case "message":
        if (s.addMessage(frame)) this.arrived(frame);
        break;
      case "ack":
        this.acked(frame);
        break;
      case "presence":
        s.presence(frame);
        break;
      case "typing":
        s.typing(frame);
        break;
      case "removed":
        s.removeMessage(frame.room, frame.id);
        break;
      case "reported":
        s.addNotice({ kind: "reported", room: frame.room, text: "Thank you. A counselor will look at that message." });
        break;
      case "notice":
        this.noticed(frame);
        break;
      case "case":
        for (const fn of this.caseListeners) fn(frame.event, frame.case);
        break;
      case "outreach":
        this.checkIn(frame);
        break;
      case "left":
        // Unasked: a counselor suspended this member from the room (the notice says so).
        if (this.socket.rooms.has(frame.room)) s.leftRoom(frame.room);
        break;
      case "error":
        this.refused(frame);
        break;
      default:
        break; // pong, and frames from newer servers
    }
  }

  arrived(message) {
    if (message.room !== this.current) return;
    this.store.markRead(message.room);
    if (message.author.id !== this.store.user.id) this.hooks.announce(`${message.author.handle}: ${message.text}`);
  }

  acked({ client_id: clientId, status, id }) {
    const changes = { status, id: id || null };
    if (status === "held") changes.heldAt = Date.now();
    if (status === "blocked") changes.detail = changes.detail || "This message wasn't posted.";
    this.store.updatePending(clientId, changes);
  }

  noticed(notice) {
    if (notice.ref && notice.kind === "blocked") {
      this.store.updatePending(notice.ref, { status: "blocked", detail: notice.text });
    }
    if (notice.ref && (notice.kind === "held" || notice.kind === "crisis")) {
      // The post itself says what happens next; the crisis panel says the rest.
      this.store.updatePending(notice.ref, { status: "held", crisis: notice.kind === "crisis", heldAt: Date.now() });
    }
    if (notice.ref && notice.room && notice.kind === "approved") {
      // A counselor decided: the post leaves "waiting" and is in the room now (the banner says so).
      this.store.dropPending(notice.room, notice.ref);
    }
    if (notice.ref && (notice.kind === "removed" || notice.kind === "declined")) {
      // It leaves "waiting" too, but stays with its author, with the counselor's words, until discarded.
      this.store.updatePending(notice.ref, { status: "blocked", detail: notice.text, crisis: false, hidden: false });
    }
    if (notice.kind === "hidden") this.sync(); // the post comes back to its author, marked "waiting"
    if (notice.kind === "unmuted") this.store.mutedUntil = 0;
    if (notice.kind === "unsuspended" && notice.room) {
      // The counselor lifted it: the room is the member's again, live (no reload needed).
      this.store.rejoinedRoom(notice.room);
      const watch = this.current !== notice.room;
      if (this.socket.rooms.get(notice.room) !== watch) this.socket.want(notice.room, { watch });
      else if (this.socket.isOpen) this.socket.join(notice.room);
    }
    if (notice.kind === "held" || notice.kind === "blocked") return; // shown on the post itself
    if (notice.kind === "muted") this.store.mutedUntil = notice.until || 0;
    this.store.addNotice(notice);
    const heard = ANNOUNCED[notice.kind];
    if (heard) this.hooks.announce(heard);
  }

  refused(error) {
    const [, p] = this.store.findPending(error.ref || "");
    if (p && error.code === "muted") {
      // The server's words are terse; the member gets a kind explanation and keeps their text.
      this.store.updatePending(p.clientId, { status: "paused", detail: pausedText(this.store.mutedUntil) });
      return;
    }
    if (p) {
      const status = error.code === "not_joined" || error.code === "unavailable" ? "sending" : "failed";
      this.store.updatePending(p.clientId, { status, detail: error.detail });
      return;
    }
    if (error.code === "forbidden" && error.ref) {
      this.store.addNotice({ kind: "unavailable", room: error.ref, text: error.detail });
    }
  }

  // --- posting ---

  post(roomId, text) {
    const clientId = newClientId();
    this.store.addPending(roomId, clientId, text);
    this.sendPost(roomId, clientId);
    return clientId;
  }

  /** Send (or re-send) a pending post with its original client_id: the server answers once. */
  sendPost(roomId, clientId) {
    const room = this.store.room(roomId);
    const p = room.pending.get(clientId);
    if (!p || !room.joined) return; // re-sent by resend() once the room is joined again
    this.socket.send({ type: "post", room: roomId, text: p.text, client_id: clientId });
  }

  retry(roomId, clientId) {
    this.store.updatePending(clientId, { status: "sending", detail: "" });
    this.sendPost(roomId, clientId);
  }

  resend(roomId) {
    for (const p of this.store.room(roomId).pending.values()) {
      if (p.status === "sending") this.sendPost(roomId, p.clientId);
    }
  }

  typing(roomId) {
    const last = this.typingSentAt.get(roomId) || 0;
    if (Date.now() - last < 2500) return;
    this.typingSentAt.set(roomId, Date.now());
    this.socket.send({ type: "typing", room: roomId });
  }

  report(roomId, messageId, reason) {
    return this.socket.send({ type: "report", room: roomId, message: messageId, reason });
  }

  hide(roomId, messageId, reason) {
    return this.socket.send({ type: "hide", room: roomId, message: messageId, reason });
  }

  /**
   * The room on screen (or null). Leaving a room's view leaves the room at once, so the others see
   * the member go now rather than when presence expires; the socket stays up for everything else.
   */
  view(roomId) {
    const previous = this.current;
    this.current = roomId;
    if (previous && previous !== roomId) {
      this.socket.want(previous, { watch: true }); // still counted for unread, no longer "here"
      this.store.leftView(previous);
    }
    if (roomId) {
      this.socket.want(roomId);
      this.store.markRead(roomId);
    }
  }

  /** A live check-in message: into the store, and a word to screen readers when it is new. */
  checkIn(frame) {
    const fresh = this.store.threadMessage(frame.thread, frame.message, frame.notice);
    if (!fresh || frame.message.author.id === this.store.user.id) return;
    if (STAFF_ROLES.has(frame.message.author.role)) this.hooks.announce("A counselor wants to check in with you. There's a private message for you.");
    else this.hooks.announce(`${frame.message.author.handle} replied to a check-in.`);
  }
}
