// The combinations of chart values that docs/helm.md and the chart README document, each
// with what its render must hold (and the kustomize overlay it must equal, when one exists).
import assert from 'node:assert/strict';
import type { Manifest } from '../../scripts/lib/kustomize.ts';
import { objectId } from './chart-vs-kustomize.ts';
import { setArgs } from './helm.ts';

export function ofKind(manifests: Manifest[], kind: string): Manifest[] {
  return manifests.filter((m) => m.kind === kind);
}

export function one(manifests: Manifest[], kind: string, name?: string): Manifest {
  const matches = ofKind(manifests, kind).filter((m) => name === undefined || m.metadata.name === name);
  assert.equal(matches.length, 1, `one ${kind}${name ? ` ${name}` : ''} in the render, got ${matches.map(objectId).join(', ') || 'none'}`);
  return matches[0] as Manifest;
}

export interface Container {
  args: string[];
  ports: { name: string; containerPort: number }[];
}

export function controllerContainer(manifests: Manifest[]): Container {
  const deployment = one(manifests, 'Deployment') as Manifest & { spec: { template: { spec: { containers: Container[] } } } };
  return deployment.spec.template.spec.containers[0] as Container;
}

export interface Combination {
  name: string;
  values: string[];
  /** The kustomize overlay this combination must render exactly, when there is one. */
  overlay?: string;
  check(chart: Manifest[]): void;
  /** Custom resources of another project the render holds, whose CRDs the local control plane lacks. */
  foreignKinds?: string[];
}

const HA_AFFINITY = {
  podAntiAffinity: {
    preferredDuringSchedulingIgnoredDuringExecution: [
      {
        weight: 100,
        podAffinityTerm: {
          topologyKey: 'kubernetes.io/hostname',
          labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'confighash', 'app.kubernetes.io/component': 'controller' } },
        },
      },
    ],
  },
};

/** ClusterRoles the controller runs with: the aggregated roles for people (confighash-view/edit/admin) grant nothing until bound, and are left out. */
function controllerClusterRoles(chart: Manifest[]): Manifest[] {
  return ofKind(chart, 'ClusterRole').filter((m) => !Object.keys((m.metadata as { labels?: Record<string, string> }).labels ?? {}).some((label) => label.startsWith('rbac.authorization.k8s.io/aggregate-to-')));
}

/** The combinations docs/helm.md and the chart README document. */
export const COMBINATIONS: Combination[] = [
  {
    name: 'the controller namespace only, with Roles and no ClusterRole (the namespaced overlay)',
    values: setArgs({ 'watch.allNamespaces': false }),
    overlay: 'namespaced',
    check: (chart) => {
      assert.deepEqual(controllerClusterRoles(chart), []);
      assert.deepEqual(ofKind(chart, 'ClusterRoleBinding'), []);
      assert.ok(controllerContainer(chart).args.includes('--namespace=$(POD_NAMESPACE)'));
    },
  },
  {
    name: 'a list of namespaces, each with a Role',
    values: ['--set', 'watch.allNamespaces=false', '--set', 'watch.namespaces={team-a,team-b}'],
    check: (chart) => {
      assert.deepEqual(controllerClusterRoles(chart), []);
      assert.deepEqual(ofKind(chart, 'Role').map(objectId).sort(), ['Role confighash-system/confighash', 'Role team-a/confighash-watch', 'Role team-b/confighash-watch']);
      assert.deepEqual(ofKind(chart, 'RoleBinding').filter((m) => m.metadata.name === 'confighash-watch').length, 2);
      assert.ok(controllerContainer(chart).args.includes('--namespace=team-a,team-b'));
    },
  },
  {
    name: 'two replicas behind a Lease, with a PodDisruptionBudget (the ha overlay)',
    values: [...setArgs({ replicaCount: 2, 'leaderElection.enabled': true, 'podDisruptionBudget.enabled': true }), '--set-json', `affinity=${JSON.stringify(HA_AFFINITY)}`],
    overlay: 'ha',
    check: (chart) => {
      assert.equal((one(chart, 'Deployment').spec as { replicas: number }).replicas, 2);
      assert.ok(controllerContainer(chart).args.includes('--leader-elect'));
    },
  },
  {
    name: 'the admission webhook with the controller\'s self-signed certificate (the webhook overlay)',
    values: setArgs({ 'webhook.enabled': true }),
    overlay: 'webhook',
    check: (chart) => {
      one(chart, 'MutatingWebhookConfiguration', 'confighash');
      one(chart, 'ClusterRole', 'confighash-webhook');
      assert.ok(controllerContainer(chart).args.includes('--webhook-bind-address=0.0.0.0:9443'));
    },
  },
  {
    name: 'the admission webhook with cert-manager',
    foreignKinds: ['Issuer', 'Certificate'],
    values: setArgs({ 'webhook.enabled': true, 'webhook.certManager.enabled': true }),
    check: (chart) => {
      const webhook = one(chart, 'MutatingWebhookConfiguration');
      assert.equal((webhook.metadata as { annotations?: Record<string, string> }).annotations?.['cert-manager.io/inject-ca-from'], 'confighash-system/confighash-webhook');
      assert.deepEqual(ofKind(chart, 'Certificate').map((m) => m.metadata.name).sort(), ['confighash-webhook', 'confighash-webhook-ca']);
      assert.deepEqual(controllerClusterRoles(chart).map((m) => m.metadata.name), ['confighash'], 'no caBundle-patching ClusterRole');
      assert.ok(controllerContainer(chart).args.includes('--no-webhook-self-signed'));
    },
  },
  {
    name: 'the monitoring component: ServiceMonitor, PrometheusRule and dashboard',
    foreignKinds: ['ServiceMonitor', 'PrometheusRule'],
    values: setArgs({ 'metrics.serviceMonitor.enabled': true, 'prometheusRule.enabled': true, 'metrics.grafanaDashboard.enabled': true }),
    check: (chart) => {
      one(chart, 'ServiceMonitor');
      const rule = one(chart, 'PrometheusRule').spec as { groups: { rules: { alert: string; annotations: Record<string, string> }[] }[] };
      const alerts = rule.groups.flatMap((g) => g.rules.map((r) => r.alert));
      assert.ok(alerts.includes('ConfighashRolloutHalted'), alerts.join(', '));
      // Prometheus templates in the alerts reach the PrometheusRule as they are, never run by Helm.
      assert.match(JSON.stringify(rule), /\{\{ \$value \}\}/);
      const dashboard = one(chart, 'ConfigMap', 'confighash-dashboard') as Manifest & { data: Record<string, string> };
      assert.ok(JSON.parse(dashboard.data['confighash.json'] ?? '').panels.length > 0);
    },
  },
  {
    name: 'an added workload kind, with its ConfigMap line and RBAC rule',
    values: ['--set', 'workloadKinds[0].apiVersion=argoproj.io/v1alpha1', '--set', 'workloadKinds[0].kind=Rollout', '--set', 'workloadKinds[0].resource=rollouts'],
    check: (chart) => {
      const kinds = one(chart, 'ConfigMap', 'confighash-workload-kinds') as Manifest & { data: { kinds: string } };
      assert.equal(kinds.data.kinds.trim(), 'argoproj.io/v1alpha1/Rollout');
      const rules = (one(chart, 'ClusterRole', 'confighash') as Manifest & { rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[] }).rules;
      assert.deepEqual(rules.at(-1), { apiGroups: ['argoproj.io'], resources: ['rollouts'], verbs: ['list', 'watch', 'patch'] });
      // The controller reads the kinds at start-up only: a new list must restart it.
      const template = (one(chart, 'Deployment').spec as { template: { metadata: { annotations?: Record<string, string> } } }).template;
      assert.match(template.metadata.annotations?.['confighash.dev/workload-kinds-checksum'] ?? '', /^[0-9a-f]{64}$/);
    },
  },
  {
    name: 'controller flags from args and extraArgs',
    values: [...setArgs({ 'args.debounce': '2s', 'args.concurrency': 8, 'args.rollOnAdoption': true, 'args.logLevel': 'debug' }), '--set', 'extraArgs={--max-concurrent-rollouts=3}'],
    check: (chart) => {
      const { args } = controllerContainer(chart);
      for (const flag of ['--debounce=2s', '--concurrency=8', '--roll-on-adoption', '--log-level=debug', '--max-concurrent-rollouts=3']) assert.ok(args.includes(flag), `${flag} in ${args.join(' ')}`);
    },
  },
  {
    name: 'without the CRDs, and under another name',
    values: setArgs({ 'crds.install': false, fullnameOverride: 'ch', 'webhook.enabled': true }),
    check: (chart) => {
      assert.deepEqual(ofKind(chart, 'CustomResourceDefinition'), []);
      assert.equal(one(chart, 'Deployment').metadata.name, 'ch');
      assert.ok(controllerContainer(chart).args.includes('--webhook-configuration=ch'));
    },
  },
];

