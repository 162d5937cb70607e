// The controller as a child process; the demo and the benchmark run it the same way.
export { startController, sumMetric, type ControllerProcess, type StartControllerOptions } from '../../scripts/lib/controller-process.ts';
