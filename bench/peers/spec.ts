import { PEER_NAMES, type PeerName } from './catalogue.ts';

/** One `--peers` entry: which peer, where its source is, and (when given) the commit it is. */
export interface PeerSource {
  name: PeerName;
  dir: string;
  /** From `@COMMIT`; otherwise the bench asks git in `dir` (see resolveCommit). */
  commit?: string;
}

export class PeerSpecError extends Error {
  readonly retryable = false;
}

const COMMIT = /^[0-9a-f]{40}$/;

/**
 * Parses `reloader=DIR@COMMIT,wave=DIR`. The commit is the full 40-hex id; a directory made by
 * `git archive` has no .git, so it must carry `@COMMIT`. Peers run in the order of PEER_NAMES
 * whatever the order given, so every run compares them the same way.
 */
export function parsePeerSpec(value: string): PeerSource[] {
  const seen = new Map<PeerName, PeerSource>();
  for (const entry of value.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new PeerSpecError(`--peers entry "${entry}" is not NAME=DIR[@COMMIT]`);
    const name = entry.slice(0, eq);
    if (!(PEER_NAMES as readonly string[]).includes(name)) throw new PeerSpecError(`unknown peer "${name}"; choose from ${PEER_NAMES.join(', ')}`);
    const rest = entry.slice(eq + 1);
    const at = rest.lastIndexOf('@');
    const dir = at >= 0 ? rest.slice(0, at) : rest;
    const commit = at >= 0 ? rest.slice(at + 1).toLowerCase() : undefined;
    if (dir === '') throw new PeerSpecError(`--peers ${name}: no source directory`);
    if (commit !== undefined && !COMMIT.test(commit)) throw new PeerSpecError(`--peers ${name}: "${commit}" is not a full 40-hex commit id`);
    if (seen.has(name as PeerName)) throw new PeerSpecError(`--peers names ${name} twice`);
    seen.set(name as PeerName, { name: name as PeerName, dir, ...(commit ? { commit } : {}) });
  }
  if (seen.size === 0) throw new PeerSpecError('--peers is empty');
  return PEER_NAMES.filter((n) => seen.has(n)).map((n) => seen.get(n) as PeerSource);
}
