import { join } from 'node:path';
import type { ComponentSpec } from './launch.ts';
import type { Pki } from './pki.ts';

/** Cluster-internal address ranges; nothing routes them, they only have to be consistent. */
export const SERVICE_CLUSTER_IP_RANGE = '10.96.0.0/16';
/** The first address of the service range, which the `kubernetes` Service gets. */
export const KUBERNETES_SERVICE_IP = '10.96.0.1';
export const POD_CIDR = '10.244.0.0/16';
export const SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

/** Nodes carrying this annotation are the ones kwok pretends to be the kubelet of. */
export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';
export const KWOK_NODE_ANNOTATION_VALUE = 'fake';

/** Every component a control plane may run; kube-scheduler and kwok only with simulated nodes, the last three with a real node. */
export type ComponentName =
  | 'etcd'
  | 'kube-apiserver'
  | 'kube-controller-manager'
  | 'kube-scheduler'
  | 'kwok'
  | 'containerd'
  | 'kubelet'
  | 'kube-proxy';

export const PORT_NAMES = ['etcdClient', 'etcdPeer', 'apiserver', 'controllerManager', 'scheduler', 'kwok'] as const;
export type Ports = Record<(typeof PORT_NAMES)[number], number>;

export interface ComponentContext {
  binDir: string;
  dataDir: string;
  ports: Ports;
  pki: Pki;
  adminKubeconfig: string;
  fsync: boolean;
  /** kube-apiserver serves /debug/pprof: the benchmark's --apiserver-profile. */
  apiserverProfiling: boolean;
  /**
   * With a real node: the host's address on the pod bridge. The apiserver then listens on
   * every address (tests keep using 127.0.0.1) and advertises this one, so that the
   * `kubernetes` Service has an endpoint that pods reach.
   */
  advertiseAddress?: string;
}

export function etcd(ctx: ComponentContext): ComponentSpec {
  const client = `http://127.0.0.1:${ctx.ports.etcdClient}`;
  const peer = `http://127.0.0.1:${ctx.ports.etcdPeer}`;
  return {
    name: 'etcd',
    binary: join(ctx.binDir, 'etcd'),
    args: [
      '--name=default',
      `--data-dir=${join(ctx.dataDir, 'etcd')}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=default=${peer}`,
      '--initial-cluster-state=new',
      // Tests throw the data away; the benchmark asks for fsync when durability matters.
      ...(ctx.fsync ? [] : ['--unsafe-no-fsync=true']),
    ],
    listens: [
      { port: ctx.ports.etcdClient, purpose: 'client URL' },
      { port: ctx.ports.etcdPeer, purpose: 'peer URL' },
    ],
  };
}

export function kubeApiserver(ctx: ComponentContext): ComponentSpec {
  const { pki } = ctx;
  return {
    name: 'kube-apiserver',
    binary: join(ctx.binDir, 'kube-apiserver'),
    args: [
      `--etcd-servers=http://127.0.0.1:${ctx.ports.etcdClient}`,
      ...(ctx.advertiseAddress
        ? ['--bind-address=0.0.0.0', `--advertise-address=${ctx.advertiseAddress}`, '--kubelet-preferred-address-types=InternalIP']
        : ['--bind-address=127.0.0.1', '--advertise-address=127.0.0.1']),
      `--secure-port=${ctx.ports.apiserver}`,
      `--cert-dir=${join(ctx.dataDir, 'kube-apiserver')}`,
      `--tls-cert-file=${pki.servingCert}`,
      `--tls-private-key-file=${pki.servingKey}`,
      `--client-ca-file=${pki.caCert}`,
      `--token-auth-file=${pki.tokenFile}`,
      '--authorization-mode=Node,RBAC',
      `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
      `--service-account-key-file=${pki.serviceAccountPublicKey}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
      // With a loopback advertise address, any other reconciler makes the apiserver exit:
      // "cannot use public IP 127.0.0.1 with endpoint reconciler". With a real node's
      // address, the default (lease) reconciler keeps the `kubernetes` Service's endpoint.
      ...(ctx.advertiseAddress ? [] : ['--endpoint-reconciler-type=none']),
      `--profiling=${ctx.apiserverProfiling}`,
    ],
    listens: [{ port: ctx.ports.apiserver, purpose: 'secure port' }],
  };
}

/** Flags both kube-controller-manager and kube-scheduler take to talk to and serve for the apiserver. */
function clientOf(ctx: ComponentContext, name: string, port: number): string[] {
  return [
    `--kubeconfig=${ctx.adminKubeconfig}`,
    `--authentication-kubeconfig=${ctx.adminKubeconfig}`,
    `--authorization-kubeconfig=${ctx.adminKubeconfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${port}`,
    `--cert-dir=${join(ctx.dataDir, name)}`,
    '--leader-elect=false',
    '--profiling=false',
  ];
}

export function kubeControllerManager(ctx: ComponentContext): ComponentSpec {
  const { pki } = ctx;
  return {
    name: 'kube-controller-manager',
    binary: join(ctx.binDir, 'kube-controller-manager'),
    args: [
      ...clientOf(ctx, 'kube-controller-manager', ctx.ports.controllerManager),
      // `*` is the default set: deployment, replicaset, statefulset, daemonset, garbage
      // collector, namespace, serviceaccount, serviceaccount-token and the rest.
      '--controllers=*',
      '--use-service-account-credentials=true',
      `--service-account-private-key-file=${pki.serviceAccountKey}`,
      `--root-ca-file=${pki.caCert}`,
      `--cluster-signing-cert-file=${pki.caCert}`,
      `--cluster-signing-key-file=${pki.caKey}`,
    ],
    listens: [{ port: ctx.ports.controllerManager, purpose: 'secure port' }],
  };
}

export function kubeScheduler(ctx: ComponentContext): ComponentSpec {
  return {
    name: 'kube-scheduler',
    binary: join(ctx.binDir, 'kube-scheduler'),
    args: clientOf(ctx, 'kube-scheduler', ctx.ports.scheduler),
    listens: [{ port: ctx.ports.scheduler, purpose: 'secure port' }],
  };
}

/** `stagesFile`: the Stages kwok plays (writeKwokStages). */
export function kwok(ctx: ComponentContext, stagesFile: string): ComponentSpec {
  return {
    name: 'kwok',
    binary: join(ctx.binDir, 'kwok'),
    args: [
      `--kubeconfig=${ctx.adminKubeconfig}`,
      `--config=${stagesFile}`,
      `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=${KWOK_NODE_ANNOTATION_VALUE}`,
      // Lease heartbeats keep the node-lifecycle controller from marking the Node unreachable.
      '--node-lease-duration-seconds=40',
      `--cidr=${POD_CIDR}`,
      `--server-address=127.0.0.1:${ctx.ports.kwok}`,
    ],
    listens: [{ port: ctx.ports.kwok, purpose: 'health server' }],
  };
}
