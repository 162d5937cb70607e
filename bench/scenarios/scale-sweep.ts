import { sleep, type BenchContext } from '../context.ts';
import { ApiError } from '../kube/api.ts';
import { paths } from '../kube/objects.ts';
import type { BenchProfile } from '../profile.ts';
import { linearFit, round } from '../stats.ts';
import { runScale } from './scale.ts';
import { scaleCounts, scaleNamespaces } from './scale-objects.ts';

/** One run of the scale scenario at a fraction of the namespaces (so of every object) and a multiple of the ConfigMap size. */
export interface SweepPoint {
  objects_fraction: number;
  configmap_size_factor: number;
  /** ConfigMaps + Secrets + Deployments + CronJobs + AppConfigs. */
  objects: number;
  configmap_bytes: number;
  peak_rss_mib: number;
  steady_rss_mib: number;
  heap_used_mib: number;
  convergence_s: number;
}

/** The least-squares slope of steady RSS against the object count, in MiB per 1,000 objects, at one ConfigMap size. */
export interface SweepSlope {
  configmap_size_factor: number;
  steady_mib_per_1000_objects: number;
  peak_mib_per_1000_objects: number;
}

export interface ScaleSweepResult {
  points: SweepPoint[];
  slopes: SweepSlope[];
  /** The slope at 2× ConfigMap size over the slope at 1× (goal: about 1, i.e. RSS grows with the count, not the size). */
  steady_slope_ratio_2x_size: number;
}

/**
 * The memory goal's shape: RSS should grow with the number of objects, not with their size.
 * Runs the scale scenario cold at 1/4, 1/2 and 1× the objects, and at 1/4 and 1× with
 * ConfigMaps twice as large, each in namespaces of its own that are deleted (and waited
 * for) before the next point, so every controller start sees only its point's objects.
 */
export async function runScaleSweep(ctx: BenchContext): Promise<ScaleSweepResult> {
  const plan: { fraction: number; sizeFactor: number }[] = [
    { fraction: 0.25, sizeFactor: 1 },
    { fraction: 0.5, sizeFactor: 1 },
    { fraction: 1, sizeFactor: 1 },
    { fraction: 0.25, sizeFactor: 2 },
    { fraction: 1, sizeFactor: 2 },
  ];
  const points: SweepPoint[] = [];
  for (const [index, { fraction, sizeFactor }] of plan.entries()) {
    const profile = pointProfile(ctx.profile, fraction, sizeFactor, `bench-sweep${index}-`);
    const counts = scaleCounts(profile).total;
    const objects = counts.configmaps + counts.secrets + counts.deployments + counts.cronjobs + counts.appconfigs;
    ctx.log(`scale-sweep: point ${index + 1}/${plan.length}: ${fraction}× objects (${objects}), ${sizeFactor}× ConfigMap size (${profile.sizes.configMapBytes} B)`);
    const result = await runScale({ ...ctx, profile, heapSnapshot: false });
    points.push({
      objects_fraction: fraction,
      configmap_size_factor: sizeFactor,
      objects,
      configmap_bytes: profile.sizes.configMapBytes,
      peak_rss_mib: result.peak_rss_mib,
      steady_rss_mib: result.steady_rss_mib,
      heap_used_mib: result.heap_used_mib,
      convergence_s: result.convergence_s,
    });
    await deleteNamespaces(ctx, scaleNamespaces(profile));
  }
  const slopes = [1, 2].map((factor) => {
    const at = points.filter((p) => p.configmap_size_factor === factor);
    return {
      configmap_size_factor: factor,
      steady_mib_per_1000_objects: perThousand(at.map((p) => ({ x: p.objects, y: p.steady_rss_mib }))),
      peak_mib_per_1000_objects: perThousand(at.map((p) => ({ x: p.objects, y: p.peak_rss_mib }))),
    };
  });
  const [one, two] = slopes;
  return { points, slopes, steady_slope_ratio_2x_size: one && two && one.steady_mib_per_1000_objects !== 0 ? round(two.steady_mib_per_1000_objects / one.steady_mib_per_1000_objects) : 0 };
}

/** The least-squares slope in MiB per 1,000 objects; 0 when no trend can be read. */
function perThousand(points: { x: number; y: number }[]): number {
  const { slope } = linearFit(points);
  return Number.isNaN(slope) ? 0 : round(1000 * slope);
}

function pointProfile(base: BenchProfile, fraction: number, sizeFactor: number, namespacePrefix: string): BenchProfile {
  return {
    ...base,
    scale: { ...base.scale, namespaces: Math.max(1, Math.round(base.scale.namespaces * fraction)), namespacePrefix },
    sizes: { ...base.sizes, configMapBytes: base.sizes.configMapBytes * sizeFactor },
  };
}

async function deleteNamespaces(ctx: BenchContext, namespaces: readonly string[]): Promise<void> {
  const started = performance.now();
  for (const ns of namespaces) await ctx.api.delete(paths.namespace(ns));
  for (const ns of namespaces) {
    for (;;) {
      const gone = await ctx.api.get(paths.namespace(ns)).then(
        () => false,
        (err: unknown) => {
          if (err instanceof ApiError && err.status === 404) return true;
          throw err;
        },
      );
      if (gone) break;
      if (performance.now() - started > 900_000) throw new Error(`namespace ${ns} still exists 900 s after its deletion`);
      await sleep(2000);
    }
  }
  ctx.log(`scale-sweep: deleted ${namespaces.length} namespaces in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
