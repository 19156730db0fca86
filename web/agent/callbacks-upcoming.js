// @ts-check
// The Callbacks view's upcoming bookings (issue 16 item 7): callbacks booked by text whose slot has not come, grouped
// by day in the agency's time zone (not the browser's), each with its time, department and a link to the
// conversation. Data goes in through textContent only.

import { byId, el, setText } from "./dom.js";

/** The calendar day (YYYY-MM-DD) of an instant in `timeZone`. */
function dayKey(date, timeZone) {
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(date);
}

/** "Today", "Tomorrow" or "Wednesday, December 9", in the agency's zone. */
function dayHeading(date, timeZone, now) {
  const key = dayKey(date, timeZone);
  if (key === dayKey(now, timeZone)) return "Today";
  if (key === dayKey(new Date(now.getTime() + 86_400_000), timeZone)) return "Tomorrow";
  return new Intl.DateTimeFormat("en-US", { timeZone, weekday: "long", month: "long", day: "numeric" }).format(date);
}

export async function loadUpcoming(api) {
  try {
    const { timezone, bookings } = await api.request("/api/callbacks/upcoming");
    renderUpcoming(bookings, timezone, new Date());
  } catch (error) {
    if (error.status !== 401) setText(byId("upcoming-status"), "Booked callbacks could not be loaded.");
  }
}

function renderUpcoming(bookings, timeZone, now) {
  const time = new Intl.DateTimeFormat("en-US", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short" });
  /** @type {Map<string, any[]>} */
  const days = new Map();
  for (const booking of bookings) {
    const key = dayKey(new Date(booking.slot_at), timeZone);
    days.set(key, [...(days.get(key) || []), booking]);
  }
  setText(byId("upcoming-status"), bookings.length ? `${bookings.length} booked, times in ${timeZone}.` : "No callbacks are booked.");
  byId("upcoming-days").replaceChildren(
    ...[...days.values()].map((group, index) => {
      const id = `upcoming-day-${index}`;
      const heading = el("h4", { id, class: "upcoming-day", text: `${dayHeading(new Date(group[0].slot_at), timeZone, now)} · ${group.length}` });
      const list = el(
        "ul",
        { class: "upcoming-list", "aria-labelledby": id },
        ...group.map((booking) => {
          const link = el("a", { class: "upcoming-link" });
          link.href = `#thread/${encodeURIComponent(booking.thread_id)}`; // an in-page route built from an id
          setText(link, "Open the conversation");
          const slot = new Date(booking.slot_at);
          return el(
            "li",
            { class: "upcoming-item", "data-callback": booking.callback_id },
            el("time", { class: "upcoming-time", datetime: booking.slot_at, text: time.format(slot) }),
            el("span", { class: "manage-meta", text: `${booking.department}${booking.status === "reminded" ? " · reminder sent" : ""}${booking.attempt > 1 ? ` · attempt ${booking.attempt}` : ""}` }),
            link,
          );
        }),
      );
      return el("section", { class: "upcoming-group" }, heading, list);
    }),
  );
}
