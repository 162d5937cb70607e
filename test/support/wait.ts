// Polling with a deadline, shared with the demo and the benchmark.
export { settle, waitFor, type SettleOptions, type WaitOptions } from '../../scripts/lib/wait.ts';
