// @ts-check
// A notice's schedule chosen in words ("every weekday at 09:00") instead of typed as cron (issue 16 item 7): the
// choices map to the EventBridge Scheduler cron expression the notices API stores (and back, when a notice is
// edited), and the next three send times are shown in the agency's time zone. A schedule the choices cannot say stays
// editable as an expression ("Custom").

import { byId, el, setText } from "./dom.js";

/** EventBridge's day-of-week names, Monday first (as the page lists them). */
export const DAYS = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];
const DAY_NAMES = { MON: "Monday", TUE: "Tuesday", WED: "Wednesday", THU: "Thursday", FRI: "Friday", SAT: "Saturday", SUN: "Sunday" };
const WEEKDAYS = ["MON", "TUE", "WED", "THU", "FRI"];

/**
 * @typedef {{ repeat: "daily" | "weekdays" | "weekly" | "monthly", hour: number, minute: number,
 *             days: string[], monthDay: number }} Choice
 */

/** @param {Choice} choice */
export function cronOf(choice) {
  const { hour, minute } = choice;
  if (choice.repeat === "daily") return `cron(${minute} ${hour} * * ? *)`;
  if (choice.repeat === "weekdays") return `cron(${minute} ${hour} ? * MON-FRI *)`;
  if (choice.repeat === "monthly") return `cron(${minute} ${hour} ${choice.monthDay} * ? *)`;
  const days = DAYS.filter((day) => choice.days.includes(day));
  return `cron(${minute} ${hour} ? * ${days.join(",")} *)`;
}

/** The choice an expression says, or null when it is something the choices cannot say.
 * @param {string} expression @returns {Choice | null} */
export function choiceOf(expression) {
  const match = /^cron\((\d{1,2}) (\d{1,2}) (\S+) \* (\S+) \*\)$/.exec(expression.trim());
  if (!match) return null;
  const minute = Number(match[1]);
  const hour = Number(match[2]);
  const [dayOfMonth, dayOfWeek] = [match[3], match[4].toUpperCase()];
  if (minute > 59 || hour > 23) return null;
  const base = { hour, minute, days: [], monthDay: 1 };
  if (dayOfMonth === "*" && dayOfWeek === "?") return { ...base, repeat: "daily" };
  if (dayOfMonth === "?" && dayOfWeek === "MON-FRI") return { ...base, repeat: "weekdays" };
  if (dayOfMonth === "?" && dayOfWeek.split(",").every((day) => DAYS.includes(day))) {
    return { ...base, repeat: "weekly", days: DAYS.filter((day) => dayOfWeek.split(",").includes(day)) };
  }
  if (/^\d{1,2}$/.test(dayOfMonth) && dayOfWeek === "?" && Number(dayOfMonth) >= 1 && Number(dayOfMonth) <= 31) {
    return { ...base, repeat: "monthly", monthDay: Number(dayOfMonth) };
  }
  return null;
}

const pad = (n) => String(n).padStart(2, "0");

/** "Every weekday at 09:00", for the list of notices. @param {Choice} choice */
export function describe(choice) {
  const at = `at ${pad(choice.hour)}:${pad(choice.minute)}`;
  if (choice.repeat === "daily") return `Every day ${at}`;
  if (choice.repeat === "weekdays") return `Every weekday ${at}`;
  if (choice.repeat === "monthly") return `Every month on day ${choice.monthDay} ${at}`;
  const days = choice.days.map((day) => DAY_NAMES[day]);
  const list = days.length > 1 ? `${days.slice(0, -1).join(", ")} and ${days.at(-1)}` : days[0];
  return `Every ${list} ${at}`;
}

/** The wall-clock time in `timeZone` of an instant, as if it were UTC (ms): the zone's offset is the difference. */
function wallClock(instant, timeZone) {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  }).formatToParts(new Date(instant));
  const part = (type) => Number(parts.find((p) => p.type === type)?.value);
  return Date.UTC(part("year"), part("month") - 1, part("day"), part("hour"), part("minute"), part("second"));
}

/** The instant (ms) at which the wall clock in `timeZone` shows this date and time. */
function instantOf(year, month, day, hour, minute, timeZone) {
  const wanted = Date.UTC(year, month, day, hour, minute);
  let instant = wanted - (wallClock(wanted, timeZone) - wanted);
  instant += wanted - wallClock(instant, timeZone); // a second pass settles a daylight-saving change between them
  return instant;
}

/** The next `count` send times after `now` (ms) of a choice in `timeZone`, as Dates.
 * @param {Choice} choice @param {string} timeZone @param {number} now @param {number} [count] */
export function nextTimes(choice, timeZone, now, count = 3) {
  const today = new Date(wallClock(now, timeZone)); // its UTC fields are the zone's calendar date
  /** @type {Date[]} */
  const found = [];
  for (let offset = 0; offset < 800 && found.length < count; offset += 1) {
    const date = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + offset));
    const day = DAYS[(date.getUTCDay() + 6) % 7];
    const matches =
      choice.repeat === "daily" ||
      (choice.repeat === "weekdays" && WEEKDAYS.includes(day)) ||
      (choice.repeat === "weekly" && choice.days.includes(day)) ||
      (choice.repeat === "monthly" && date.getUTCDate() === choice.monthDay);
    if (!matches) continue;
    const instant = instantOf(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate(), choice.hour, choice.minute, timeZone);
    if (instant > now) found.push(new Date(instant));
  }
  return found;
}

export function validTimeZone(timeZone) {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone }).format(0);
    return Boolean(timeZone);
  } catch {
    return false;
  }
}

/** The schedule fields of the notice form. */
export class ScheduleBuilder {
  constructor() {
    this.repeat = byId("notice-repeat");
    this.time = byId("notice-time");
    this.monthDay = byId("notice-monthday");
    this.expression = byId("notice-schedule");
    this.timeZone = byId("notice-timezone");
    const update = () => this.update();
    for (const input of [this.repeat, this.time, this.monthDay, this.timeZone]) input.addEventListener("input", update);
    this.repeat.addEventListener("change", update);
    byId("notice-days").addEventListener("change", update);
    this.expression.addEventListener("input", () => {
      // Typed by hand: the choices follow when they can say it, else the schedule is "Custom".
      const choice = choiceOf(this.expression.value);
      if (choice) this.show(choice, { keepExpression: true });
      else this.repeat.value = "custom";
      this.showFields();
      this.preview();
    });
  }

  /** @returns {Choice | null} */
  choice() {
    if (this.repeat.value === "custom") return null;
    const [hour, minute] = String(this.time.value || "").split(":").map(Number);
    if (!Number.isInteger(hour) || !Number.isInteger(minute)) return null;
    const days = [...byId("notice-days").querySelectorAll("input:checked")].map((box) => box.value);
    return { repeat: this.repeat.value, hour, minute, days, monthDay: Number(this.monthDay.value) };
  }

  /** A problem with the choices, in words, and the field to fix; null when they make a schedule. */
  problem() {
    if (this.repeat.value === "custom") return this.expression.value.trim() ? null : ["Write the schedule expression.", "notice-schedule"];
    if (!/^\d{2}:\d{2}$/.test(this.time.value)) return ["Choose the time it goes out.", "notice-time"];
    if (this.repeat.value === "weekly" && !byId("notice-days").querySelector("input:checked")) return ["Choose at least one day of the week.", "notice-day-MON"];
    const day = Number(this.monthDay.value);
    if (this.repeat.value === "monthly" && !(Number.isInteger(day) && day >= 1 && day <= 31)) return ["Choose a day of the month from 1 to 31.", "notice-monthday"];
    return null;
  }

  update() {
    this.showFields();
    const choice = this.choice();
    if (choice && !this.problem()) this.expression.value = cronOf(choice);
    this.preview();
  }

  showFields() {
    byId("notice-days").hidden = this.repeat.value !== "weekly";
    byId("notice-monthday-field").hidden = this.repeat.value !== "monthly";
    byId("notice-time-field").hidden = this.repeat.value === "custom";
    if (this.repeat.value === "custom") /** @type {HTMLDetailsElement} */ (byId("notice-advanced")).open = true;
  }

  preview() {
    const list = byId("notice-next");
    const note = byId("notice-next-note");
    const choice = this.choice();
    const timeZone = this.timeZone.value.trim();
    if (!validTimeZone(timeZone)) {
      list.replaceChildren();
      return setText(note, "Give a time zone such as America/Chicago to see the next send times.");
    }
    if (!choice || this.problem()) {
      list.replaceChildren();
      return setText(note, this.repeat.value === "custom" ? "Next send times are shown for schedules chosen above." : this.problem()?.[0] || "");
    }
    const format = new Intl.DateTimeFormat("en-US", { timeZone, weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short" });
    const times = nextTimes(choice, timeZone, Date.now());
    setText(note, `${describe(choice)} (${timeZone}). Next sends:`);
    list.replaceChildren(...times.map((time) => el("li", {}, el("time", { datetime: time.toISOString(), text: format.format(time) }))));
  }

  /** Put a stored schedule into the fields. */
  load(expression) {
    const choice = choiceOf(expression);
    this.expression.value = expression;
    if (choice) this.show(choice, { keepExpression: true });
    else this.repeat.value = "custom";
    /** @type {HTMLDetailsElement} */ (byId("notice-advanced")).open = !choice;
    this.showFields();
    this.preview();
  }

  /** @param {Choice} choice */
  show(choice, { keepExpression = false } = {}) {
    this.repeat.value = choice.repeat;
    this.time.value = `${pad(choice.hour)}:${pad(choice.minute)}`;
    this.monthDay.value = String(choice.monthDay);
    for (const box of byId("notice-days").querySelectorAll("input")) box.checked = choice.days.includes(box.value);
    if (!keepExpression) this.expression.value = cronOf(choice);
  }

  reset() {
    this.show({ repeat: "weekdays", hour: 9, minute: 0, days: [], monthDay: 1 });
    /** @type {HTMLDetailsElement} */ (byId("notice-advanced")).open = false;
    this.showFields();
    this.preview();
  }
}
