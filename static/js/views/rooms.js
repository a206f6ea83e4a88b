// The member's rooms, with live unread counts, and their check-ins with a counselor.

import { h, replace } from "../dom.js";
import { checkInBanner, checkInsLink } from "./thread.js";

const KIND_LABEL = { cohort: "Group", evening: "Hosted check-in", staff: "Staff only" };

export function renderRooms(ctx) {
  const { store } = ctx;
  const list = h("ul", { className: "room-list" });
  const banner = checkInBanner(ctx);
  const checkIns = h("div", { className: "checkins" });
  const section = h(
    "section",
    { className: "page", "aria-labelledby": "rooms-title" },
    banner.el,
    h("h1", { id: "rooms-title" }, "Your rooms"),
    h("p", { className: "lede" }, "Say hello, check in, or just read along. Everyone here is in the program with you."),
    list,
    checkIns,
  );

  function drawCheckIns() {
    replace(checkIns, checkInsLink(ctx));
  }

  function draw() {
    const rooms = [...store.rooms.values()].filter((r) => r.info);
    if (!rooms.length) {
      replace(list, h("li", { className: "empty" }, "You haven't been added to a room yet. Your counselor can add you."));
      return;
    }
    replace(
      list,
      rooms.map((room) => {
        const unread = store.unread(room.id);
        return h(
          "li",
          {},
          h(
            "a",
            { className: "room-link", href: `#/room/${encodeURIComponent(room.id)}` },
            h("span", { className: "room-name" }, room.info.name),
            h("span", { className: "room-kind" }, KIND_LABEL[room.info.kind] || room.info.kind),
            unread
              ? h("span", { className: "badge" }, unread > 99 ? "99+" : String(unread),
                  h("span", { className: "visually-hidden" }, " unread"))
              : null,
          ),
        );
      }),
    );
  }

  replace(ctx.main, section);
  draw();
  drawCheckIns();
  ctx.main.focus({ preventScroll: true });
  const off = store.subscribe((kind) => {
    if (["rooms", "message", "room", "read"].includes(kind)) draw();
    if (kind === "outreach") drawCheckIns();
  });
  return () => {
    off();
    banner.stop();
  };
}
