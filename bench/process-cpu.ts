import { readCpuSeconds } from './rss.ts';

/** CPU seconds (user + system) each named process has used so far; a process that is gone is left out. */
export function cpuSecondsOf(pids: Readonly<Record<string, number>>): Record<string, number> {
  const seconds: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) {
    const used = readCpuSeconds(pid);
    if (used !== undefined) seconds[name] = used;
  }
  return seconds;
}

/** CPU seconds each process used between two readings, rounded to 0.01 s, with their total. */
export function cpuSecondsBetween(before: Readonly<Record<string, number>>, after: Readonly<Record<string, number>>): Record<string, number> {
  const used: Record<string, number> = {};
  let total = 0;
  for (const [name, end] of Object.entries(after)) {
    const spent = end - (before[name] ?? 0);
    used[name] = Math.round(spent * 100) / 100;
    total += spent;
  }
  return { ...used, total: Math.round(total * 100) / 100 };
}
