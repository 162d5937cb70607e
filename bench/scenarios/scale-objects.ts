import { appConfig, configMap, cronJob, deployment, paths, secret } from '../kube/objects.ts';
import { SCALE_SHAPE, type BenchProfile } from '../profile.ts';

/** One object to create: where it goes and what it is. */
export interface Creation {
  path: string;
  body: { metadata: { name: string } };
}

const cmName = (i: number) => `cm-${String(i).padStart(5, '0')}`;
const secretName = (i: number) => `secret-${String(i).padStart(5, '0')}`;
const deploymentName = (i: number) => `app-${String(i).padStart(4, '0')}`;
const appConfigName = (i: number) => `ac-${String(i).padStart(3, '0')}`;
const cronJobName = (i: number) => `job-${String(i).padStart(4, '0')}`;

export function scaleNamespaces(profile: BenchProfile): string[] {
  const prefix = profile.scale.namespacePrefix ?? 'bench-scale-';
  return Array.from({ length: profile.scale.namespaces }, (_, i) => `${prefix}${String(i).padStart(2, '0')}`);
}

export function scaleCounts(profile: BenchProfile) {
  const { namespaces, appConfigsPerNamespace: a } = profile.scale;
  const deployments = a * SCALE_SHAPE.deploymentsPerAppConfig;
  const cronJobs = Math.floor(deployments / SCALE_SHAPE.deploymentsPerCronJob);
  return {
    perNamespace: { appConfigs: a, deployments, cronJobs, configMaps: deployments * SCALE_SHAPE.configMapsPerDeployment, secrets: deployments * SCALE_SHAPE.secretsPerDeployment },
    total: {
      appconfigs: namespaces * a,
      deployments: namespaces * deployments,
      cronjobs: namespaces * cronJobs,
      configmaps: namespaces * deployments * SCALE_SHAPE.configMapsPerDeployment,
      secrets: namespaces * deployments * SCALE_SHAPE.secretsPerDeployment,
    },
  };
}

/** The ConfigMaps and Secrets Deployment `i` of a namespace reads: 5 + 5, whole. */
export function sourcesOfDeployment(i: number): { configMaps: string[]; secrets: string[] } {
  const first = i * SCALE_SHAPE.configMapsPerDeployment;
  return {
    configMaps: Array.from({ length: SCALE_SHAPE.configMapsPerDeployment }, (_, k) => cmName(first + k)),
    secrets: Array.from({ length: SCALE_SHAPE.secretsPerDeployment }, (_, k) => secretName(first + k)),
  };
}

export function scaleConfigMap(ns: string, index: number, profile: BenchProfile) {
  return configMap(ns, cmName(index), 'scale', profile.sizes.configMapBytes);
}

export function scaleSecret(ns: string, index: number, profile: BenchProfile) {
  return secret(ns, secretName(index), 'scale', profile.sizes.secretBytes);
}

export function scaleDeployment(ns: string, i: number) {
  const { configMaps, secrets } = sourcesOfDeployment(i);
  const [cm0 = '', ...cmRest] = configMaps;
  const [s0 = '', ...sRest] = secrets;
  return deployment(ns, deploymentName(i), 'scale', { envFromConfigMaps: [cm0], volumeConfigMaps: cmRest, envFromSecrets: [s0], volumeSecrets: sRest });
}

/** CronJob `c` reads the sources of Deployment `c * 10`, so the AppConfig covering that Deployment covers it too. */
export function scaleCronJob(ns: string, c: number) {
  const { configMaps, secrets } = sourcesOfDeployment(cronJobDeployment(c));
  const [cm0 = '', ...cmRest] = configMaps;
  const [s0 = '', ...sRest] = secrets;
  return cronJob(ns, cronJobName(c), 'scale', { envFromConfigMaps: [cm0], volumeConfigMaps: cmRest, envFromSecrets: [s0], volumeSecrets: sRest });
}

/** The Deployment whose sources CronJob `c` reads. */
export function cronJobDeployment(c: number): number {
  return c * SCALE_SHAPE.deploymentsPerCronJob;
}

/** AppConfig `j` lists the sources of Deployments 2j and 2j+1 and, without spec.workloads, covers exactly those two. */
export function scaleAppConfig(ns: string, j: number) {
  const deployments = Array.from({ length: SCALE_SHAPE.deploymentsPerAppConfig }, (_, k) => sourcesOfDeployment(j * SCALE_SHAPE.deploymentsPerAppConfig + k));
  return appConfig(ns, appConfigName(j), 'scale', {
    configMaps: deployments.flatMap((d) => d.configMaps),
    secrets: deployments.flatMap((d) => d.secrets),
  });
}

/**
 * Everything the scale scenario creates: Deployments and CronJobs, then their sources, then AppConfigs. Built lazily so the bench never holds 100 MiB of ConfigMaps.
 */
export function* scaleCreations(profile: BenchProfile): Generator<Creation> {
  const namespaces = scaleNamespaces(profile);
  const { perNamespace } = scaleCounts(profile);
  // Deployments first: the deployment controller (20 requests/s by default) makes their
  // ReplicaSets while the bench creates the rest, instead of afterwards.
  for (const ns of namespaces) {
    for (let i = 0; i < perNamespace.deployments; i++) yield { path: paths.deployments(ns), body: scaleDeployment(ns, i) };
  }
  for (const ns of namespaces) {
    for (let c = 0; c < perNamespace.cronJobs; c++) yield { path: paths.cronJobs(ns), body: scaleCronJob(ns, c) };
  }
  for (const ns of namespaces) {
    for (let i = 0; i < perNamespace.configMaps; i++) {
      yield { path: paths.configMaps(ns), body: scaleConfigMap(ns, i, profile) };
      yield { path: paths.secrets(ns), body: scaleSecret(ns, i, profile) };
    }
  }
  for (const ns of namespaces) {
    for (let j = 0; j < perNamespace.appConfigs; j++) yield { path: paths.appConfigs(ns), body: scaleAppConfig(ns, j) };
  }
}

/** Serialised sizes of one object of each kind, as sent to the apiserver. */
export function scaleObjectBytes(profile: BenchProfile): Record<string, number> {
  const ns = 'bench-scale-00';
  return {
    configmap: JSON.stringify(scaleConfigMap(ns, 0, profile)).length,
    secret: JSON.stringify(scaleSecret(ns, 0, profile)).length,
    deployment: JSON.stringify(scaleDeployment(ns, 0)).length,
    cronjob: JSON.stringify(scaleCronJob(ns, 0)).length,
    appconfig: JSON.stringify(scaleAppConfig(ns, 0)).length,
  };
}

export { cronJobName, deploymentName };
