// Running a program: programs and rooms (admins), and invite codes (admins for every role,
// counselors for members and mentors; the server enforces both: service/http/admin.py).
// An invite code is shown once, here, and never stored in the browser.

import { field, h, replace, submitting } from "../dom.js";

const KIND_LABEL = { cohort: "Group (always open)", evening: "Evening (hosted)", staff: "Staff only" };
const ROLE_LABEL = { member: "Member", mentor: "Peer mentor", counselor: "Counselor", admin: "Admin" };
const HOST_ROLES = "mentor,counselor,admin";
const p = encodeURIComponent;

function errorBox() {
  return h("p", { className: "form-error", role: "alert", hidden: true });
}

function fail(box, err) {
  box.textContent = err.status === 403 ? "You don't have access to do that." : err.message || "Something went wrong.";
  box.hidden = false;
}


function timezones() {
  const here = Intl.DateTimeFormat().resolvedOptions().timeZone || "America/Chicago";
  let all = [];
  try {
    all = Intl.supportedValuesOf("timeZone");
  } catch {
    all = [];
  }
  return { here, all: all.includes(here) ? all : [here, ...all] };
}

export function renderAdmin(ctx) {
  const isAdmin = ctx.user.role === "admin";
  let programs = [];
  let program = (ctx.user.programs || [])[0] || null;
  let people = [];
  let gone = false;

  const picker = h("div", { className: "admin-picker" });
  const programsBox = h("div");
  const roomsBox = h("div");
  const roomsTitle = h("h2", { id: "rooms-title" }, "Rooms");
  const inviteBox = h("div");
  const page = h(
    "div",
    { className: "page-wide admin" },
    h("h1", { id: "admin-title" }, isAdmin ? "Admin" : "Invite people"),
    h("p", { className: "lede" }, isAdmin
      ? "Programs, their rooms and who hosts them, and invite codes for new accounts."
      : "Invite members and peer mentors to your program. Each person chooses their own pseudonymous handle."),
    picker,
    h("div", { className: "admin-grid" },
      isAdmin ? h("section", { className: "panel", "aria-labelledby": "programs-title" },
        h("h2", { id: "programs-title" }, "Programs"), programsBox) : null,
      isAdmin ? h("section", { className: "panel", "aria-labelledby": "rooms-title" }, roomsTitle, roomsBox) : null,
      h("section", { className: "panel", "aria-labelledby": "invite-title" },
        h("h2", { id: "invite-title" }, "Invite codes"), inviteBox)),
  );
  replace(ctx.main, page);
  document.title = `${isAdmin ? "Admin" : "Invite people"} · Between`;

  const programName = (id) => programs.find((x) => x.id === id)?.name || "this program";

  // --- programs ---

  function drawPicker() {
    if (programs.length < 2) {
      replace(picker);
      return;
    }
    const select = h("select", { onchange: () => choose(select.value) },
      programs.map((x) => h("option", { value: x.id, selected: x.id === program }, x.name)));
    replace(picker, field("Program", select));
  }

  function drawPrograms() {
    const name = h("input", { name: "program-name", required: true, maxLength: 80, autocomplete: "off" });
    const { here, all } = timezones();
    const zone = h("select", { name: "timezone" }, (all.length ? all : [here]).map((z) => h("option", { value: z, selected: z === here }, z)));
    const error = errorBox();
    const form = h("form", {
      className: "admin-form", "aria-labelledby": "new-program-title",
      onsubmit: (event) => {
        event.preventDefault();
        error.hidden = true;
        submitting(form, async () => {
          try {
            const made = await ctx.api.post("/api/programs", { name: name.value.trim(), timezone: zone.value });
            // The server made the caller an admin of it; this session's account follows without a reload.
            if (!ctx.user.programs.includes(made.id)) ctx.user.programs.push(made.id);
            ctx.announce(`Program ${made.name} created.`);
            await loadPrograms(made.id);
          } catch (err) {
            fail(error, err);
          }
        });
      },
    },
    h("h3", { id: "new-program-title" }, "New program"),
    error,
    field("Name", name, "One clinic or location, e.g. \"Dallas evening IOP\"."),
    field("Time zone", zone),
    h("button", { type: "submit", className: "btn btn-primary" }, "Create program"));
    replace(programsBox,
      programs.length
        ? h("ul", { className: "plain-list admin-list", "aria-label": "Your programs" }, programs.map((x) =>
            h("li", { "data-program": x.id },
              h("strong", {}, x.name), h("span", { className: "hint" }, ` · ${x.timezone}`),
              x.id === program ? h("span", { className: "hint" }, " · selected") : null)))
        : h("p", { className: "empty" }, "No programs yet."),
      form);
  }

  // --- rooms ---

  function hostNames(room) {
    const byId = new Map(people.map((x) => [x.id, x.handle]));
    const names = room.hosts.map((id) => byId.get(id)).filter(Boolean);
    const others = room.hosts.length - names.length;
    if (others) names.push(`${others} other${others === 1 ? "" : "s"}`);
    return names.length ? `Hosted by ${names.join(", ")}` : "No host";
  }

  function drawRooms(rooms) {
    roomsTitle.textContent = `Rooms in ${programName(program)}`;
    const name = h("input", { name: "room-name", required: true, maxLength: 80, autocomplete: "off" });
    const kind = h("select", { name: "kind" }, Object.entries(KIND_LABEL).map(([value, label]) => h("option", { value }, label)));
    const choices = people.map((x) => h("input", { type: "checkbox", name: "host", value: x.id, id: `host-${x.id}` }));
    const hosts = h("fieldset", { className: "admin-hosts" },
      h("legend", {}, "Hosts"),
      people.length
        ? h("p", { className: "hint" }, "Mentors and staff who lead the room. They can hide posts pending review.")
        : h("p", { className: "hint" }, "No mentors or counselors in this program yet. Invite one, then add them here."),
      people.map((x, i) => h("div", { className: "admin-check" }, choices[i],
        h("label", { for: choices[i].id }, x.handle, h("span", { className: "hint" }, ` (${ROLE_LABEL[x.role] || x.role})`)))));
    const error = errorBox();
    const form = h("form", {
      className: "admin-form", "aria-labelledby": "new-room-title",
      onsubmit: (event) => {
        event.preventDefault();
        error.hidden = true;
        submitting(form, async () => {
          try {
            const body = { name: name.value.trim(), kind: kind.value, hosts: choices.filter((c) => c.checked).map((c) => c.value) };
            const made = await ctx.api.post(`/api/programs/${p(program)}/rooms`, body);
            ctx.announce(`Room ${made.name} created.`);
            await Promise.all([loadRooms(), joinNewRooms()]);
          } catch (err) {
            fail(error, err);
          }
        });
      },
    },
    h("h3", { id: "new-room-title" }, "New room"),
    error,
    field("Room name", name),
    field("Kind", kind, "Group rooms are always open; evening rooms are led by a host; staff rooms have no members."),
    hosts,
    h("button", { type: "submit", className: "btn btn-primary" }, "Create room"));
    replace(roomsBox,
      rooms.length
        ? h("ul", { className: "plain-list admin-list", "aria-label": `Rooms in ${programName(program)}` }, rooms.map((r) =>
            h("li", { "data-room": r.id },
              h("strong", {}, r.name),
              h("span", { className: "hint" }, ` · ${KIND_LABEL[r.kind] || r.kind} · ${hostNames(r)}`))))
        : h("p", { className: "empty" }, "No rooms in this program yet."),
      form);
  }

  // A new room should be enterable at once from "Rooms", without signing in again.
  async function joinNewRooms() {
    try {
      const list = (await ctx.api.rooms()).rooms;
      ctx.store.setRoomList(list);
      ctx.chat.start(list.map((r) => r.id));
    } catch {
      /* the rooms list catches up on the next sign-in */
    }
  }

  // --- invites ---

  function drawInvite() {
    const roles = isAdmin ? ["member", "mentor", "counselor", "admin"] : ["member", "mentor"];
    const role = h("select", { name: "role" }, roles.map((r) => h("option", { value: r }, ROLE_LABEL[r])));
    const uses = h("input", { name: "uses", type: "number", min: 1, max: 1000, value: 1, required: true, inputMode: "numeric" });
    const days = h("input", { name: "days", type: "number", min: 1, max: 90, value: 14, required: true, inputMode: "numeric" });
    const error = errorBox();
    const result = h("div", { className: "invite-result", hidden: true });
    const form = h("form", {
      className: "admin-form", "aria-labelledby": "new-invite-title",
      onsubmit: (event) => {
        event.preventDefault();
        error.hidden = true;
        submitting(form, async () => {
          try {
            const body = { role: role.value, uses: Number(uses.value), ttl_days: Number(days.value) };
            const made = await ctx.api.post(`/api/programs/${p(program)}/invites`, body);
            showCode(result, made, body.ttl_days);
          } catch (err) {
            fail(error, err);
          }
        });
      },
    },
    h("h3", { id: "new-invite-title" }, `New invite for ${programName(program)}`),
    error,
    field("Role", role, isAdmin ? null : "Counselor and admin invites come from an admin."),
    h("div", { className: "admin-row" },
      field("Uses", uses, "How many people can join with it."),
      field("Expires after (days)", days, "1 to 90 days.")),
    h("button", { type: "submit", className: "btn btn-primary" }, "Create invite"));
    replace(inviteBox, form, result);
  }

  function showCode(box, made, ttlDays) {
    const until = new Date(Date.now() + ttlDays * 86_400_000).toLocaleDateString(undefined, { month: "short", day: "numeric" });
    const code = h("code", { className: "invite-code" }, made.code);
    const copied = h("span", { className: "copy-status", role: "status" });
    const copy = h("button", { type: "button", className: "btn btn-small", onclick: async () => {
      copied.textContent = "";
      try {
        await navigator.clipboard.writeText(made.code);
        copied.textContent = "Copied";
      } catch {
        // No clipboard access (browser setting): select the code so one keystroke copies it.
        const range = document.createRange();
        range.selectNodeContents(code);
        getSelection().removeAllRanges();
        getSelection().addRange(range);
        copied.textContent = "Couldn't copy automatically. The code is selected: press Ctrl+C (⌘C on a Mac).";
      }
    } }, "Copy", h("span", { className: "visually-hidden" }, " invite code"));
    replace(box,
      h("p", { className: "invite-terms", id: "invite-made" },
        `${ROLE_LABEL[made.role] || made.role} invite · ${made.uses} ${made.uses === 1 ? "use" : "uses"} · expires ${until}`),
      h("div", { className: "invite-code-row" }, code, copy, copied),
      h("p", { className: "hint" },
        `Give it to the person yourself, in person or by phone. It is shown only this once. They join at ${location.origin}/#/invite.`));
    box.hidden = false;
    copy.focus();
    ctx.announce("Invite code created.");
  }

  // --- loading ---

  async function loadRooms() {
    if (!isAdmin || !program) return;
    try {
      const [rooms, staff] = await Promise.all([
        ctx.api.get(`/api/programs/${p(program)}/rooms`),
        ctx.api.get(`/api/programs/${p(program)}/people?role=${HOST_ROLES}`),
      ]);
      if (gone) return;
      people = staff.people || [];
      drawRooms(rooms.rooms || []);
    } catch (err) {
      const error = errorBox();
      fail(error, err);
      replace(roomsBox, error);
    }
  }

  function choose(id) {
    program = id;
    drawPicker();
    if (isAdmin) drawPrograms();
    drawInvite();
    replace(roomsBox, h("p", { className: "empty" }, "Loading…"));
    loadRooms();
  }

  async function loadPrograms(select) {
    try {
      programs = (await ctx.api.get("/api/programs")).programs || [];
    } catch (err) {
      const error = errorBox();
      fail(error, err);
      replace(inviteBox, error);
      return;
    }
    if (gone) return;
    const ids = programs.map((x) => x.id);
    const next = select && ids.includes(select) ? select : ids.includes(program) ? program : ids[0] || null;
    if (!next) {
      program = null;
      drawPicker();
      if (isAdmin) drawPrograms();
      replace(roomsBox, h("p", { className: "empty" }, "Create a program first."));
      replace(inviteBox, h("p", { className: "empty" }, isAdmin ? "Create a program first." : "You're not in a program yet."));
      return;
    }
    choose(next);
  }

  replace(inviteBox, h("p", { className: "empty" }, "Loading…"));
  loadPrograms();
  ctx.main.focus({ preventScroll: true });
  return () => {
    gone = true;
  };
}
