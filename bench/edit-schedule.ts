/** mulberry32: a small seeded generator of numbers in [0, 1), so a soak's choice of ConfigMaps can be repeated. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/**
 * The ConfigMap the next soak edit goes to: chosen at random, but never one last edited
 * between `avoidMs[0]` and `avoidMs[1]` ago.
 *
 * Why the gap: the ideal rollout count depends on whether each gap between two edits of a
 * ConfigMap is shorter or longer than the quiet period, as the controller sees them. The
 * controller sees an edit a little after the bench does, and that delay varies with the load.
 * A gap close to the quiet period could fall on either side, and the comparison of rollouts
 * with the ideal would measure the machine, not the controller. Gaps well below it (merged)
 * and well above it (one rollout each) are still chosen.
 *
 * When every ConfigMap is in that band (not at 5 edits/s over 20), any of them is chosen.
 */
export function pickConfigMap(
  names: readonly string[],
  lastEditAt: ReadonlyMap<string, number>,
  nowMs: number,
  avoidMs: readonly [number, number],
  random: () => number,
): string {
  const allowed = names.filter((name) => {
    const last = lastEditAt.get(name);
    if (last === undefined) return true;
    const gap = nowMs - last;
    return gap < avoidMs[0] || gap >= avoidMs[1];
  });
  const from = allowed.length > 0 ? allowed : names;
  const picked = from[Math.floor(random() * from.length)];
  if (picked === undefined) throw new RangeError('pickConfigMap needs at least one ConfigMap name');
  return picked;
}
