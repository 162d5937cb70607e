import { linearFit, round } from './stats.ts';

/** One reading of the controller's VmRSS, `atS` seconds after the soak's first edit. */
export interface RssSample {
  atS: number;
  mib: number;
}

export interface RssTrend {
  /** Least-squares slope of RSS over the samples after the warm-up, MiB per hour; null with fewer than 2 such samples. */
  slope_mib_per_hour: number | null;
  /** Its standard error: a slope within about two of these of 0 is no trend at all. Null with fewer than 3 samples. */
  slope_stderr_mib_per_hour: number | null;
  /** How many samples the fit used, and the time they span (first to last, s). */
  samples: number;
  window_s: [number, number] | null;
}

/**
 * The RSS trend once the warm-up is over. The first minutes are left out because they hold
 * what is meant to grow: the V8 heap settling to its working size, code being compiled, the
 * first namespaces' state. What still grows after them, at a steady load, is a leak.
 */
export function rssTrend(samples: readonly RssSample[], warmupS: number): RssTrend {
  const used = samples.filter((s) => s.atS >= warmupS);
  const fit = linearFit(used.map((s) => ({ x: s.atS / 3600, y: s.mib })));
  const first = used[0];
  const last = used.at(-1);
  return {
    slope_mib_per_hour: Number.isFinite(fit.slope) ? round(fit.slope) : null,
    slope_stderr_mib_per_hour: Number.isFinite(fit.slopeStdErr) ? round(fit.slopeStdErr) : null,
    samples: used.length,
    window_s: first && last ? [round(first.atS), round(last.atS)] : null,
  };
}
