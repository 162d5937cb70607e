import type { AppConfigSpec, AppConfigStatus } from '../api/appconfig.ts';
import { RESUME_ANNOTATION, ROLL_NOW_ANNOTATION } from '../api/constants.ts';
import type { ObservedAppConfig } from './fact-store.ts';
import type { KubeObject } from './list-watch.ts';

interface AppConfigObject extends KubeObject {
  spec?: AppConfigSpec;
  status?: AppConfigStatus;
}

/** An AppConfig object as the fact store keeps it: its facts, the two annotations it acts on, and its status. */
export function observedAppConfig(object: AppConfigObject): ObservedAppConfig {
  const metadata = object.metadata ?? {};
  return {
    namespace: metadata.namespace ?? '',
    name: metadata.name ?? '',
    uid: metadata.uid ?? '',
    generation: metadata.generation ?? 0,
    spec: object.spec ?? {},
    ...(metadata.annotations?.[RESUME_ANNOTATION] !== undefined ? { resume: metadata.annotations[RESUME_ANNOTATION] } : {}),
    ...(metadata.annotations?.[ROLL_NOW_ANNOTATION] !== undefined ? { rollNow: metadata.annotations[ROLL_NOW_ANNOTATION] } : {}),
    ...(object.status ? { status: object.status } : {}),
  };
}
