/**
 * Lengths of time as people read them on cards and in the audit trail: "36 s", "45 min", "1 h 30 min", "24 h",
 * "3 d 4 h". Hours up to two days (an SLA of 24 or 48 hours reads as such), days beyond. Never "0 min" for a
 * time that is not nothing: under a minute it is seconds.
 */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 10) {
    const rest = minutes % 60;
    return rest > 0 ? `${hours} h ${rest} min` : `${hours} h`;
  }
  const wholeHours = Math.round(minutes / 60);
  if (wholeHours <= 48) return `${wholeHours} h`;
  const days = Math.floor(wholeHours / 24);
  const rest = wholeHours % 24;
  return rest > 0 ? `${days} d ${rest} h` : `${days} d`;
}
