import type { BenchContext } from '../context.ts';
import type { PeerBuild, PeerBuildInfo } from './build.ts';
import { PEERS, type PeerName } from './catalogue.ts';
import { runPeer, type PeerRun, type PeerRunOptions } from './run-peer.ts';

/** A peer that was not measured, and why: its build failed, or its run did. */
export interface PeerNotMeasured {
  title: string;
  build: PeerBuildInfo | { source_dir: string; commit?: string; error: string };
  error: string;
}

export type PeerResult = PeerRun | PeerNotMeasured;
export type PeersResult = Partial<Record<PeerName, PeerResult>>;

export function measured(result: PeerResult | undefined): result is PeerRun {
  return result !== undefined && !('error' in result);
}

/**
 * Runs each built peer in turn on the scale scenario's objects, after confighash has been
 * stopped: one process at a time, each after the apiserver has gone quiet.
 */
export async function runPeers(ctx: BenchContext, builds: PeerBuild[], opts: PeerRunOptions): Promise<PeersResult> {
  const results: PeersResult = {};
  for (const build of builds) {
    const peer = PEERS[build.name];
    if (!build.ok) {
      results[build.name] = { title: peer.title, build: { source_dir: build.source_dir, ...(build.commit ? { commit: build.commit } : {}), error: build.error }, error: `build failed: ${build.error}` };
      continue;
    }
    ctx.log(`peer ${build.name}: start`);
    try {
      results[build.name] = await runPeer(ctx, peer, build.info, opts);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      ctx.log(`peer ${build.name}: FAILED: ${message}`);
      results[build.name] = { title: peer.title, build: build.info, error: message };
    }
  }
  return results;
}

/** Every peer not measured because the scale scenario, whose objects they run on, did not run. */
export function peersSkipped(builds: PeerBuild[], reason: string): PeersResult {
  const results: PeersResult = {};
  for (const build of builds) {
    const title = PEERS[build.name].title;
    results[build.name] = build.ok
      ? { title, build: build.info, error: reason }
      : { title, build: { source_dir: build.source_dir, ...(build.commit ? { commit: build.commit } : {}), error: build.error }, error: `build failed: ${build.error}` };
  }
  return results;
}
