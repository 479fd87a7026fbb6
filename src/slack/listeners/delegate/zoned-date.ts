import { parseCalendarDate } from '../../../domain/index.ts';

/** The calendar date a person typed, or null when it is not a real YYYY-MM-DD date: the domain's one date check. */
export const parseIsoDate = parseCalendarDate;

/** How far `timeZone`'s wall clock is ahead of UTC at `instant`, in ms. */
function offsetMs(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(instant));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(instant / 1000) * 1000;
}

/** True when `timeZone` is an IANA zone this runtime knows. */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The instant a calendar day starts (00:00) in `timeZone`; `plusDays` moves the day first (1 gives the end of
 * the day). Twice-corrected so days that start or end on a DST change land right.
 */
export function startOfDayIn(date: { year: number; month: number; day: number }, timeZone: string, plusDays = 0): Date {
  const wallMidnight = Date.UTC(date.year, date.month - 1, date.day + plusDays);
  let guess = wallMidnight - offsetMs(wallMidnight, timeZone);
  guess = wallMidnight - offsetMs(guess, timeZone);
  return new Date(guess);
}
