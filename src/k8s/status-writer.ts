import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { CustomObjectCalls } from './json-clients.ts';
import type { AppConfigStatus } from '../api/appconfig.ts';
import type { ApiRequestObserver } from './raw-request.ts';
import { abortableRequest } from './request-options.ts';
import { API_GROUP, API_VERSION, APPCONFIG_PLURAL, FIELD_MANAGER } from '../api/constants.ts';

/** Replaces an AppConfig's status through the status subresource (a merge patch of `status`). */
export async function writeAppConfigStatus(api: CustomObjectCalls, namespace: string, name: string, status: AppConfigStatus, signal: AbortSignal, observe?: ApiRequestObserver): Promise<void> {
  // null clears fields the new status no longer has; the merge patch would keep them otherwise.
  const body = { status: { observedGeneration: null, conditions: null, sources: null, targets: null, sourceCount: null, targetCount: null, targetsOmitted: null, rollingCount: null, haltedCount: null, resumedWith: null, acknowledgedFailures: null, ...status } };
  await api.patchNamespacedCustomObjectStatus(
    { group: API_GROUP, version: API_VERSION, namespace, plural: APPCONFIG_PLURAL, name, body, fieldManager: FIELD_MANAGER },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch, abortableRequest(signal, observe)),
  );
}
