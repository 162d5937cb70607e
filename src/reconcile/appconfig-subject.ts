import { API_GROUP, API_VERSION, APPCONFIG_KIND } from '../api/constants.ts';
import type { EventSubject } from '../k8s/event-recorder.ts';
import type { ObservedAppConfig } from '../k8s/fact-store.ts';

/** An AppConfig as the subject of an Event. */
export function appConfigSubject(appConfig: ObservedAppConfig): EventSubject {
  return { apiVersion: `${API_GROUP}/${API_VERSION}`, kind: APPCONFIG_KIND, namespace: appConfig.namespace, name: appConfig.name, uid: appConfig.uid };
}
