import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';

/** Written by scripts/controlplane/build.sh from the pinned kwok module's own Stages. */
const BUILT_STAGES_FILE = 'kwok-stages.yaml';

/**
 * Pod annotation that makes a rollout fail on purpose: a pod whose `confighash.dev/checksum`
 * annotation equals this annotation's value is never made Ready by kwok, so a Deployment
 * rolled to that checksum stays unavailable until its progress deadline passes. Put it in a
 * pod template next to a checksum computed in advance; every other pod is untouched.
 */
export const NOT_READY_WITH_CHECKSUM_ANNOTATION = 'test.confighash.dev/not-ready-with-checksum';

/** jq over the pod, as kwok's Stage selectors read it: true only for the pods to keep not ready. */
const KEEP_NOT_READY =
  `.metadata.annotations as $a | ($a["${NOT_READY_WITH_CHECKSUM_ANNOTATION}"] // "") as $bad` +
  ` | $bad != "" and $a["confighash.dev/checksum"] == $bad`;

interface StageDoc {
  metadata?: { name?: string };
  spec?: { selector?: { matchExpressions?: { key: string; operator: string; values?: string[] }[] } };
}

/**
 * kwok's Stages as build.sh wrote them, with one exclusion added to `pod-ready` (see
 * NOT_READY_WITH_CHECKSUM_ANNOTATION), written into the data directory; returns its path.
 * kwok reads its Stages once at start, and a Stage from the API (--enable-crds=Stage)
 * would replace the file's Stages altogether, so the exclusion lives here.
 */
export async function writeKwokStages(binDir: string, dataDir: string): Promise<string> {
  const docs = parseAllDocuments(await readFile(join(binDir, BUILT_STAGES_FILE), 'utf8')).map((doc) => doc.toJS() as StageDoc | null);
  const stages = docs.filter((doc): doc is StageDoc => doc !== null);
  const podReady = stages.find((stage) => stage.metadata?.name === 'pod-ready');
  const expressions = podReady?.spec?.selector?.matchExpressions;
  if (!expressions) throw new Error(`${join(binDir, BUILT_STAGES_FILE)} has no pod-ready Stage with matchExpressions`);
  expressions.push({ key: KEEP_NOT_READY, operator: 'NotIn', values: ['true'] });
  const file = join(dataDir, BUILT_STAGES_FILE);
  await writeFile(file, stages.map((stage) => `---\n${stringify(stage, { lineWidth: 0 })}`).join(''));
  return file;
}
