import { KNOWN_WORKLOAD_KINDS, type WorkloadKindSpec } from '../api/workload-kinds.ts';
import { isMemberPointer } from '../core/json-pointer.ts';
import { ConfigError } from './config-error.ts';
import type { Setting } from './setting.ts';

/**
 * One `--workload-kind GROUP/VERSION/KIND[=POINTER]` as given: a kind to cover besides the
 * default ones, and where its objects keep their pod template. The server is asked at
 * start-up whether it serves the kind (src/k8s/workload-kind-discovery.ts).
 */
export interface WorkloadKindRequest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly templatePointer: string;
  /** The flag or variable it came from, and its text, for error messages. */
  readonly origin: string;
}

const KIND_NAME = /^[A-Z][A-Za-z0-9]*$/;
const GROUP = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const VERSION = /^v[0-9]+((alpha|beta)[0-9]+)?$/;

/**
 * Parses each value (a flag may repeat; the environment variable, often fed from the
 * optional ConfigMap the kustomize base mounts, holds entries separated by commas, spaces
 * or new lines; lines starting with # are comments). POINTER may be left out for the known
 * kinds (Argo Rollouts' argoproj.io/v1alpha1/Rollout); for any other it is required.
 */
export function parseWorkloadKinds(settings: readonly Setting[]): WorkloadKindRequest[] {
  const requests: WorkloadKindRequest[] = [];
  for (const setting of settings) {
    const entries = setting.text
      .split('\n')
      .filter((line) => !line.trim().startsWith('#'))
      .join(' ')
      .split(/[\s,]+/)
      .filter(Boolean);
    for (const entry of entries) requests.push(parseEntry(entry, setting.origin));
  }
  const seen = new Map<string, WorkloadKindRequest>();
  for (const request of requests) {
    const earlier = seen.get(request.kind);
    if (earlier && earlier.apiVersion !== request.apiVersion) {
      throw new ConfigError(`${request.origin} and ${earlier.origin} both name a kind ${request.kind}; confighash names workloads by kind, so give one of them`);
    }
    seen.set(request.kind, request);
  }
  return [...seen.values()];
}

/**
 * The spec of a requested kind: a known one (Argo Rollouts) keeps its progress model, any other
 * has none (a template write counts as done at once). `plural` comes from the server, or is
 * empty offline, where nothing needs the REST path.
 */
export function requestedKindSpec(request: WorkloadKindRequest, plural: string): WorkloadKindSpec {
  const known = KNOWN_WORKLOAD_KINDS.find((spec) => spec.apiVersion === request.apiVersion && spec.kind === request.kind);
  return known
    ? { ...known, plural, templatePointer: request.templatePointer }
    : { apiVersion: request.apiVersion, kind: request.kind, plural, templatePointer: request.templatePointer, progress: 'none', reportsProgressDeadline: false };
}

function parseEntry(entry: string, origin: string): WorkloadKindRequest {
  const at = `${origin} "${entry}"`;
  const usage = 'use GROUP/VERSION/KIND=POINTER, e.g. apps.kruise.io/v1alpha1/CloneSet=/spec/template';
  const equals = entry.indexOf('=');
  const gvk = equals < 0 ? entry : entry.slice(0, equals);
  const pointer = equals < 0 ? undefined : entry.slice(equals + 1);
  const parts = gvk.split('/');
  if (parts.length !== 3 && parts.length !== 2) throw new ConfigError(`invalid ${at}: ${usage}`);
  const [group, version, kind] = parts.length === 3 ? parts : ['', ...parts];
  if (group === undefined || version === undefined || kind === undefined) throw new ConfigError(`invalid ${at}: ${usage}`);
  if (group !== '' && !GROUP.test(group)) throw new ConfigError(`invalid ${at}: "${group}" is not an API group name; ${usage}`);
  if (!VERSION.test(version)) throw new ConfigError(`invalid ${at}: "${version}" is not an API version such as v1 or v1alpha1; ${usage}`);
  if (!KIND_NAME.test(kind)) throw new ConfigError(`invalid ${at}: "${kind}" is not a kind name such as CloneSet; ${usage}`);
  const apiVersion = group === '' ? version : `${group}/${version}`;
  const known = KNOWN_WORKLOAD_KINDS.find((spec) => spec.apiVersion === apiVersion && spec.kind === kind);
  const templatePointer = pointer ?? known?.templatePointer;
  if (templatePointer === undefined) {
    throw new ConfigError(`invalid ${at}: confighash does not know where ${kind} keeps its pod template; add =POINTER, e.g. =/spec/template`);
  }
  if (templatePointer === '' || !isMemberPointer(templatePointer)) {
    throw new ConfigError(`invalid ${at}: "${templatePointer}" is not a JSON pointer to the pod template, such as /spec/template`);
  }
  return { apiVersion, kind, templatePointer, origin: `${origin} "${entry}"` };
}
