/*
 * What a chat notification says about a rollout, a halt or a resume, and how each chat
 * service wants it. Names, keys and checksum prefixes only: a notification never carries a
 * ConfigMap or Secret value, and nothing from which one could be guessed.
 */

export const NOTIFY_FORMATS = ['slack', 'teams', 'googlechat', 'json'] as const;
export type NotifyFormat = (typeof NOTIFY_FORMATS)[number];

export interface Notification {
  readonly event: 'rollout' | 'halt' | 'resume';
  readonly namespace: string;
  /** The workload rolled (rollout), or absent (halt, resume: the AppConfig's whole change). */
  readonly workload?: { readonly kind: string; readonly name: string };
  /** The AppConfigs concerned; empty for a workload covered by its Reloader annotations alone. */
  readonly appConfigs: readonly string[];
  /** "ConfigMap app-config (LOG_LEVEL)": the sources and keys that changed. */
  readonly changed: readonly string[];
  /** Checksum prefixes. */
  readonly from?: string;
  readonly to?: string;
  /** RFC 3339: core has no clock. */
  readonly time: string;
  /** One sentence, for people. */
  readonly summary: string;
}

/** As long as the prefixes in AppConfig status (lastRollout.from and .to). */
const PREFIX_LENGTH = 24;

/** The first characters of a checksum: enough to tell two apart, never the whole digest. */
export function checksumPrefix(checksum: string | undefined): string | undefined {
  return checksum === undefined ? undefined : checksum.slice(0, PREFIX_LENGTH);
}

/** The request body for the chat service (or plain JSON). */
export function notificationBody(notification: Notification, format: NotifyFormat): Record<string, unknown> {
  const text = notificationText(notification);
  switch (format) {
    case 'slack':
    case 'googlechat':
      return { text };
    case 'teams':
      return { '@type': 'MessageCard', '@context': 'https://schema.org/extensions', summary: notification.summary, text };
    case 'json':
      return { ...notification, changed: [...notification.changed], appConfigs: [...notification.appConfigs] };
  }
}

function notificationText(n: Notification): string {
  const lines = [`confighash: ${n.summary}`];
  if (n.changed.length > 0) lines.push(`changed: ${n.changed.join(', ')}`);
  if (n.from !== undefined || n.to !== undefined) lines.push(`checksum: ${n.from ?? '(none)'} -> ${n.to ?? '(none)'}`);
  if (n.appConfigs.length > 0) lines.push(`AppConfig: ${n.appConfigs.map((name) => `${n.namespace}/${name}`).join(', ')}`);
  return lines.join('\n');
}
