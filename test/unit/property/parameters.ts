import type { Parameters } from 'fast-check';

/**
 * How hard the property tests search. `npm test` runs them with a fixed seed, so a failure
 * reproduces exactly; `npm run fuzz` sets CONFIGHASH_FUZZ_RUNS higher and a fresh seed each
 * time (fast-check prints the seed and the shrunk counterexample of a failure; rerun with
 * CONFIGHASH_FUZZ_SEED=<seed>).
 */
export function propertyParameters<T>(runsInTest = 200): Parameters<T> {
  const runs = Number(process.env.CONFIGHASH_FUZZ_RUNS ?? runsInTest);
  const seedText = process.env.CONFIGHASH_FUZZ_SEED;
  const seed = seedText === undefined ? 20_2026 : seedText === 'random' ? Date.now() ^ (Math.random() * 0x7fffffff) : Number(seedText);
  return { numRuns: runs, seed };
}
