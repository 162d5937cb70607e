// Least privilege, checked against the real apiserver and the manifests as kustomize renders
// them: the controller Pod meets the `restricted` Pod Security Standard, the namespaced
// overlay binds it to no ClusterRole, and a NetworkPolicy lets in only its own ports.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { KUSTOMIZE_DIR, kustomizeBuild, parseManifests, type Manifest } from '../../scripts/lib/kustomize.ts';
import { kubectl, testCluster } from '../support/cluster.ts';
import { withTestNamespace } from '../support/namespace.ts';

async function overlay(name: string): Promise<Manifest[]> {
  return parseManifests(await kustomizeBuild(testCluster().binDir, join(KUSTOMIZE_DIR, 'overlays', name)));
}

function controllerDeployment(manifests: Manifest[]): Manifest & { spec: { template: { metadata: object; spec: Record<string, unknown> } } } {
  const deployment = manifests.find((m) => m.kind === 'Deployment' && m.metadata.name === 'confighash');
  assert.ok(deployment, 'the overlay has the controller Deployment');
  return deployment as never;
}

function podFrom(deployment: ReturnType<typeof controllerDeployment>, namespace: string, edit: (spec: Record<string, unknown>) => void = () => {}): string {
  const spec = structuredClone(deployment.spec.template.spec);
  edit(spec);
  return JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { ...deployment.spec.template.metadata, name: 'confighash-probe', namespace }, spec });
}

describe('least privilege', () => {
  it('the controller Deployment, and a Pod made from its template, are accepted by a server-side dry run in a namespace that enforces restricted', async () => {
    const deployment = controllerDeployment(await overlay('cluster'));
    await withTestNamespace(async (ns) => {
      await kubectl(['label', 'namespace', ns, 'pod-security.kubernetes.io/enforce=restricted', 'pod-security.kubernetes.io/warn=restricted']);
      await kubectl(['-n', ns, 'create', 'serviceaccount', 'confighash']);
      const asDeployment = await kubectl(['-n', ns, 'apply', '--dry-run=server', '-f', '-'], { input: JSON.stringify({ ...deployment, metadata: { ...deployment.metadata, namespace: ns } }), allowFailure: true });
      assert.equal(asDeployment.code, 0, asDeployment.stderr);
      assert.match(asDeployment.stdout, /deployment.apps\/confighash created \(server dry run\)/);
      // For a Deployment, Pod Security only warns; the Pod is where `enforce` refuses.
      assert.doesNotMatch(asDeployment.stderr, /would violate PodSecurity/);

      const pod = await kubectl(['-n', ns, 'create', '--dry-run=server', '-f', '-'], { input: podFrom(deployment, ns), allowFailure: true });
      assert.equal(pod.code, 0, `the controller Pod is admitted under restricted: ${pod.stderr}`);

      // The same check refuses a Pod that drops one of the settings: it can tell.
      const weaker = podFrom(deployment, ns, (spec) => {
        const [container] = spec.containers as { securityContext?: Record<string, unknown> }[];
        delete container!.securityContext!.allowPrivilegeEscalation;
      });
      const refused = await kubectl(['-n', ns, 'create', '--dry-run=server', '-f', '-'], { input: weaker, allowFailure: true });
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false/);
    });
  });

  it('the namespaced overlay binds the controller to no ClusterRole; its only ClusterRoles are the unbound roles for people', async () => {
    const manifests = await overlay('namespaced');
    assert.deepEqual(manifests.filter((m) => m.kind === 'ClusterRoleBinding').map((m) => m.metadata.name), []);
    const clusterRoles = manifests.filter((m) => m.kind === 'ClusterRole');
    assert.deepEqual(clusterRoles.map((m) => m.metadata.name).sort(), ['confighash-admin', 'confighash-edit', 'confighash-view']);
    for (const role of clusterRoles) {
      const labels = (role.metadata.labels ?? {}) as Record<string, string>;
      assert.ok(Object.keys(labels).some((label) => label.startsWith('rbac.authorization.k8s.io/aggregate-to-')), `${role.metadata.name} is aggregated into view/edit/admin`);
    }
    const bindings = manifests.filter((m) => m.kind === 'RoleBinding') as unknown as { roleRef: { kind: string; name: string } }[];
    assert.ok(bindings.length > 0);
    for (const binding of bindings) assert.equal(binding.roleRef.kind, 'Role', 'every grant to the controller is a namespaced Role');
  });

  it('a NetworkPolicy lets in only the metrics port, and the webhook port in the webhook overlay', async () => {
    const ingressPorts = (manifests: Manifest[]): unknown[] => {
      const policy = manifests.find((m) => m.kind === 'NetworkPolicy') as unknown as { spec: { podSelector: unknown; policyTypes: string[]; ingress: { from?: unknown; ports: { port: unknown }[] }[] } };
      assert.ok(policy, 'a NetworkPolicy');
      assert.deepEqual(policy.spec.policyTypes, ['Ingress']);
      assert.equal(policy.spec.ingress.length, 1);
      return policy.spec.ingress[0]!.ports.map((p) => p.port);
    };
    const cluster = await overlay('cluster');
    assert.deepEqual(ingressPorts(cluster), ['metrics']);
    assert.deepEqual(ingressPorts(await overlay('webhook')), ['metrics', 'webhook']);
    const deployment = controllerDeployment(cluster);
    const ports = (deployment.spec.template.spec.containers as { ports: { name: string }[] }[])[0]!.ports.map((p) => p.name);
    assert.deepEqual(ports, ['metrics'], 'the named port exists on the controller container');
  });
});
