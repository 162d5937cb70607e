import { digestConfigMapContent, digestSecretContent, workloadChecksum } from '../src/core/checksum.ts';
import type { ScopedSource } from '../src/core/types.ts';

/** The checksum of a workload that reads one ConfigMap whole, as the core computes it. */
export function configMapChecksum(name: string, data: Record<string, string>): string {
  return workloadChecksum([{ kind: 'ConfigMap', name, scope: { kind: 'all' }, digest: digestConfigMapContent({ data }) }], '');
}

/** The checksum of a workload that reads these ConfigMaps and Secrets whole (Secret data base64, as stored). */
export function sourcesChecksum(
  configMaps: { name: string; data: Record<string, string> }[],
  secrets: { name: string; data: Record<string, string> }[],
  hmacKey: Buffer,
  hmacKeyId: string,
): string {
  const sources: ScopedSource[] = [
    ...configMaps.map((cm): ScopedSource => ({ kind: 'ConfigMap', name: cm.name, scope: { kind: 'all' }, digest: digestConfigMapContent({ data: cm.data }) })),
    ...secrets.map((s): ScopedSource => ({ kind: 'Secret', name: s.name, scope: { kind: 'all' }, digest: digestSecretContent({ data: s.data }, hmacKey) })),
  ];
  return workloadChecksum(sources, hmacKeyId);
}
