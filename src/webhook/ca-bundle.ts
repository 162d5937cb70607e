import type { KubeConfig } from '@kubernetes/client-node';
import type { Operation } from 'fast-json-patch';
import { jsonPatchAsConfighash, requestJson, type ApiRequestObserver } from '../k8s/raw-request.ts';

interface WebhookConfiguration {
  webhooks?: { name?: string; clientConfig?: { caBundle?: string } }[];
}

/**
 * Makes every webhook of the MutatingWebhookConfiguration trust `caPem`, as Knative and
 * Kyverno do for their own: one GET, and a JSON Patch only for webhooks whose caBundle
 * differs. Each patched entry is guarded by a `test` of its name, so a configuration edited
 * meanwhile fails the patch instead of getting the bundle at the wrong index. Needs only
 * get and patch on this one object.
 */
export async function ensureCaBundle(
  kubeConfig: KubeConfig,
  name: string,
  caPem: string,
  signal: AbortSignal,
  observe?: ApiRequestObserver,
): Promise<'patched' | 'unchanged'> {
  const path = `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${encodeURIComponent(name)}`;
  const configuration = await requestJson<WebhookConfiguration>(kubeConfig, path, { signal, ...(observe ? { observe } : {}) });
  const bundle = Buffer.from(caPem).toString('base64');
  const ops: Operation[] = [];
  (configuration.webhooks ?? []).forEach((webhook, index) => {
    if (webhook.clientConfig?.caBundle === bundle) return;
    ops.push({ op: 'test', path: `/webhooks/${index}/name`, value: webhook.name ?? '' });
    ops.push({ op: 'add', path: `/webhooks/${index}/clientConfig/caBundle`, value: bundle });
  });
  if (ops.length === 0) return 'unchanged';
  await jsonPatchAsConfighash(kubeConfig, path, ops, signal, observe);
  return 'patched';
}
