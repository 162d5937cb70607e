import type { BenchController } from './controller.ts';
import { settled } from './context.ts';

/** The controller's own counters that say how much it did. */
export interface ControllerCounters {
  reconciles: number;
  templatePatches: number;
  /**
   * WorkloadRecord writes (confighash_patches_total{type="record"}). The name is kept from
   * when adoption patched a baseline annotation, so that runs stay comparable by field name.
   */
  baselinePatches: number;
  statusPatches: number;
  rollouts: number;
}

export async function readCounters(controller: BenchController): Promise<ControllerCounters> {
  return {
    reconciles: await controller.metricValue('confighash_reconciles_total'),
    templatePatches: await controller.metricValue('confighash_patches_total', { type: 'template' }),
    baselinePatches: await controller.metricValue('confighash_patches_total', { type: 'record' }),
    statusPatches: await controller.metricValue('confighash_patches_total', { type: 'status' }),
    rollouts: await controller.metricValue('confighash_rollouts_total'),
  };
}

export function counterDelta(before: ControllerCounters, after: ControllerCounters): ControllerCounters {
  return {
    reconciles: after.reconciles - before.reconciles,
    templatePatches: after.templatePatches - before.templatePatches,
    baselinePatches: after.baselinePatches - before.baselinePatches,
    statusPatches: after.statusPatches - before.statusPatches,
    rollouts: after.rollouts - before.rollouts,
  };
}

/**
 * Resolves with performance.now() once the queue is empty and no counter has moved for
 * `stableForMs`, after at least one reconcile: the controller has nothing left to do.
 */
export async function controllerIdle(controller: BenchController, stableForMs = 3000): Promise<number> {
  await settled(
    async () => {
      const depth = await controller.metricValue('confighash_queue_depth');
      const counters = await readCounters(controller);
      return depth === 0 && counters.reconciles > 0 ? counters : { busy: performance.now() };
    },
    'the controller to go idle',
    { stableForMs, intervalMs: 250, timeoutMs: 600_000 },
  );
  return performance.now() - stableForMs;
}
