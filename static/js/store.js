// Client state: rooms, their messages (deduplicated by id), presence, typing, the
// author's own pending and held posts, private notices and check-in threads with a counselor.
// Views subscribe and re-render.

import { compareIds } from "./ids.js";

const TYPING_SHOWN_MS = 5000;

function emptyRoom(id) {
  return {
    id,
    info: null, // from GET /api/rooms
    state: null, // from `joined`
    joined: false,
    cursor: null, // highest message id ever received: the resume point
    messages: new Map(),
    presence: new Map(),
    typing: new Map(), // member id -> {handle, until}
    // client_id -> {clientId, text, ts, status, detail, id, crisis, hidden, heldAt}; held ones also come
    // from the server (GET /api/me/held), so they follow the member to every device.
    pending: new Map(),
    notices: [],
    lastRead: null,
  };
}

export class Store {
  constructor() {
    this.user = null;
    this.programs = [];
    this.rooms = new Map();
    this.notices = []; // notices not tied to a room
    this.connection = "stopped";
    this.mutedUntil = 0; // from the last "muted" notice, to explain refused posts kindly
    this.listeners = new Set();
    this.readKey = "";
    this.threads = new Map(); // thread id -> {summary, messages: Map(id -> message), loaded, notice}
    this.checkInsSeen = 0; // "Not now" on the check-in banner: hide it until a newer message
    this.crisisRefs = new Set(); // a crisis notice can come by HTTP and by socket: show it once
  }

  /** Call `fn(kind, roomId)` after every change; returns an unsubscribe function. */
  subscribe(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  emit(kind, roomId = null) {
    if (kind === "pending") this.savePending();
    for (const fn of [...this.listeners]) fn(kind, roomId);
  }

  // Pending posts survive a reload of this tab (sessionStorage: gone when the tab closes),
  // so a held post stays visible to its author and an unsent one is sent after all.
  savePending() {
    const all = [];
    for (const room of this.rooms.values()) for (const p of room.pending.values()) all.push({ room: room.id, ...p });
    try {
      sessionStorage.setItem(this.pendingKey, JSON.stringify(all));
    } catch {
      /* storage full or disabled: pending posts then live only in memory */
    }
  }

  loadPending() {
    try {
      for (const p of JSON.parse(sessionStorage.getItem(this.pendingKey) || "[]")) {
        const { room, ...rest } = p;
        this.room(room).pending.set(rest.clientId, rest.status === "published" ? { ...rest, status: "sending" } : rest);
      }
    } catch {
      /* unreadable: start empty */
    }
  }

  setSession(user, programs) {
    this.user = user;
    this.programs = programs;
    this.readKey = `between:read:${user.id}`;
    this.pendingKey = `between:pending:${user.id}`;
    this.loadPending();
  }

  room(id) {
    let room = this.rooms.get(id);
    if (!room) {
      room = emptyRoom(id);
      room.lastRead = this.loadRead(id);
      this.rooms.set(id, room);
    }
    return room;
  }

  setRoomList(list) {
    for (const info of list) this.room(info.id).info = info;
    this.emit("rooms");
  }

  setConnection(status) {
    this.connection = status;
    if (status !== "open") for (const room of this.rooms.values()) room.joined = false;
    this.emit("connection");
  }

  /** `joined`: history either continues the room (resume) or replaces it (recovered:false). */
  joined(frame) {
    const room = this.room(frame.room);
    room.state = frame.state;
    room.joined = true;
    room.removed = false;
    if (!frame.recovered) room.messages.clear();
    for (const message of frame.history) this.putMessage(room, message);
    room.presence = new Map(frame.presence.map((m) => [m.id, m]));
    this.emit("room", room.id);
  }

  /** Add a message once; returns true if it was new. */
  addMessage(message) {
    const room = this.room(message.room);
    const fresh = this.putMessage(room, message);
    if (fresh) this.emit("message", room.id);
    return fresh;
  }

  putMessage(room, message) {
    if (!room.cursor || compareIds(message.id, room.cursor) > 0) room.cursor = message.id;
    if (room.messages.has(message.id)) return false;
    room.messages.set(message.id, message);
    this.settlePending(room, message);
    return true;
  }

  /** The author's own message arrived: its pending copy (sent, or held then approved) can go. */
  settlePending(room, message) {
    if (!this.user || message.author.id !== this.user.id) return;
    for (const [clientId, p] of room.pending) {
      const sameId = p.id && p.id === message.id;
      const approved = p.status === "held" && message.delayed && p.text === message.text;
      if (sameId || approved) {
        room.pending.delete(clientId);
        return;
      }
    }
  }

  /** The member went away from the room's view and left it: its live state is stale until the next join. */
  leftView(roomId) {
    const room = this.room(roomId);
    room.joined = false;
    room.presence = new Map();
    room.typing = new Map();
    this.emit("room", roomId);
  }

  /** The server took this member out of the room (a suspension): stop offering to post. */
  /** A lifted suspension: the member may read and post here again. */
  rejoinedRoom(roomId) {
    const room = this.room(roomId);
    room.removed = false;
    this.emit("room", roomId);
  }

  leftRoom(roomId) {
    const room = this.room(roomId);
    room.joined = false;
    room.removed = true;
    this.emit("room", roomId);
  }

  removeMessage(roomId, id) {
    const room = this.room(roomId);
    if (room.messages.delete(id)) this.emit("message", roomId);
  }

  /** Messages of a room, oldest first. */
  ordered(roomId) {
    return [...this.room(roomId).messages.values()].sort((a, b) => compareIds(a.id, b.id));
  }

  unread(roomId) {
    const room = this.room(roomId);
    let count = 0;
    for (const m of room.messages.values()) {
      if (m.author.id === this.user?.id) continue;
      if (!room.lastRead || compareIds(m.id, room.lastRead) > 0) count += 1;
    }
    return count;
  }

  markRead(roomId) {
    const room = this.room(roomId);
    if (!room.cursor || room.lastRead === room.cursor) return;
    room.lastRead = room.cursor;
    try {
      const all = JSON.parse(localStorage.getItem(this.readKey) || "{}");
      all[roomId] = room.cursor;
      localStorage.setItem(this.readKey, JSON.stringify(all));
    } catch {
      /* storage may be disabled; unread counts then reset per visit */
    }
    this.emit("read", roomId);
  }

  loadRead(roomId) {
    try {
      return JSON.parse(localStorage.getItem(this.readKey) || "{}")[roomId] || null;
    } catch {
      return null;
    }
  }

  presence(frame) {
    const room = this.room(frame.room);
    if (frame.event === "join") room.presence.set(frame.member.id, frame.member);
    else room.presence.delete(frame.member.id);
    room.typing.delete(frame.member.id);
    this.emit("presence", room.id);
  }

  typing(frame) {
    if (frame.member.id === this.user?.id) return;
    const room = this.room(frame.room);
    room.typing.set(frame.member.id, { handle: frame.member.handle, until: Date.now() + TYPING_SHOWN_MS });
    this.emit("typing", room.id);
  }

  typingNow(roomId) {
    const now = Date.now();
    const room = this.room(roomId);
    for (const [id, t] of room.typing) if (t.until < now) room.typing.delete(id);
    return [...room.typing.values()].map((t) => t.handle);
  }

  // --- the author's own posts until the room has them ---

  addPending(roomId, clientId, text) {
    this.room(roomId).pending.set(clientId, { clientId, text, ts: Date.now(), status: "sending", detail: "", id: null });
    this.emit("pending", roomId);
  }

  findPending(clientId) {
    for (const room of this.rooms.values()) {
      const p = room.pending.get(clientId);
      if (p) return [room, p];
    }
    return [null, null];
  }

  updatePending(clientId, changes) {
    const [room, p] = this.findPending(clientId);
    if (!p) return null;
    Object.assign(p, changes);
    if (p.status === "published" && p.id && room.messages.has(p.id)) room.pending.delete(clientId);
    this.emit("pending", room.id);
    return p;
  }

  dropPending(roomId, clientId) {
    if (this.room(roomId).pending.delete(clientId)) this.emit("pending", roomId);
  }

  /**
   * The server's list of this member's held posts (oldest first). Posts it no longer lists were decided
   * while this device wasn't listening, unless they were held after the list was asked for (`since`).
   */
  setHeld(list, since) {
    const changed = new Set();
    const listed = new Set();
    for (const item of list) {
      listed.add(item.client_id);
      const room = this.room(item.room);
      const before = room.pending.get(item.client_id);
      room.pending.set(item.client_id, {
        clientId: item.client_id, text: item.text, ts: item.ts, status: "held", detail: "", id: null,
        crisis: item.status === "crisis", hidden: item.status === "hidden", heldAt: before?.heldAt || 0,
      });
      changed.add(room.id);
    }
    for (const room of this.rooms.values()) {
      for (const [clientId, p] of room.pending) {
        if (p.status === "held" && !listed.has(clientId) && (p.heldAt || 0) < since) {
          room.pending.delete(clientId);
          changed.add(room.id);
        }
      }
    }
    for (const id of changed) this.emit("pending", id);
  }

  /** Pending and held posts of a room, oldest first. */
  pendingOf(roomId) {
    return [...this.room(roomId).pending.values()].sort((a, b) => a.ts - b.ts);
  }

  // --- check-in threads with a counselor ---

  putThread(summary) {
    let thread = this.threads.get(summary.id);
    if (!thread) {
      thread = { summary, messages: new Map(), loaded: false, notice: "" };
      this.threads.set(summary.id, thread);
    } else if (summary.updated >= thread.summary.updated) {
      thread.summary = summary;
    }
    return thread;
  }

  /** GET /api/me/outreach: the member's threads. */
  setThreads(list) {
    for (const summary of list) this.putThread(summary);
    this.emit("outreach", null);
  }

  /** GET /api/outreach/{id}: one thread in full (its summary is the server's, read marks included). */
  threadLoaded(view) {
    const thread = this.putThread(view.thread);
    thread.summary = view.thread;
    for (const m of view.messages) thread.messages.set(m.id, m);
    thread.loaded = true;
    thread.notice = view.notice;
    this.emit("outreach", view.thread.id);
  }

  /** A live `outreach` frame, or a message this client just sent; true if it was new. */
  threadMessage(summary, message, notice) {
    const thread = this.putThread(summary);
    const fresh = !thread.messages.has(message.id);
    thread.messages.set(message.id, message);
    if (notice) thread.notice = notice;
    this.emit("outreach", summary.id);
    return fresh;
  }

  threadMessages(id) {
    const thread = this.threads.get(id);
    return thread ? [...thread.messages.values()].sort((a, b) => a.ts - b.ts || (a.id < b.id ? -1 : 1)) : [];
  }

  /** Threads with a counselor's message this member has not opened (nor put off with "Not now"). */
  unreadCheckIns() {
    return [...this.threads.values()]
      .map((t) => t.summary)
      .filter((s) => s.unread && s.member.id === this.user?.id && s.updated > this.checkInsSeen)
      .sort((a, b) => b.updated - a.updated);
  }

  /** The member's own threads, most recent first. */
  myThreads() {
    return [...this.threads.values()]
      .map((t) => t.summary)
      .filter((s) => s.member.id === this.user?.id)
      .sort((a, b) => b.updated - a.updated);
  }

  putOffCheckIns() {
    this.checkInsSeen = Math.max(0, ...this.unreadCheckIns().map((s) => s.updated));
    this.emit("outreach", null);
  }

  // --- private notices (crisis support, warnings, mutes) ---

  addNotice(notice) {
    if (notice.kind === "crisis" && notice.ref) {
      if (this.crisisRefs.has(notice.ref)) return;
      this.crisisRefs.add(notice.ref);
    }
    this.noticeSeq = (this.noticeSeq || 0) + 1;
    const item = { ...notice, key: `n${this.noticeSeq}` };
    if (notice.room) this.room(notice.room).notices.push(item);
    else this.notices.push(item);
    this.emit("notice", notice.room || null);
  }

  dismissNotice(roomId, key) {
    const list = roomId ? this.room(roomId).notices : this.notices;
    const i = list.findIndex((n) => n.key === key);
    if (i >= 0) list.splice(i, 1);
    this.emit("notice", roomId);
  }
}
