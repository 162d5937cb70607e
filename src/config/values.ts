/** Readers for single config values. Each returns undefined when the text is not valid. */

/** A Kubernetes namespace name: an RFC 1123 label. */
const NAMESPACE_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function isNamespaceName(text: string): boolean {
  return NAMESPACE_NAME.test(text);
}

/** Splits a comma list, dropping blanks: "a, b,,c" → ["a", "b", "c"]. */
export function splitList(text: string | undefined): string[] {
  if (text === undefined) return [];
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

const TRUE = new Set(['true', '1', 'yes']);
const FALSE = new Set(['false', '0', 'no']);

export function parseBoolean(text: string): boolean | undefined {
  const value = text.trim().toLowerCase();
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  return undefined;
}

export function parseWholeNumber(text: string): number | undefined {
  const value = text.trim();
  return /^\d{1,9}$/.test(value) ? Number(value) : undefined;
}

export interface BindAddress {
  host: string;
  port: number;
}

/** `host:port`, `:port` (all interfaces) or `[ipv6]:port`. */
const BIND_ADDRESS = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]*)):(\d{1,5})$/;

export function parseBindAddress(text: string): BindAddress | undefined {
  const match = BIND_ADDRESS.exec(text.trim());
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port > 65_535) return undefined;
  const host = match[1] ?? match[2] ?? '';
  return { host: host === '' ? '0.0.0.0' : host, port };
}
