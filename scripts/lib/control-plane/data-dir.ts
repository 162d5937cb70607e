import { existsSync, readdirSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Present in every directory a control plane owns; we never delete a directory without it. */
const MARKER = '.confighash-control-plane';

export function ownsDataDir(dataDir: string): boolean {
  return existsSync(join(dataDir, MARKER));
}

/** A fresh, empty data directory: a previous cluster's data in it is discarded. */
export async function prepareDataDir(dataDir: string): Promise<void> {
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
    if (!ownsDataDir(dataDir)) {
      throw new Error(`refusing to use ${dataDir} for a control plane: it is not empty and was not made by one`);
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await writeFile(join(dataDir, MARKER), 'Data of a confighash local control plane; removed by its stop.\n');
}

export function removeDataDir(dataDir: string): void {
  if (ownsDataDir(dataDir)) rmSync(dataDir, { recursive: true, force: true });
}
