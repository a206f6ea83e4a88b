// Urgent-case alerts for counselors and admins, on every page of the app: a banner under the
// top bar, a count in the page title, an optional tone (Web Audio, no file) and an opt-in
// desktop notification. Live `case` frames (Chat.onCase) drive it; the open queue is read at
// start and after every reconnect, so a case claimed or opened while the socket was down is
// caught up. Nothing here ever shows what anyone wrote: a case summary carries no post text,
// and the desktop notification names only the room.

import { h } from "./dom.js";

const SOUND_KEY = "between:alerts:sound";
const DESKTOP_KEY = "between:alerts:desktop";
const DESKTOP_EXPLAINED = "Get a desktop alert when a member may be in crisis. Alerts never include what anyone wrote.";
const BANNERS_SHOWN = 3; // more than this and the rest are one link to the queue
const KEEP_DISMISSED = 200;

function readPref(key) {
  try {
    return localStorage.getItem(key) === "on";
  } catch {
    return false;
  }
}

function writePref(key, on) {
  try {
    if (on) localStorage.setItem(key, "on");
    else localStorage.removeItem(key);
  } catch {
    /* storage disabled: the choice lasts for this page only */
  }
}

const notifications = () => ("Notification" in window ? window.Notification : null);

// Two short rising beeps, generated: calm enough for a clinic, distinct from any chat sound.
function playTone(audio) {
  const start = audio.currentTime + 0.02;
  [660, 880].forEach((frequency, i) => {
    const t = start + i * 0.2;
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = "sine";
    osc.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, t);
    gain.gain.exponentialRampToValueAtTime(0.25, t + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.18);
    osc.connect(gain).connect(audio.destination);
    osc.start(t);
    osc.stop(t + 0.2);
  });
}

/** Urgent-case alerts of one signed-in counselor or admin (never started for members or mentors). */
export class UrgentAlerts {
  /**
   * @param {{chat: import("./chat.js").Chat, store: import("./store.js").Store, user: object,
   *   api: object, navigate: (path: string) => void, announce: (text: string) => void}} deps
   */
  constructor({ chat, store, user, api, navigate, announce }) {
    this.chat = chat;
    this.store = store;
    this.user = user;
    this.api = api;
    this.navigate = navigate;
    this.announce = announce;
    this.startedAt = Date.now();
    this.alerts = new Map(); // case id -> summary, for urgent open cases not dismissed here
    this.latest = new Map(); // case id -> newest `updated` seen, so an older event can't undo a newer one
    this.heardAt = new Map(); // case id -> when its last live event arrived, so a slow queue read can't undo it
    this.banners = new Map(); // case id -> banner node (kept, so a redraw doesn't re-announce it)
    this.shown = new Map(); // case id -> desktop Notification
    this.dismissedKey = `between:alerts:dismissed:${user.id}`;
    this.dismissed = this.loadDismissed();
    this.audio = null;
    this.offs = [];
    this.settingTitle = false;
    this.region = h("div", { className: "urgent-alerts", id: "urgent-alerts" });
    this.more = h("p", { className: "urgent-more", hidden: true });
    this.region.append(this.more);
    this.controls = this.buildControls();
  }

  start() {
    document.querySelector(".topbar")?.after(this.region);
    this.offs.push(this.chat.onCase((event, c) => this.onCase(event, c)));
    let wasOpen = false;
    this.offs.push(this.store.subscribe((kind) => {
      if (kind !== "connection") return;
      const open = this.store.connection === "open";
      if (open && !wasOpen) this.sync(); // first connect and every reconnect
      wasOpen = open;
    }));
    const onRoute = () => {
      this.controls.open = false;
      this.draw();
    };
    window.addEventListener("hashchange", onRoute);
    this.offs.push(() => window.removeEventListener("hashchange", onRoute));
    // Views set document.title as they render; the urgent count is put back in front each time.
    const title = document.querySelector("title");
    if (title) {
      const observer = new MutationObserver(() => this.drawTitle());
      observer.observe(title, { childList: true, characterData: true, subtree: true });
      this.offs.push(() => observer.disconnect());
    }
    // Browsers start audio only after a gesture: the first tap or key after a reload unlocks the tone.
    const unlock = () => this.audio?.state === "suspended" && this.audio.resume().catch(() => {});
    window.addEventListener("pointerdown", unlock);
    window.addEventListener("keydown", unlock);
    this.offs.push(() => {
      window.removeEventListener("pointerdown", unlock);
      window.removeEventListener("keydown", unlock);
    });
    this.sync();
  }

  stop() {
    for (const off of this.offs.splice(0)) off();
    for (const n of this.shown.values()) n.close();
    this.shown.clear();
    this.alerts.clear();
    this.region.remove();
    this.controls.remove();
    this.drawTitle();
    this.audio?.close().catch(() => {});
  }

  /** The alert settings (sound, desktop alerts) for the top bar; the same node on every render. */
  control() {
    return this.controls;
  }

  // --- what is urgent ---

  onCase(event, c) {
    if ((this.latest.get(c.id) || 0) > c.updated) return; // an older event arriving late
    this.latest.set(c.id, c.updated);
    this.heardAt.set(c.id, performance.now());
    if (!this.alerting(c)) {
      this.clear(c.id);
      return;
    }
    // Let go back to the queue: nobody has it any more, so it needs someone again.
    if (event === "released") this.undismiss(c.id);
    this.raise(c, true);
  }

  /** Urgent until resolved, like the queue's "open"; not for the counselor who holds it (they have it). */
  alerting(c) {
    return c.urgent && c.status !== "resolved" && c.assignee !== this.user.id;
  }

  raise(c, live) {
    if (this.dismissed.has(c.id)) return;
    const isNew = !this.alerts.has(c.id);
    this.alerts.set(c.id, c);
    const where = this.banners.get(c.id)?.querySelector(".urgent-where");
    if (where) where.textContent = this.whereText(c);
    this.draw();
    if (isNew && live) this.ring(c);
  }

  clear(id) {
    this.shown.get(id)?.close();
    this.shown.delete(id);
    if (this.alerts.delete(id)) this.draw();
  }

  /** Re-read every program's open queue: raise what is missing, clear what is no longer open. */
  async sync() {
    const programs = this.user.programs || [];
    const began = performance.now();
    const liveSince = (id) => (this.heardAt.get(id) ?? -1) >= began; // live news beats this read
    const open = new Map();
    try {
      const lists = await Promise.all(programs.map((p) => this.api.review.cases(p, "open")));
      for (const list of lists) for (const c of list.cases || []) if (this.alerting(c)) open.set(c.id, c);
    } catch {
      return; // offline or refused: live events still arrive, and the next reconnect reads again
    }
    for (const id of [...this.alerts.keys()]) if (!open.has(id) && !liveSince(id)) this.clear(id);
    for (const c of open.values()) {
      if (liveSince(c.id) || (this.latest.get(c.id) || 0) > c.updated) continue;
      // Cases from before this session are shown quietly; ones missed while disconnected ring.
      this.raise(c, c.created >= this.startedAt);
    }
    const stale = [...this.dismissed].filter((id) => !open.has(id) && !liveSince(id));
    if (stale.length) {
      for (const id of stale) this.dismissed.delete(id);
      this.saveDismissed();
    }
  }

  // --- dismissing (this browser only: the case stays in everyone's queue) ---

  loadDismissed() {
    try {
      return new Set(JSON.parse(localStorage.getItem(this.dismissedKey) || "[]"));
    } catch {
      return new Set();
    }
  }

  saveDismissed() {
    try {
      localStorage.setItem(this.dismissedKey, JSON.stringify([...this.dismissed].slice(-KEEP_DISMISSED)));
    } catch {
      /* storage disabled: dismissals last for this page only */
    }
  }

  dismiss(id) {
    const hadFocus = this.banners.get(id)?.contains(document.activeElement);
    this.dismissed.add(id);
    this.saveDismissed();
    this.clear(id);
    if (hadFocus) document.getElementById("main")?.focus();
    this.announce("Alert dismissed. The case is still in the queue.");
  }

  undismiss(id) {
    if (this.dismissed.delete(id)) this.saveDismissed();
  }

  // --- drawing ---

  roomName(id) {
    return this.store.room(id).info?.name || "a room";
  }

  whereText(c) {
    const owner = c.assignee ? "A colleague has claimed it." : "Nobody has claimed it yet.";
    return `In ${this.roomName(c.room)}. ${owner}`;
  }

  banner(c) {
    const room = this.roomName(c.room);
    return h(
      "div",
      { className: "banner urgent-alert", role: "alert", "data-case": c.id },
      h("div", {},
        h("strong", { className: "banner-title" }, "Urgent: a member may be in crisis"),
        h("span", { className: "urgent-where" }, this.whereText(c))),
      h("div", { className: "urgent-actions" },
        h("a", { className: "btn btn-small btn-urgent", href: `#/staff/case/${encodeURIComponent(c.id)}` },
          "Open case", h("span", { className: "visually-hidden" }, ` in ${room}`)),
        h("button", { type: "button", className: "btn btn-small btn-quiet", onclick: () => this.dismiss(c.id) },
          "Dismiss", h("span", { className: "visually-hidden" }, ` alert for ${room}`))),
    );
  }

  draw() {
    const viewing = decodeURIComponent(location.hash.match(/^#\/staff\/case\/([^/?]+)/)?.[1] || "");
    const list = [...this.alerts.values()].sort((a, b) => a.created - b.created);
    const keep = new Set(list.map((c) => c.id));
    for (const [id, node] of this.banners) {
      if (!keep.has(id)) {
        node.remove();
        this.banners.delete(id);
      }
    }
    // The case on screen needs no banner pointing at itself; it comes back if the case is left unclaimed.
    const visible = list.filter((c) => c.id !== viewing);
    visible.forEach((c, i) => {
      let node = this.banners.get(c.id);
      if (!node) {
        node = this.banner(c);
        this.banners.set(c.id, node);
        this.region.insertBefore(node, this.more);
      }
      node.hidden = i >= BANNERS_SHOWN;
    });
    const own = this.banners.get(viewing);
    if (own) own.hidden = true;
    const extra = visible.length - BANNERS_SHOWN;
    this.more.hidden = extra <= 0;
    if (extra > 0) {
      this.more.replaceChildren(h("a", { href: "#/staff" }, `${extra} more urgent ${extra === 1 ? "case" : "cases"} in the queue`));
    }
    this.drawTitle();
  }

  drawTitle() {
    if (this.settingTitle) return;
    const base = document.title.replace(/^\(\d+\) Urgent cases? · /, "");
    const n = this.alerts.size;
    const wanted = n ? `(${n}) Urgent ${n === 1 ? "case" : "cases"} · ${base}` : base;
    if (document.title === wanted) return;
    this.settingTitle = true;
    document.title = wanted;
    this.settingTitle = false;
  }

  // --- sound and desktop alerts ---

  ring(c) {
    if (readPref(SOUND_KEY)) this.tone();
    const N = notifications();
    if (!N || N.permission !== "granted" || !readPref(DESKTOP_KEY)) return;
    try {
      // The room's name only: no handle, no words of the post (a notification can show on a lock screen).
      const note = new N(`Urgent case in ${this.roomName(c.room)}`, { tag: `between-case-${c.id}`, requireInteraction: true });
      note.onclick = () => {
        window.focus();
        this.navigate(`/staff/case/${encodeURIComponent(c.id)}`);
        note.close();
      };
      note.onclose = () => this.shown.get(c.id) === note && this.shown.delete(c.id);
      this.shown.set(c.id, note);
    } catch {
      /* some browsers only notify from a service worker: the banner and title still carry the alert */
    }
  }

  tone() {
    const Audio = window.AudioContext || window.webkitAudioContext;
    if (!Audio) return;
    try {
      this.audio = this.audio || new Audio();
      if (this.audio.state === "suspended") this.audio.resume().catch(() => {});
      playTone(this.audio);
    } catch {
      /* no audio device: the banner and title still carry the alert */
    }
  }

  buildControls() {
    const status = h("p", { className: "alert-status", role: "status" });
    const desktopButton = h("button", { type: "button", className: "btn btn-small", onclick: () => this.turnOnDesktop(status) },
      "Turn on desktop alerts");
    const offButton = h("button", { type: "button", className: "btn btn-small btn-quiet", onclick: () => {
      writePref(DESKTOP_KEY, false);
      status.textContent = "Desktop alerts are off on this device.";
      drawDesktop();
    } }, "Turn off desktop alerts");
    const sound = h("input", { type: "checkbox", id: "alert-sound", checked: readPref(SOUND_KEY), onchange: () => {
      writePref(SOUND_KEY, sound.checked);
      if (sound.checked) this.tone(); // a gesture: unlocks audio and lets the counselor hear what it sounds like
    } });
    const desktopState = h("p", { className: "hint" });
    const drawDesktop = () => {
      const N = notifications();
      const on = N && N.permission === "granted" && readPref(DESKTOP_KEY);
      desktopButton.hidden = !N || N.permission === "denied" || on;
      offButton.hidden = !on;
      desktopState.textContent = !N
        ? "This browser can't show desktop alerts."
        : N.permission === "denied"
          ? "Desktop alerts are blocked in this browser's site settings."
          : on ? "Desktop alerts are on on this device." : "";
      desktopState.hidden = !desktopState.textContent;
    };
    this.drawDesktop = drawDesktop;
    drawDesktop();
    const details = h(
      "details",
      {
        className: "alert-settings",
        ontoggle: () => details.open && drawDesktop(),
        onkeydown: (event) => {
          if (event.key !== "Escape" || !details.open) return;
          details.open = false;
          details.querySelector("summary").focus();
        },
      },
      h("summary", { className: "btn btn-quiet btn-small" }, "Alerts"),
      h("div", { className: "alert-panel" },
        h("p", { className: "alert-lede" }, "Urgent cases show at the top of every page until they are resolved or you claim or dismiss them."),
        h("p", { className: "hint" }, DESKTOP_EXPLAINED),
        desktopState, desktopButton, offButton,
        h("div", { className: "alert-sound" }, sound, h("label", { for: "alert-sound" }, "Play a sound with urgent alerts")),
        status),
    );
    return details;
  }

  /** Ask for notification permission: only ever from this button, never on page load. */
  async turnOnDesktop(status) {
    const N = notifications();
    if (!N) return;
    let permission;
    try {
      permission = await N.requestPermission(); // answers at once if the browser already decided
    } catch {
      permission = N.permission;
    }
    writePref(DESKTOP_KEY, permission === "granted");
    status.textContent = permission === "granted"
      ? "Desktop alerts are on. They say only which room, never what anyone wrote."
      : "Desktop alerts weren't allowed. Alerts still show here, at the top of every page.";
    this.drawDesktop();
  }
}
