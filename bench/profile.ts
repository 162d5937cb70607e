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
  };
  /** durationS stays below the controller's default longest debounce wait (10 s): see BurstResult.span_s. */
  burst: { configMaps: number; deploymentsPerConfigMap: number; edits: number; durationS: number };
  sizes: { configMapBytes: number; secretBytes: number };
}

export const PROFILES: Record<BenchProfile['name'], BenchProfile> = {
  full: {
    name: 'full',
    latency: { edits: 200, warmupEdits: 10, pauseMs: 100 },
    scale: { namespaces: 20, appConfigsPerNamespace: 50, steadyWindowS: 60, createConcurrency: 16 },
    burst: { configMaps: 50, deploymentsPerConfigMap: 2, edits: 1000, durationS: 8 },
    sizes: { configMapBytes: 10 * 1024, secretBytes: 2 * 1024 },
  },
  small: {
    name: 'small',
    latency: { edits: 40, warmupEdits: 5, pauseMs: 100 },
    scale: { namespaces: 4, appConfigsPerNamespace: 12, steadyWindowS: 15, createConcurrency: 16 },
    burst: { configMaps: 10, deploymentsPerConfigMap: 2, edits: 200, durationS: 4 },
    sizes: { configMapBytes: 10 * 1024, secretBytes: 2 * 1024 },
  },
};

/** Objects each AppConfig of the scale scenario brings. */
export const SCALE_SHAPE = { configMapsPerDeployment: 5, secretsPerDeployment: 5, deploymentsPerAppConfig: 2 } as const;
