import { HttpMethod, type KubeConfig } from '@kubernetes/client-node';
import { requestJson, type ApiRequestObserver } from '../k8s/raw-request.ts';
import { generateSelfSigned } from '../webhook/self-signed-certificate.ts';

/**
 * --metrics-secure, the way kubebuilder's projects serve metrics: HTTPS with a certificate
 * generated at start-up, and each scrape of /metrics authenticated with a TokenReview of its
 * bearer token and authorized with a SubjectAccessReview for `get` on the non-resource URL
 * /metrics (grant it with a ClusterRole rule `nonResourceURLs: [/metrics]`). /healthz and
 * /readyz stay open: the kubelet probes them without a token.
 */

/** 200: scrape; 401: no token, or the apiserver does not know it; 403: known, but not allowed. */
export type ScrapeVerdict = { readonly allowed: true } | { readonly allowed: false; readonly status: 401 | 403; readonly reason: string };

export type ScrapeAuthorizer = (authorizationHeader: string | undefined) => Promise<ScrapeVerdict>;

export const METRICS_PATH = '/metrics';
const REVIEW_TIMEOUT_MS = 5000;

interface TokenReview {
  status?: { authenticated?: boolean; user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> }; error?: string };
}

interface SubjectAccessReview {
  status?: { allowed?: boolean; reason?: string };
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

export function kubernetesScrapeAuthorizer(kubeConfig: KubeConfig, observe?: ApiRequestObserver): ScrapeAuthorizer {
  return async (header) => {
    const token = bearerToken(header);
    if (token === undefined) return { allowed: false, status: 401, reason: 'no bearer token' };
    const review = await requestJson<TokenReview>(kubeConfig, '/apis/authentication.k8s.io/v1/tokenreviews', {
      method: HttpMethod.POST,
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } },
      signal: AbortSignal.timeout(REVIEW_TIMEOUT_MS),
      ...(observe ? { observe } : {}),
    });
    const user = review.status?.user;
    if (review.status?.authenticated !== true || !user?.username) return { allowed: false, status: 401, reason: 'the token is not valid' };
    const access = await requestJson<SubjectAccessReview>(kubeConfig, '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      method: HttpMethod.POST,
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: user.username,
          ...(user.uid ? { uid: user.uid } : {}),
          groups: user.groups ?? [],
          ...(user.extra ? { extra: user.extra } : {}),
          nonResourceAttributes: { path: METRICS_PATH, verb: 'get' },
        },
      },
      signal: AbortSignal.timeout(REVIEW_TIMEOUT_MS),
      ...(observe ? { observe } : {}),
    });
    if (access.status?.allowed !== true) return { allowed: false, status: 403, reason: `${user.username} may not get ${METRICS_PATH}` };
    return { allowed: true };
  };
}

/** A certificate for the metrics Service, generated in memory (Prometheus scrapes it with insecureSkipVerify, as kubebuilder's do). */
export function metricsServingCertificate(namespace: string, now: Date): { cert: string; key: string } {
  const { cert, key } = generateSelfSigned({ hosts: [`confighash-metrics.${namespace}.svc`, 'localhost', '127.0.0.1'], now });
  return { cert, key };
}
