import { isIP } from 'node:net';
import { ConfigError } from './config-error.ts';
import { fromEnv, invalid, type Setting } from './setting.ts';
import { parseBindAddress, splitList } from './values.ts';

/** The admission webhook served in the controller's process; see src/webhook/. */
export interface WebhookConfig {
  host: string;
  port: number;
  /** The controller's own namespace: where the TLS Secret and the webhook Service are. */
  namespace: string;
  /** The Secret with tls.crt, tls.key and ca.crt (the kubernetes.io/tls shape cert-manager writes too). */
  secretName: string;
  /** The Service in front of the webhook: its DNS names go into a generated certificate. */
  serviceName: string;
  /** The MutatingWebhookConfiguration whose caBundle a generated CA goes into. */
  configurationName: string;
  /** More names or IP addresses for a generated certificate (e.g. 127.0.0.1 for a loopback URL). */
  certHosts: string[];
  /**
   * When the Secret is absent, generate a self-signed CA and serving certificate, store them
   * in it and patch the caBundle. False with cert-manager: wait for its Secret, and leave
   * the caBundle to its CA injector.
   */
  selfSigned: boolean;
}

export const WEBHOOK_DEFAULTS = {
  secretName: 'confighash-webhook-tls',
  serviceName: 'confighash-webhook',
  configurationName: 'confighash',
} as const;

/** The raw webhook settings, each from its flag or CONFIGHASH_<FLAG>. */
export interface WebhookSettings {
  bindAddress: Setting | undefined;
  secret: Setting | undefined;
  service: Setting | undefined;
  configuration: Setting | undefined;
  selfSigned: boolean | undefined;
  /** --webhook-cert-host values as given (repeatable, comma separated). */
  certHostFlags: string[] | undefined;
}

/** An RFC 1123 subdomain: the names of Secrets, Services and webhook configurations. */
const OBJECT_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A DNS name for a certificate: labels of letters, digits and -, case-insensitive. */
const DNS_NAME = /^(?=.{1,253}$)[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)*$/;

/** Undefined unless --webhook-bind-address is set: the webhook is off by default. */
export function resolveWebhook(settings: WebhookSettings, env: NodeJS.ProcessEnv, namespace: string): WebhookConfig | undefined {
  const certHosts = certHostsOf(settings.certHostFlags, env);
  if (!settings.bindAddress) {
    const stray = [settings.secret, settings.service, settings.configuration].find((s) => s !== undefined);
    if (stray) throw new ConfigError(`${stray.origin} needs --webhook-bind-address: the webhook is off without it`);
    if (certHosts.length > 0) throw new ConfigError('--webhook-cert-host needs --webhook-bind-address: the webhook is off without it');
    return undefined;
  }
  const address = parseBindAddress(settings.bindAddress.text);
  if (!address || address.port === 0) throw invalid(settings.bindAddress, 'use host:port such as 0.0.0.0:9443 or :9443');
  return {
    host: address.host,
    port: address.port,
    namespace,
    secretName: objectName(settings.secret) ?? WEBHOOK_DEFAULTS.secretName,
    serviceName: objectName(settings.service) ?? WEBHOOK_DEFAULTS.serviceName,
    configurationName: objectName(settings.configuration) ?? WEBHOOK_DEFAULTS.configurationName,
    certHosts,
    selfSigned: settings.selfSigned ?? true,
  };
}

function objectName(setting: Setting | undefined): string | undefined {
  if (!setting) return undefined;
  if (!OBJECT_NAME.test(setting.text)) throw invalid(setting, 'use a lowercase object name such as confighash-webhook');
  return setting.text;
}

function certHostsOf(flags: string[] | undefined, env: NodeJS.ProcessEnv): string[] {
  const fromFlags = (flags ?? []).flatMap((value) => splitList(value));
  const origin = fromFlags.length > 0 ? '--webhook-cert-host' : 'CONFIGHASH_WEBHOOK_CERT_HOST';
  const hosts = fromFlags.length > 0 ? fromFlags : splitList(fromEnv('CONFIGHASH_WEBHOOK_CERT_HOST', env)?.text);
  for (const host of hosts) {
    if (isIP(host) === 0 && !DNS_NAME.test(host)) throw invalid({ text: host, origin }, 'use a DNS name or an IP address such as 127.0.0.1');
  }
  return [...new Set(hosts)];
}
