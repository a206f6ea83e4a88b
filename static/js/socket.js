// One WebSocket per signed-in tab: reconnects by itself and resumes every wanted room
// from its last message id. It knows nothing about messages beyond the cursor callback.

const PING_EVERY_MS = 25_000;
const SILENCE_LIMIT_MS = 60_000;
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 15_000;

// Close codes (README / service/errors.py): 4000–4499 reconnect, 4500–4999 terminal.
const SIGNED_OUT = 4501;
const TOO_MANY_BAD_FRAMES = 4529;
const SERVICE_RESTART = 1012;

/**
 * Status is one of: "connecting" (first attempt), "open", "reconnecting",
 * "signed-out" (go to sign-in) or "refused" (stopped for good), "stopped".
 */
export class Socket {
  /**
   * @param {object} o
   * @param {(frame: object) => void} o.onFrame  every parsed server frame
   * @param {(status: string) => void} o.onStatus status changes
   * @param {(room: string) => string|null} o.cursorOf  last message id seen in a room
   * @param {() => Promise<boolean>} o.stillSignedIn  asked when a handshake fails
   */
  constructor({ onFrame, onStatus, cursorOf, stillSignedIn, url }) {
    this.onFrame = onFrame;
    this.onStatus = onStatus;
    this.cursorOf = cursorOf;
    this.stillSignedIn = stillSignedIn;
    this.url = url || `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
    this.rooms = new Map(); // room -> true while only watched (unread counts), false while on screen
    this.leaving = new Map(); // room -> leaves sent and not yet answered on this connection
    this.ws = null;
    this.status = "stopped";
    this.attempt = 0;
    this.timer = null;
    this.pinger = null;
    this.lastHeard = 0;
    this.onOnline = () => this.retryNow();
  }

  /** Connect (once); later drops are handled internally. */
  start() {
    if (this.status !== "stopped") return;
    window.addEventListener("online", this.onOnline);
    this.setStatus("connecting");
    this.connect();
  }

  /** Close for good (sign-out, page leaving). */
  stop(status = "stopped") {
    window.removeEventListener("online", this.onOnline);
    clearTimeout(this.timer);
    clearInterval(this.pinger);
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.close(1000, "bye");
    this.setStatus(status);
  }

  /**
   * Keep `room` joined across reconnects. `watch`: receive it (unread counts) without being shown as
   * here; switching a room from here to watched leaves its presence at once (the server re-joins it).
   */
  want(room, { watch = false } = {}) {
    if (this.rooms.get(room) === watch) return;
    this.rooms.set(room, watch);
    if (this.isOpen) this.join(room);
  }

  /** Stop following `room` altogether: leave it now, keep the socket for the rest. */
  unwant(room) {
    if (!this.rooms.delete(room)) return;
    if (this.isOpen && this.send({ type: "leave", room })) this.leaving.set(room, (this.leaving.get(room) || 0) + 1);
  }

  /** The answer to a leave we sent is ours; a `left` nobody asked for (a suspension) goes to the app. */
  answeredLeave(frame) {
    const pending = this.leaving.get(frame.room) || 0;
    if (frame.type !== "left" || !pending) return false;
    if (pending > 1) this.leaving.set(frame.room, pending - 1);
    else this.leaving.delete(frame.room);
    return true;
  }

  get isOpen() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  /** Send a frame now; false if the socket is not open (callers keep and retry). */
  send(frame) {
    if (!this.isOpen) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  join(room) {
    const after = this.cursorOf(room);
    const frame = { type: "join", room };
    if (after) frame.after = after;
    if (this.rooms.get(room)) frame.watch = true;
    this.send(frame);
  }

  setStatus(status) {
    if (this.status === status) return;
    this.status = status;
    this.onStatus(status);
  }

  connect() {
    let opened = false;
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.addEventListener("open", () => {
      if (this.ws !== ws) return;
      opened = true;
      this.attempt = 0;
      this.leaving.clear();
      this.lastHeard = Date.now();
      this.setStatus("open");
      for (const room of this.rooms.keys()) this.join(room);
      clearInterval(this.pinger);
      this.pinger = setInterval(() => this.heartbeat(), PING_EVERY_MS);
    });
    ws.addEventListener("message", (event) => {
      if (this.ws !== ws) return;
      this.lastHeard = Date.now();
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      if (frame && typeof frame.type === "string" && !this.answeredLeave(frame)) this.onFrame(frame);
    });
    ws.addEventListener("close", (event) => {
      if (this.ws !== ws) return; // stopped or replaced on purpose
      this.ws = null;
      clearInterval(this.pinger);
      this.closed(event.code, opened);
    });
  }

  async closed(code, opened) {
    if (code === SIGNED_OUT) return this.stop("signed-out");
    if (code === TOO_MANY_BAD_FRAMES) return this.stop("refused");
    if (!opened) {
      // A refused handshake looks like 1006 in browsers: ask whether the session is still alive.
      const alive = await this.stillSignedIn().catch(() => true);
      if (!alive) return this.stop("signed-out");
    }
    this.setStatus("reconnecting");
    this.schedule(code === SERVICE_RESTART ? 0 : this.backoff());
  }

  backoff() {
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** this.attempt);
    this.attempt += 1;
    // "Equal jitter": never zero, never a thundering herd after a restart.
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  schedule(delay) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (this.status === "reconnecting") this.connect();
    }, delay + Math.random() * 250);
  }

  /** The browser says we are back online: don't wait out the backoff. */
  retryNow() {
    if (this.status === "reconnecting" && this.ws === null) this.schedule(0);
  }

  heartbeat() {
    if (Date.now() - this.lastHeard > SILENCE_LIMIT_MS && this.ws) {
      this.ws.close(4000, "silent"); // a half-open socket: start over
      return;
    }
    this.send({ type: "ping" });
  }
}
