// @ts-check
// Wall-clock times in the agency's time zone (an IANA name) without a library: Intl does the zone rules, these
// helpers turn "tomorrow at 08:00 in America/Los_Angeles" into an instant and back. Used by the snooze presets.

/**
 * @param {number} instant ms since the epoch
 * @param {string} zone IANA time zone
 * @returns {{ year: number, month: number, day: number, hour: number, minute: number, weekday: number }} weekday 0 = Monday
 */
export function wallClock(instant, zone) {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    weekday: "short",
    hourCycle: "h23",
  }).formatToParts(instant);
  /** @param {string} type */
  const get = (type) => parts.find((p) => p.type === type)?.value || "";
  return {
    year: Number(get("year")),
    month: Number(get("month")),
    day: Number(get("day")),
    hour: Number(get("hour")) % 24,
    minute: Number(get("minute")),
    weekday: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].indexOf(get("weekday")),
  };
}

/** The instant at which the zone's clocks show this date and time (a time a DST change skips lands just after it). */
export function zonedInstant(year, month, day, hour, minute, zone) {
  const wanted = Date.UTC(year, month - 1, day, hour, minute);
  let guess = wanted;
  for (let i = 0; i < 3; i += 1) {
    const shown = wallClock(guess, zone);
    const shownAsUtc = Date.UTC(shown.year, shown.month - 1, shown.day, shown.hour, shown.minute);
    const error = shownAsUtc - wanted;
    if (error === 0) break;
    guess -= error;
  }
  return guess;
}

/** `days` calendar days after today (in the zone), at hour:minute there. */
export function daysAhead(now, days, hour, minute, zone) {
  const today = wallClock(now, zone);
  const date = new Date(Date.UTC(today.year, today.month - 1, today.day + days));
  return zonedInstant(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), hour, minute, zone);
}

/** The snooze choices: in an hour, tomorrow 08:00, next Monday 08:00 (all on the agency's clock). */
export function snoozePresets(now, zone) {
  const weekday = wallClock(now, zone).weekday;
  const toMonday = weekday === 0 ? 7 : 7 - weekday;
  return [
    { id: "hour", label: "In 1 hour", at: now + 3600_000 },
    { id: "tomorrow", label: "Tomorrow 08:00", at: daysAhead(now, 1, 8, 0, zone) },
    { id: "monday", label: "Next Monday 08:00", at: daysAhead(now, toMonday, 8, 0, zone) },
  ];
}

/** "2026-12-08T08:00" (a datetime-local value, read as the zone's wall clock) -> instant; NaN if malformed. */
export function parseLocalInput(value, zone) {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value);
  if (!match) return Number.NaN;
  const [, y, mo, d, h, mi] = match.map(Number);
  return zonedInstant(y, mo, d, h, mi, zone);
}

/** instant -> "2026-12-08T08:00" on the zone's clock, for a datetime-local field. */
export function toLocalInput(instant, zone) {
  const c = wallClock(instant, zone);
  const pad = (/** @type {number} */ n) => String(n).padStart(2, "0");
  return `${c.year}-${pad(c.month)}-${pad(c.day)}T${pad(c.hour)}:${pad(c.minute)}`;
}

/** A short, readable time on the zone's clock: "Tue 8 Dec, 08:00". */
export function describeInstant(instant, zone) {
  return new Intl.DateTimeFormat(undefined, {
    timeZone: zone,
    weekday: "short",
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(instant);
}
