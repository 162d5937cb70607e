import { windowState } from '../core/maintenance-window.ts';
import type { ObservedAppConfig } from '../k8s/fact-store.ts';

/** Past the opening, so that the window is open by the clock when the decisions run. */
const SLACK_MS = 250;

/**
 * In-memory alarms for maintenance windows: a clock sends no watch event, so a change held
 * outside every window is decided again when the next window of its AppConfig opens. One
 * timer per AppConfig, for its earliest opening. Nothing is persisted: after a restart the
 * full pass decides every workload again, and those still held set the alarms anew.
 */
export class WindowAlarms {
  readonly #timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  readonly #wake: (namespace: string, appConfig: string) => void;
  readonly #now: () => number;

  /** `wake` decides the AppConfig's status and covered workloads again. */
  constructor(wake: (namespace: string, appConfig: string) => void, now: () => number) {
    this.#wake = wake;
    this.#now = now;
  }

  /** A workload covered by these AppConfigs waits: wake each one with windows when its next window opens. */
  waitForWindows(covering: readonly ObservedAppConfig[]): void {
    const now = this.#now();
    for (const ac of covering) {
      const windows = ac.spec.rollout?.windows;
      if (windows === undefined || windows.length === 0) continue;
      const state = windowState(windows, now);
      if (!state.open && Number.isFinite(state.opensAt)) this.#alarm(ac.namespace, ac.name, state.opensAt, now);
    }
  }

  /** Pending alarms, for tests and logs. */
  get size(): number {
    return this.#timers.size;
  }

  stop(): void {
    for (const { timer } of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  #alarm(namespace: string, name: string, at: number, now: number): void {
    const key = `${namespace}/${name}`;
    const known = this.#timers.get(key);
    if (known && known.at <= at) return;
    if (known) clearTimeout(known.timer);
    // unref'd: a pending alarm never keeps a stopping controller alive.
    const timer = setTimeout(() => {
      this.#timers.delete(key);
      this.#wake(namespace, name);
    }, at - now + SLACK_MS).unref();
    this.#timers.set(key, { at, timer });
  }
}
