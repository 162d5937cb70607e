/** How big each scenario is. `full` is the size; `small` is about 1/20 of it, for development. */
export interface BenchProfile {
  name: 'small' | 'full';
  latency: { edits: number; warmupEdits: number; pauseMs: number };
  scale: {
    namespaces: number;
    /** Per namespace; each AppConfig lists 10 ConfigMaps and 10 Secrets read by 2 Deployments. */
    appConfigsPerNamespace: number;
    steadyWindowS: number;
    createConcurrency: number;
    /** Namespaces are <prefix>00, <prefix>01, ...; default bench-scale- (the sweep uses one per point). */
    namespacePrefix?: string;
  };
  /** The adoption-edit scenario: namespaces × Deployments, each with a ConfigMap and an AppConfig of its own. */
  adoptionEdit: { namespaces: number; deploymentsPerNamespace: number };
  /** durationS stays below the controller's default longest debounce wait (10 s): see BurstResult.span_s. */
  burst: { configMaps: number; deploymentsPerConfigMap: number; edits: number; durationS: number };
  soak: {
    configMaps: number;
    deploymentsPerConfigMap: number;
    editsPerSecond: number;
    rssSampleIntervalS: number;
    /** RSS samples before this are left out of the slope. */
    warmupS: number;
    /** A namespace is created this often and deleted as long after (see soak-churn.ts). */
    churnEveryS: number;
    /** Gaps between two edits of one ConfigMap the schedule avoids, around the 1 s quiet period (see edit-schedule.ts). */
    avoidGapMs: [number, number];
  };
  sizes: { configMapBytes: number; secretBytes: number };
}

/** The soak is the same in both profiles; --soak-minutes sets its length. */
const SOAK: BenchProfile['soak'] = { configMaps: 20, deploymentsPerConfigMap: 2, editsPerSecond: 5, rssSampleIntervalS: 10, warmupS: 120, churnEveryS: 60, avoidGapMs: [600, 1600] };

export const PROFILES: Record<BenchProfile['name'], BenchProfile> = {
  full: {
    name: 'full',
    latency: { edits: 200, warmupEdits: 10, pauseMs: 100 },
    scale: { namespaces: 20, appConfigsPerNamespace: 50, steadyWindowS: 60, createConcurrency: 16 },
    adoptionEdit: { namespaces: 10, deploymentsPerNamespace: 100 },
    burst: { configMaps: 50, deploymentsPerConfigMap: 2, edits: 1000, durationS: 8 },
    soak: SOAK,
    sizes: { configMapBytes: 10 * 1024, secretBytes: 2 * 1024 },
  },
  small: {
    name: 'small',
    latency: { edits: 40, warmupEdits: 5, pauseMs: 100 },
    scale: { namespaces: 4, appConfigsPerNamespace: 12, steadyWindowS: 15, createConcurrency: 16 },
    adoptionEdit: { namespaces: 2, deploymentsPerNamespace: 50 },
    burst: { configMaps: 10, deploymentsPerConfigMap: 2, edits: 200, durationS: 4 },
    soak: SOAK,
    sizes: { configMapBytes: 10 * 1024, secretBytes: 2 * 1024 },
  },
};

/**
 * Objects each AppConfig of the scale scenario brings. One CronJob per 10 Deployments reads the
 * sources of one of them (200 CronJobs among 2,000 Deployments at full scale).
 */
export const SCALE_SHAPE = { configMapsPerDeployment: 5, secretsPerDeployment: 5, deploymentsPerAppConfig: 2, deploymentsPerCronJob: 10 } as const;
