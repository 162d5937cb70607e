// The images `npm run image` leaves in podman's storage, and the names a real node's pods
// use for them (real-node.ts loads them into its containerd; nothing is pulled).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { NodeImage } from './control-plane/index.ts';
import { REPO_ROOT, type KustomizeImage } from './kustomize.ts';
import { podmanEnv } from './podman-env.ts';

const run = promisify(execFile);

/** The Dockerfile's ARG NODE_VERSION. */
export function dockerfileNodeVersion(): string {
  const version = /^ARG NODE_VERSION=(\S+)$/m.exec(readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8'))?.[1];
  if (!version) throw new Error('the Dockerfile has no ARG NODE_VERSION=x.y.z line');
  return version;
}

export const CONTROLLER_IMAGE = 'localhost/confighash:dev';

/** The sample app's `node:24-slim`, in a kustomize `images:` entry: the node base made by scripts/image/node-base.sh. */
export function sampleAppImage(): KustomizeImage {
  return { name: 'node', newName: 'docker.io/library/node', newTag: `${dockerfileNodeVersion()}-trixie-slim` };
}

/** The base image scripts/image/node-base.sh makes, by the name pods use: the sample app runs on it. */
export function nodeBaseImage(): string {
  return `docker.io/library/node:${dockerfileNodeVersion()}-trixie-slim`;
}

/** The controller image and the node base, those of them that are in podman's storage; `say` names any that is not. */
export async function imagesForRealNode(say: (line: string) => void = () => {}): Promise<NodeImage[]> {
  const wanted: NodeImage[] = [
    { source: CONTROLLER_IMAGE, name: CONTROLLER_IMAGE },
    { source: `node:${dockerfileNodeVersion()}-trixie-slim`, name: nodeBaseImage() },
  ];
  const env = await podmanEnv();
  const present: NodeImage[] = [];
  for (const image of wanted) {
    const exists = await run('podman', ['image', 'exists', image.source], { env }).then(
      () => true,
      () => false,
    );
    if (exists) present.push(image);
    else say(`${image.source} is not in podman's storage (npm run image makes it); the real node starts without it`);
  }
  return present;
}
