import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import type { TlsMaterial } from './self-signed-certificate.ts';

/** Warn this long before the serving certificate expires. */
const EXPIRY_WARNING_MS = 30 * 86_400_000;

/**
 * What keeps a stored serving certificate from working for these hosts now, in words a person
 * can act on; empty when nothing does. A certificate the apiserver cannot verify makes every
 * call fail, and with failurePolicy Ignore that fails silently, so this is logged loudly.
 */
export function certificateProblems(material: TlsMaterial, hosts: readonly string[], now: Date): string[] {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(material.cert);
  } catch {
    return ['tls.crt is not a PEM certificate'];
  }
  const problems: string[] = [];
  for (const host of hosts) {
    const covered = isIP(host) === 0 ? cert.checkHost(host, { wildcards: true }) !== undefined : cert.checkIP(host) !== undefined;
    if (!covered) problems.push(`it is not valid for ${host}`);
  }
  const notAfter = Date.parse(cert.validTo);
  if (notAfter <= now.getTime()) problems.push(`it expired at ${cert.validTo}`);
  else if (notAfter - now.getTime() < EXPIRY_WARNING_MS) problems.push(`it expires at ${cert.validTo}`);
  if (Date.parse(cert.validFrom) > now.getTime()) problems.push(`it is not valid before ${cert.validFrom}`);
  return problems;
}
