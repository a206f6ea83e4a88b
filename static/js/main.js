// Boot: find out who is signed in, then route between the views.

import * as api from "./api.js";
import { UrgentAlerts } from "./alerts.js";
import { announce } from "./announce.js";
import { Chat } from "./chat.js";
import { h, replace } from "./dom.js";
import { match, navigate, route } from "./router.js";
import { Store } from "./store.js";
import { renderAdmin } from "./views/admin.js";
import { renderAudit } from "./views/audit.js";
import { renderCase } from "./views/case.js";
import { renderDashboard } from "./views/dashboard.js";
import { renderMember } from "./views/member.js";
import { renderOncall } from "./views/oncall.js";
import { renderRoom } from "./views/room.js";
import { renderRooms } from "./views/rooms.js";
import { renderThread } from "./views/thread.js";
import { renderInvite, renderSignIn } from "./views/signin.js";
import { SupportDialog } from "./views/support.js";

const main = document.getElementById("main");
const support = new SupportDialog();
let session = null; // {store, chat, user, programs}
let cleanup = () => {};

const isStaff = (user) => user.role === "counselor" || user.role === "admin";

function ctx() {
  return { ...session, api, navigate, announce, main, support, signedIn: startSession, isStaff };
}

function guard(render, { staff = false, anonymous = false } = {}) {
  return (params, query) => {
    if (anonymous) return render(ctx(), params, query);
    if (!session) return navigate("/signin");
    if (staff && !isStaff(session.user)) return navigate("/rooms");
    return render(ctx(), params, query);
  };
}

route("/signin", guard(renderSignIn, { anonymous: true }));
route("/invite", guard(renderInvite, { anonymous: true }));
route("/rooms", guard(renderRooms));
route("/room/:id", guard(renderRoom));
route("/outreach/:id", guard(renderThread));
route("/staff", guard(renderDashboard, { staff: true }));
route("/staff/:program", guard(renderDashboard, { staff: true }));
route("/staff/case/:id", guard(renderCase, { staff: true }));
route("/staff/audit/:program", guard(renderAudit, { staff: true }));
route("/staff/member/:id", guard(renderMember, { staff: true }));
route("/staff/oncall/:program", guard(renderOncall, { staff: true }));
route("/admin", guard(renderAdmin, { staff: true }));

function show() {
  cleanup();
  cleanup = () => {};
  const found = match();
  if (!found) return navigate(session ? "/rooms" : "/signin");
  if (session && (found.path === "/signin" || found.path === "/invite")) return navigate("/rooms");
  renderNav(found.path);
  const result = found.render(found.params, found.query);
  if (typeof result === "function") cleanup = result;
}

function renderNav(path) {
  const nav = document.getElementById("nav");
  const account = document.getElementById("account");
  nav.hidden = account.hidden = !session;
  if (!session) return;
  const link = (href, label, active) =>
    h("a", { href: `#${href}`, className: "nav-link", "aria-current": active ? "page" : false }, label);
  const links = [link("/rooms", "Rooms", path === "/rooms" || path.startsWith("/room/"))];
  if (isStaff(session.user)) links.push(link("/staff", "Counselor queue", path.startsWith("/staff")));
  // Admins run programs, rooms and invites; counselors use the same page to invite members and mentors.
  if (isStaff(session.user)) links.push(link("/admin", session.user.role === "admin" ? "Admin" : "Invite", path === "/admin"));
  replace(nav, links);
  replace(
    account,
    session.alerts ? session.alerts.control() : null,
    // Crisis lines are one tap away in every view, not only after a flagged post.
    h("button", { type: "button", className: "btn btn-care btn-small get-help", onclick: () => support.show() }, "Get help now"),
    h("span", { className: "whoami" }, h("span", { className: "visually-hidden" }, "Signed in as "), session.user.handle),
    h("button", { type: "button", className: "btn btn-quiet", onclick: signOut }, "Sign out"),
  );
}

function renderConnection(status) {
  const el = document.getElementById("connection");
  const text = {
    connecting: "Connecting…",
    reconnecting: "Connection lost. Reconnecting…",
    refused: "The connection was closed. Reload the page to try again.",
  }[status];
  el.hidden = !text;
  el.textContent = text || "";
  el.dataset.status = status;
}

async function startSession(user, programs, help) {
  support.setFallback(help);
  const store = new Store();
  store.setSession(user, programs || []);
  const chat = new Chat(store, { announce, signedOut: () => endSession("Your session ended. Please sign in again.") });
  // Urgent-case alerts on every page, for counselors and admins only (crisis cases are not for mentors).
  const alerts = isStaff(user) ? new UrgentAlerts({ chat, store, user, api, navigate, announce }) : null;
  session = { store, chat, user, programs: programs || [], alerts };
  store.subscribe((kind) => kind === "connection" && renderConnection(store.connection));
  let list = [];
  try {
    list = (await api.rooms()).rooms;
  } catch {
    list = [];
  }
  store.setRoomList(list);
  alerts?.start();
  chat.start(list.map((r) => r.id));
  if (!location.hash || location.hash === "#/signin" || location.hash === "#/invite") {
    navigate(isStaff(user) ? "/staff" : "/rooms");
  } else {
    show();
  }
}

function endSession(message) {
  if (session) session.chat.stop();
  if (session) session.alerts?.stop();
  support.reset();
  session = null;
  renderConnection("stopped");
  if (message) sessionStorage.setItem("between:flash", message);
  navigate("/signin");
}

async function signOut() {
  // Held and unsent posts are kept per tab; a deliberate sign-out leaves nothing behind.
  if (session) sessionStorage.removeItem(`between:pending:${session.user.id}`);
  try {
    await api.logout();
  } catch {
    /* signed out locally either way */
  }
  endSession("You're signed out. Take care.");
}

window.addEventListener("hashchange", show);

async function boot() {
  try {
    const { user, programs, support: help } = await api.me();
    await startSession(user, programs, help);
  } catch {
    if (!location.hash.startsWith("#/invite")) navigate("/signin");
    else show();
  }
}

boot();
