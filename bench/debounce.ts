import { parseConfig } from '../src/config.ts';

/** The debounce a controller started with `flags` runs with: the flags given, and the values they resolve to. */
export interface DebounceSettings {
  /** The --debounce* flags passed, with their values; empty: the controller's defaults. */
  debounce_flags: string[];
  /** The quiet period, as the controller's own config parser resolves it. */
  debounce_s: number;
  /** The longest wait from a workload's first change (--debounce-max); 0: no cap. */
  debounce_max_s: number;
}

const BENCH_HOST = { hostname: () => 'bench', randomSuffix: () => '0' };

/**
 * Resolves the debounce with src/config.ts itself, the one source of the defaults, and with
 * the environment the bench gives the controller (no CONFIGHASH_* settings).
 */
export function debounceSettings(flags: readonly string[]): DebounceSettings {
  const config = parseConfig([...flags], {}, BENCH_HOST);
  return { debounce_flags: debounceFlags(flags), debounce_s: config.debounceMs / 1000, debounce_max_s: config.debounceMaxMs / 1000 };
}

/** `--debounce 0`, `--debounce=2s` and `--debounce-max 10s` from a flag list, values included. */
export function debounceFlags(flags: readonly string[]): string[] {
  const picked: string[] = [];
  flags.forEach((flag, i) => {
    if (!/^--debounce(-max)?(=|$)/.test(flag)) return;
    picked.push(flag);
    const value = flags[i + 1];
    if (!flag.includes('=') && value !== undefined) picked.push(value);
  });
  return picked;
}
