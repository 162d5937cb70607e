import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { KUSTOMIZE_DIR, OVERLAYS, kustomizeBuild, parseManifests, toYaml } from '../../scripts/lib/kustomize.ts';
import { kubectl, testCluster } from '../support/cluster.ts';
import { applyManifests } from '../support/controller-access.ts';

/*
 * A server-side dry run validates every object the way a real apply would (schemas,
 * unknown fields, RBAC rule shapes, Pod Security admission), but persists nothing. So
 * what a real install creates first, and a dry run cannot, is created for real here:
 * the Namespaces and the CRD (without it the AppConfig kind is unknown).
 */
for (const overlay of OVERLAYS) {
  test(`kustomize build of the ${overlay} overlay passes kubectl apply --dry-run=server`, async () => {
    const yaml = await kustomizeBuild(testCluster().binDir, join(KUSTOMIZE_DIR, 'overlays', overlay));
    const manifests = parseManifests(yaml);
    const prerequisites = manifests.filter((m) => m.kind === 'Namespace' || m.kind === 'CustomResourceDefinition');
    await applyManifests(toYaml(prerequisites));
    await kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/appconfigs.confighash.dev']);

    const dryRun = await kubectl(['apply', '--dry-run=server', '-f', '-'], { input: yaml, allowFailure: true });
    assert.equal(dryRun.code, 0, dryRun.stderr);
    assert.doesNotMatch(dryRun.stderr, /would violate PodSecurity/, 'pods must meet the namespace Pod Security level');
    const accepted = dryRun.stdout.split('\n').filter((line) => line.endsWith('(server dry run)'));
    assert.equal(accepted.length, manifests.length, dryRun.stdout);
  });
}
