/**
 * The layers of src/ as checked rules (docs/development.md, "Layout"); `npm run lint` runs them.
 * Each exception names one path and says why it is allowed.
 * @type {import('dependency-cruiser').IConfiguration}
 */
export default {
  forbidden: [
    {
      name: 'core-imports-only-core-and-api',
      comment: 'src/core is pure: no I/O, no clock, no client. It builds on the API types and on itself only.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/', pathNot: '^src/(core|api)/' },
    },
    {
      name: 'k8s-imports-no-reconcile-observability-config',
      comment: 'src/k8s talks to the apiserver; what to do with the answers (reconcile), how to report (observability) and how flags parse (config) live above it.',
      severity: 'error',
      from: {
        path: '^src/k8s/',
        // Exception: discovery checks each --workload-kind against the apiserver at start-up and
        // stops the start with a ConfigError naming the flag, so it reads the parsed flag and
        // throws the configuration's error class.
        pathNot: '^src/k8s/workload-kind-discovery\\.ts$',
      },
      to: { path: '^src/(reconcile|observability|config)(/|\\.ts$)' },
    },
    {
      name: 'no-circular',
      comment: 'Type-only imports count too: a cycle of types still ties two files into one.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-orphans',
      comment: 'A module in src/ that nothing imports and that imports nothing is dead or forgotten.',
      severity: 'error',
      from: {
        orphan: true,
        path: '^src/',
        // Exception: the names the ValidatingAdmissionPolicies in kustomize/base use; the
        // apiserver runs those policies, so only the tests that compare them import this.
        pathNot: '^src/api/admission-policy\\.ts$',
      },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
