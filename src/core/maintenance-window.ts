import type { MaintenanceWindow, WindowDay } from '../api/appconfig.ts';

/*
 * Maintenance windows (spec.rollout.windows). A window is open at an instant when the wall
 * clock of its time zone, at that instant, shows one of its days and a time in [start, end).
 * An end at or before the start runs past midnight into the next day ("22:00"-"02:00" on Fri
 * is open Fri 22:00 to Sat 02:00). Defined on the wall clock, DST needs no special case: a
 * start that a spring-forward skips opens at the first minute after the gap, and a time that
 * a fall-back repeats is inside the window both times it occurs.
 */

export const WINDOW_DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const satisfies readonly WindowDay[];
const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const MINUTE_MS = 60_000;
/** Every weekly window opens within a week and a day (the longest a DST shift can add). */
const SEARCH_MINUTES = 8 * 24 * 60;

export type WindowState =
  | { readonly open: true }
  | { readonly open: false; readonly opensAt: number; readonly window: MaintenanceWindow };

/**
 * What the schema cannot say about a window (it checks days and the HH:MM form): the time
 * zone must be one the IANA database knows, and start and end must differ.
 */
export function windowProblems(window: MaintenanceWindow, at: string): string[] {
  const problems: string[] = [];
  if (!isTimeZone(window.timeZone)) problems.push(`${at}.timeZone "${window.timeZone}" is not an IANA time zone such as Europe/Berlin or UTC`);
  if (window.start === window.end) problems.push(`${at}: start and end are both ${window.start}; a window needs a length (an end before the start runs past midnight)`);
  return problems;
}

/** A zone name ("Europe/Berlin", "UTC", "Etc/GMT+2") that the runtime's IANA database knows; offsets such as "+01:00" are no names. */
export function isTimeZone(name: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(name)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * The last answer per windows list (a spec is replaced, never changed in place), good for the
 * rest of its minute: every workload an AppConfig covers asks the same question on each reconcile.
 */
const lastState = new WeakMap<readonly MaintenanceWindow[], { minute: number; state: WindowState }>();

/** Whether any window is open at `now` (ms since the epoch), and if not, when the next one opens. */
export function windowState(windows: readonly MaintenanceWindow[], now: number): WindowState {
  const minute = Math.floor(now / MINUTE_MS);
  const known = lastState.get(windows);
  if (known?.minute === minute) return known.state;
  const state = computeWindowState(windows, now);
  lastState.set(windows, { minute, state });
  return state;
}

function computeWindowState(windows: readonly MaintenanceWindow[], now: number): WindowState {
  if (windows.some((w) => isOpen(w, now))) return { open: true };
  const first = Math.floor(now / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  for (let i = 0; i < SEARCH_MINUTES; i++) {
    const at = first + i * MINUTE_MS;
    const window = windows.find((w) => isOpen(w, at));
    if (window) return { open: false, opensAt: at, window };
  }
  // Only a window with no usable day never opens; validation refuses that first.
  return { open: false, opensAt: Number.POSITIVE_INFINITY, window: windows[0] ?? { days: [], start: '', end: '', timeZone: 'UTC' } };
}

/** "Sat 02:00-04:00 Europe/Berlin" */
export function describeWindow(window: MaintenanceWindow): string {
  return `${window.days.join(',')} ${window.start}-${window.end} ${window.timeZone}`;
}

export function isOpen(window: MaintenanceWindow, at: number): boolean {
  const { day, minute } = wallClock(window.timeZone, at);
  const start = minutesOf(window.start);
  const end = minutesOf(window.end);
  if (start === undefined || end === undefined) return false;
  if (start < end) return window.days.includes(day) && minute >= start && minute < end;
  // Past midnight: the evening of a listed day, or the morning after one.
  const yesterday = WINDOW_DAYS[(WINDOW_DAYS.indexOf(day) + 6) % 7] ?? day;
  return (window.days.includes(day) && minute >= start) || (window.days.includes(yesterday) && minute < end);
}

function minutesOf(time: string): number | undefined {
  const match = HH_MM.exec(time);
  return match ? Number(match[1]) * 60 + Number(match[2]) : undefined;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The weekday and minute of the day that the zone's wall clock shows at `at`. */
function wallClock(timeZone: string, at: number): { day: WindowDay; minute: number } {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, format);
  }
  let day: WindowDay = 'Mon';
  let hour = 0;
  let minute = 0;
  for (const part of format.formatToParts(at)) {
    if (part.type === 'weekday') day = part.value as WindowDay;
    else if (part.type === 'hour') hour = Number(part.value);
    else if (part.type === 'minute') minute = Number(part.value);
  }
  return { day, minute: hour * 60 + minute };
}
