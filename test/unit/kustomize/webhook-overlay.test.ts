import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { DEFAULT_WORKLOAD_KINDS } from '../../../src/api/workload-kinds.ts';
import { parseConfig } from '../../../src/config.ts';
import { WEBHOOK_DEFAULTS } from '../../../src/config/webhook.ts';
import { MUTATE_PATH } from '../../../src/webhook/webhook-server.ts';
import { KUSTOMIZE_DIR, kustomizeBuild, parseManifests, type Manifest } from '../../../scripts/lib/kustomize.ts';
import { readManifest } from './manifests.ts';

const OVERLAY = 'kustomize/overlays/webhook';

interface Webhook {
  name: string;
  admissionReviewVersions: string[];
  clientConfig: { service: { name: string; namespace: string; path: string; port: number }; caBundle?: string };
  rules: { apiGroups: string[]; apiVersions: string[]; operations: string[]; resources: string[]; scope: string }[];
  namespaceSelector: { matchExpressions: { key: string; operator: string; values: string[] }[] };
  matchConditions: { name: string; expression: string }[];
  failurePolicy: string;
  timeoutSeconds: number;
  sideEffects: string;
  reinvocationPolicy: string;
}

interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  resourceNames?: string[];
  verbs: string[];
}

const webhookOf = async (): Promise<Webhook> => {
  const configuration = (await readManifest(`${OVERLAY}/mutatingwebhookconfiguration.yaml`)) as unknown as { metadata: { name: string }; webhooks: Webhook[] };
  assert.equal(configuration.metadata.name, WEBHOOK_DEFAULTS.configurationName, 'the name the controller patches by default');
  assert.equal(configuration.webhooks.length, 1);
  return configuration.webhooks[0] as Webhook;
};

describe('the webhook overlay', () => {
  it('never blocks a write: failurePolicy Ignore, 2 s timeout, no side effects, asked again after other webhooks', async () => {
    const webhook = await webhookOf();
    assert.equal(webhook.failurePolicy, 'Ignore');
    assert.equal(webhook.timeoutSeconds, 2);
    assert.equal(webhook.sideEffects, 'None');
    assert.equal(webhook.reinvocationPolicy, 'IfNeeded');
    assert.deepEqual(webhook.admissionReviewVersions, ['v1']);
    assert.equal(webhook.clientConfig.caBundle, undefined, 'the caBundle is the controller’s (or cert-manager’s) to write');
  });

  it('is called for creates and updates of the default workload kinds only, outside kube-system and its own namespace', async () => {
    const webhook = await webhookOf();
    assert.deepEqual(webhook.rules, [
      { apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments', 'statefulsets', 'daemonsets'], scope: 'Namespaced' },
      { apiGroups: ['batch'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['cronjobs'], scope: 'Namespaced' },
    ]);
    const covered = webhook.rules.flatMap((rule) => rule.resources.map((resource) => `${rule.apiGroups[0] ?? ''}/${rule.apiVersions[0] ?? ''}/${resource}`));
    assert.deepEqual(covered, DEFAULT_WORKLOAD_KINDS.map((kind) => `${kind.apiVersion}/${kind.plural}`));
    assert.deepEqual(webhook.namespaceSelector.matchExpressions, [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'confighash-system'] }]);
    const kinds = webhook.matchConditions.find((c) => c.name === 'covered-kinds')?.expression ?? '';
    assert.deepEqual([...kinds.matchAll(/'([A-Z]\w+)'/g)].map((m) => m[1]), DEFAULT_WORKLOAD_KINDS.map((kind) => kind.kind));
    assert.match(webhook.matchConditions.find((c) => c.name === 'not-opted-out')?.expression ?? '', /confighash\.dev\/ignore/);
  });

  it('calls the Service the controller names in its generated certificate, at the path it serves', async () => {
    const webhook = await webhookOf();
    assert.deepEqual(webhook.clientConfig.service, { name: WEBHOOK_DEFAULTS.serviceName, namespace: 'confighash-system', path: MUTATE_PATH, port: 443 });
    const service = await readManifest(`${OVERLAY}/service-webhook.yaml`);
    assert.equal(service.metadata.name, WEBHOOK_DEFAULTS.serviceName);
  });

  it('grants get and patch on its own webhook configuration and get on its own TLS Secret, by name, and nothing else', async () => {
    const clusterRole = (await readManifest(`${OVERLAY}/clusterrole-webhook.yaml`)) as unknown as { rules: PolicyRule[] };
    assert.deepEqual(clusterRole.rules, [
      { apiGroups: ['admissionregistration.k8s.io'], resources: ['mutatingwebhookconfigurations'], resourceNames: [WEBHOOK_DEFAULTS.configurationName], verbs: ['get', 'patch'] },
    ]);
    const role = (await readManifest(`${OVERLAY}/role-webhook.yaml`)) as unknown as { rules: PolicyRule[] };
    assert.deepEqual(role.rules, [{ apiGroups: [''], resources: ['secrets'], resourceNames: [WEBHOOK_DEFAULTS.secretName], verbs: ['get'] }]);
    for (const path of [`${OVERLAY}/clusterrolebinding-webhook.yaml`, `${OVERLAY}/rolebinding-webhook.yaml`]) {
      const binding = (await readManifest(path)) as unknown as { subjects: { kind: string; name: string; namespace: string }[] };
      assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'confighash', namespace: 'confighash-system' }], path);
    }
  });
});

/** The pinned kustomize from the control-plane build, when this run has it (npm test sets CONFIGHASH_TEST_BIN). */
const binDir = process.env.CONFIGHASH_TEST_BIN ?? process.env.CONFIGHASH_CONTROLPLANE_BIN;
const needsKustomize = binDir ? {} : { skip: 'no kustomize: run through `npm test`, or set CONFIGHASH_CONTROLPLANE_BIN to the control-plane binaries' };

function find(manifests: Manifest[], kind: string, name: string): Record<string, unknown> {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  assert.ok(found, `${kind}/${name} is in the build`);
  return found as unknown as Record<string, unknown>;
}

interface Container {
  args: string[];
  ports: { name: string; containerPort: number }[];
}

function controllerContainer(manifests: Manifest[]): Container {
  const deployment = find(manifests, 'Deployment', 'confighash') as { spec: { template: { spec: { containers: Container[] } } } };
  return deployment.spec.template.spec.containers[0] as Container;
}

describe('kustomize build of the webhook overlay', () => {
  it('runs the controller with the webhook on the port the Service targets, reading the Secret the Role names', needsKustomize, async () => {
    const manifests = parseManifests(await kustomizeBuild(binDir ?? '', join(KUSTOMIZE_DIR, 'overlays/webhook')));
    const container = controllerContainer(manifests);
    const config = parseConfig(container.args, { POD_NAMESPACE: 'confighash-system', POD_NAME: 'confighash-0' });
    assert.equal(config.webhook?.port, 9443);
    assert.equal(config.webhook?.selfSigned, true);
    assert.deepEqual(container.ports.find((p) => p.name === 'webhook'), { name: 'webhook', containerPort: 9443, protocol: 'TCP' });
    const service = find(manifests, 'Service', WEBHOOK_DEFAULTS.serviceName) as { metadata: { namespace: string }; spec: { ports: { port: number; targetPort: string }[] } };
    assert.equal(service.metadata.namespace, config.webhook?.namespace);
    assert.deepEqual(service.spec.ports.map((p) => [p.port, p.targetPort]), [[443, 'webhook']]);
    const role = find(manifests, 'Role', 'confighash-webhook') as { metadata: { namespace: string }; rules: PolicyRule[] };
    assert.equal(role.metadata.namespace, config.webhook?.namespace);
    assert.deepEqual(role.rules[0]?.resourceNames, [config.webhook?.secretName]);
    assert.ok(find(manifests, 'MutatingWebhookConfiguration', config.webhook?.configurationName ?? ''));
  });

  it('with the cert-manager component: cert-manager issues the Secret the controller reads, injects the CA, and the controller generates nothing', needsKustomize, async () => {
    const scratch = await mkdtemp(join(tmpdir(), 'confighash-kustomize-'));
    try {
      await writeFile(
        join(scratch, 'kustomization.yaml'),
        stringify({
          apiVersion: 'kustomize.config.k8s.io/v1beta1',
          kind: 'Kustomization',
          resources: [relative(scratch, join(KUSTOMIZE_DIR, 'overlays/webhook'))],
          components: [relative(scratch, join(KUSTOMIZE_DIR, 'components/webhook-cert-manager'))],
        }),
      );
      const manifests = parseManifests(await kustomizeBuild(binDir ?? '', scratch));
      const config = parseConfig(controllerContainer(manifests).args, { POD_NAMESPACE: 'confighash-system', POD_NAME: 'confighash-0' });
      assert.equal(config.webhook?.selfSigned, false);
      const certificate = find(manifests, 'Certificate', 'confighash-webhook') as { spec: { secretName: string; dnsNames: string[]; issuerRef: { name: string } } };
      assert.equal(certificate.spec.secretName, config.webhook?.secretName);
      assert.ok(certificate.spec.dnsNames.includes(`${config.webhook?.serviceName}.${config.webhook?.namespace}.svc`));
      const configuration = find(manifests, 'MutatingWebhookConfiguration', 'confighash') as { metadata: { annotations: Record<string, string> } };
      assert.equal(configuration.metadata.annotations['cert-manager.io/inject-ca-from'], `${config.webhook?.namespace}/confighash-webhook`);
      const issuer = find(manifests, 'Issuer', certificate.spec.issuerRef.name) as { spec: { ca: { secretName: string } } };
      assert.ok(find(manifests, 'Certificate', 'confighash-webhook-ca'));
      assert.equal((find(manifests, 'Certificate', 'confighash-webhook-ca') as { spec: { secretName: string } }).spec.secretName, issuer.spec.ca.secretName);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });
});
