import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { kubeConfigSource } from './kube-config-source.ts';
import { CannotStartError } from './start-up-errors.ts';
import { requestUncompressed } from './identity-encoding.ts';
import {
  coreCalls,
  customObjectCalls,
  eventCalls,
  leaseCalls,
  type CoreCalls,
  type CustomObjectCalls,
  type EventCalls,
  type LeaseCalls,
} from './json-clients.ts';
import { shareOneDispatcher } from './shared-dispatcher.ts';

/**
 * The API clients the controller uses, built once from one KubeConfig: only the calls in
 * json-clients.ts, typed as client-node's generated APIs type them, so the compiler refuses
 * any other call.
 */
export interface ApiClients {
  kubeConfig: KubeConfig;
  core: CoreCalls;
  customObjects: CustomObjectCalls;
  events: EventCalls;
  coordination: LeaseCalls;
}

/**
 * $KUBECONFIG (or ~/.kube/config) when present, the in-cluster ServiceAccount otherwise.
 * Throws CannotStartError, naming the fix, when there is neither or the file is unusable.
 */
export function loadKubeConfig(): KubeConfig {
  // process.env, as loadFromDefault reads it.
  const source = kubeConfigSource({ env: process.env, exists: existsSync });
  const origin = source.kind === 'in-cluster' ? 'the in-cluster ServiceAccount configuration' : `the kubeconfig ${source.paths.join(', ')}`;
  const kubeConfig = new KubeConfig();
  try {
    if (source.kind === 'in-cluster') kubeConfig.loadFromCluster();
    else kubeConfig.loadFromDefault();
  } catch (error) {
    // Not the message: a YAML parser's message quotes the file, which may hold a token.
    const code = (error as { code?: unknown }).code;
    const reason = typeof code === 'string' ? code : error instanceof Error ? error.name : typeof error;
    throw new CannotStartError(`cannot load ${origin} (${reason}): check that it is a readable, valid kubeconfig`, { cause: error });
  }
  if (!kubeConfig.getCurrentCluster()?.server) {
    throw new CannotStartError(`${origin} names no cluster server in its current context: set current-context (kubectl config use-context NAME)`);
  }
  return requestUncompressed(shareOneDispatcher(kubeConfig));
}

export function createApiClients(kubeConfig: KubeConfig): ApiClients {
  return {
    kubeConfig,
    core: coreCalls(kubeConfig),
    customObjects: customObjectCalls(kubeConfig),
    events: eventCalls(kubeConfig),
    coordination: leaseCalls(kubeConfig),
  };
}
