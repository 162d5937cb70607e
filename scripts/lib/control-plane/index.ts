// The local control plane: real etcd, kube-apiserver, kube-controller-manager and, with
// simulated nodes, kube-scheduler and kwok, built from upstream Go modules; optionally the
// Argo Rollouts controller beside it (startArgoRollouts).
export { startControlPlane, stopControlPlaneIn, type ControlPlane, type NodeKind, type StartControlPlaneOptions } from './cluster.ts';
export { REAL_NODE_NAME, type NodeImage } from './real-node.ts';
export { FaultError, type ApiserverRestart, type ControlPlaneFaults, type FaultTarget } from './faults.ts';
export type { ComponentName } from './components.ts';
export { writeServiceAccountKubeconfig, type ServiceAccountKubeconfigOptions } from './service-account-kubeconfig.ts';
export { ensureBinaries, ControlPlaneBuildError, MissingBinariesError, CONTROL_PLANE_BINARIES } from './binaries.ts';
export { readClusterState, type ClusterState } from './cluster-state.ts';
export { readPidsFile, type PidsFile } from './pids-file.ts';
export { isOurProcess, isAlive } from './processes.ts';
export { PortInUseError } from './ports.ts';
export { ComponentStartError } from './readiness.ts';
export { SIMULATED_NODE_NAME } from './bootstrap.ts';
export { NOT_READY_WITH_CHECKSUM_ANNOTATION } from './kwok-stages.ts';
export {
  ARGO_ROLLOUTS_INSTANCE_ID_LABEL,
  ArgoRolloutsMissingError,
  findArgoRollouts,
  startArgoRollouts,
  type ArgoRollouts,
  type StartArgoRolloutsOptions,
} from './argo-rollouts.ts';
