import { readFileSync } from 'node:fs';

export interface ProcessMemory {
  /** Resident set size now, MiB. */
  rssMib: number;
  /** Peak resident set size since the process started (the kernel's high-water mark), MiB. */
  hwmMib: number;
  /** Of rssMib: anonymous memory (V8 heap, malloc, Buffers) and file-backed pages (the node binary, libraries). */
  anonMib: number;
  fileMib: number;
}

/** VmRSS and VmHWM of a live process, from /proc/PID/status; undefined once it is gone. */
export function readProcessMemory(pid: number): ProcessMemory | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  return {
    rssMib: kibField(status, 'VmRSS') / 1024,
    hwmMib: kibField(status, 'VmHWM') / 1024,
    anonMib: kibField(status, 'RssAnon') / 1024,
    fileMib: kibField(status, 'RssFile') / 1024,
  };
}

/** User plus system CPU seconds the process has used, from /proc/PID/stat. */
export function readCpuSeconds(pid: number, ticksPerSecond = 100): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name may hold spaces: fields are counted after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

export function kibField(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, 'm').exec(status);
  return match ? Number(match[1]) : 0;
}
