import { RESUME_ANNOTATION } from './constants.ts';
import { DEFAULT_WORKLOAD_KINDS, groupOf, KNOWN_WORKLOAD_KINDS, type WorkloadKindSpec } from './workload-kinds.ts';

/**
 * The ValidatingAdmissionPolicy "an AppConfig may only cover what its author may patch",
 * rendered into kustomize/base by `npm run generate`.
 *
 * The apiserver lets one CEL expression make at most two authorizer checks (each costs
 * 350,000 of a 1,000,000 per-expression limit, and 10,000,000 per request), so the policy has
 * one validation per slot: one per covered kind (kind-wide `patch`, asked once and shared
 * through a variable), and one per spec.workloads.names entry (`patch` on that name, asked
 * only when the kind-wide check failed). Beyond the slots, a names entry needs the kind-wide
 * grant; the message says so.
 *
 * The kinds it asks about are a CEL map literal in its first variable, rendered from the default
 * kinds. A spec.workloads.names entry may also name a known kind that a flag enables (an Argo
 * Rollout, variable "known"): those are checked by name only, so that a cluster without them
 * asks nobody for a kind-wide grant on them. A kind added with --workload-kind is added to the
 * first map by the overlay that adds the flag
 * (docs/security.md). Not a parameter ConfigMap: a binding names its parameters' namespace,
 * which kustomize's namespace transformers do not move, and whoever may edit a ConfigMap could
 * weaken the check; the policy itself is cluster-scoped, so only cluster admins change it.
 */
export const POLICY_NAME = 'confighash-appconfig-author';
export const KIND_SLOTS = 8;
export const NAME_SLOTS = 16;

/** "apps/deployments": the value the policy splits into the authorizer's group and resource. */
export function groupResourceOf(spec: Pick<WorkloadKindSpec, 'apiVersion' | 'plural'>): string {
  return `${groupOf(spec)}/${spec.plural}`;
}

/** `{'Deployment': 'apps/deployments', ...}`: the kinds as the policy's CEL reads them. */
export function kindsLiteral(kinds: readonly Pick<WorkloadKindSpec, 'apiVersion' | 'kind' | 'plural'>[] = DEFAULT_WORKLOAD_KINDS): string {
  return `{${kinds.map((spec) => `'${spec.kind}': '${groupResourceOf(spec)}'`).join(', ')}}`;
}

function mayPatchKind(i: number): string {
  return `size(variables.kinds) <= ${i} || authorizer.group(variables.kinds[${i}].split('/')[0]).resource(variables.kinds[${i}].split('/')[1]).namespace(request.namespace).check('patch').allowed()`;
}

/** CEL: whether the author may patch every object of the kind `groupResource` (a CEL string expression), through the shared variables. */
function kindWide(groupResource: string): string {
  const terms = Array.from({ length: KIND_SLOTS }, (_, i) => `(size(variables.kinds) > ${i} && variables.kinds[${i}] == ${groupResource} && variables.mayPatchKind${i})`);
  return `(${terms.join(' || ')})`;
}

function resourceOfName(j: number): string {
  return resourceOfKind(`variables.names[${j}].kind`);
}

/** CEL: the "group/resource" of a kind named in spec.workloads.names (covered, or known). */
function resourceOfKind(kind: string): string {
  return `(${kind} in variables.resources ? variables.resources[${kind}] : variables.known[${kind}])`;
}

/** CEL: whether a names entry's kind is one the policy can ask about. */
function nameable(kind: string): string {
  return `(${kind} in variables.resources || ${kind} in variables.known)`;
}

const annotationOf = (object: string): string =>
  `(has(${object}.metadata.annotations) && '${RESUME_ANNOTATION}' in ${object}.metadata.annotations ? ${object}.metadata.annotations['${RESUME_ANNOTATION}'] : '')`;

export function appConfigAuthorPolicy(): Record<string, unknown> {
  const forbidden = (what: string): string =>
    `'user ' + request.userInfo.username + ' may not patch ' + ${what} + ' in namespace ' + request.namespace + '; an AppConfig would roll them on their behalf'`;
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: POLICY_NAME, labels: { 'app.kubernetes.io/name': 'confighash' } },
    spec: {
      // An error (a cost limit, an authorizer failure) denies the write: the check fails closed.
      failurePolicy: 'Fail',
      matchConstraints: {
        resourceRules: [{ apiGroups: ['confighash.dev'], apiVersions: ['*'], operations: ['CREATE', 'UPDATE'], resources: ['appconfigs'] }],
      },
      matchConditions: [
        {
          // An update that changes neither the spec nor the resume annotation rolls nothing new.
          name: 'may-roll-something-new',
          expression: `request.operation == 'CREATE' || oldObject.spec != object.spec || ${annotationOf('oldObject')} != ${annotationOf('object')}`,
        },
      ],
      variables: [
        // Kind -> "group/resource". Add a kind covered by --workload-kind here (docs/security.md).
        { name: 'resources', expression: kindsLiteral() },
        { name: 'kinds', expression: 'variables.resources.map(k, variables.resources[k])' },
        // Known kinds a flag enables (not covered by default), which a names entry may name: checked by name only.
        { name: 'known', expression: kindsLiteral(KNOWN_WORKLOAD_KINDS) },
        { name: 'names', expression: 'has(object.spec.workloads) && has(object.spec.workloads.names) ? object.spec.workloads.names : []' },
        // Without spec.workloads, or with a selector, any workload of any covered kind may be covered.
        { name: 'coversAnyKind', expression: '!has(object.spec.workloads) || has(object.spec.workloads.selector)' },
        ...Array.from({ length: KIND_SLOTS }, (_, i) => ({ name: `mayPatchKind${i}`, expression: mayPatchKind(i) })),
      ],
      validations: [
        {
          expression: `size(variables.kinds) <= ${KIND_SLOTS}`,
          reason: 'Invalid',
          message: `the variable "resources" of ${POLICY_NAME} lists more than ${KIND_SLOTS} kinds; this policy checks at most ${KIND_SLOTS}`,
        },
        {
          expression: `variables.names.all(n, ${nameable('n.kind')})`,
          reason: 'Invalid',
          messageExpression:
            `'spec.workloads.names lists kind ' + variables.names.filter(n, !${nameable('n.kind')}).map(n, n.kind).join(', ') + ` +
            `', which the ValidatingAdmissionPolicy ${POLICY_NAME} does not list, so nobody can tell who may patch it; ` +
            `add it to the policy (variable "resources") if confighash covers it with --workload-kind'`,
        },
        ...Array.from({ length: KIND_SLOTS }, (_, i) => ({
          expression: `!variables.coversAnyKind || variables.mayPatchKind${i}`,
          reason: 'Forbidden',
          messageExpression: `${forbidden(`variables.kinds[${i}].split('/')[1]`)} + ' (to cover only some workloads, list them in spec.workloads.names)'`,
        })),
        ...Array.from({ length: NAME_SLOTS }, (_, j) => ({
          expression:
            `size(variables.names) <= ${j} || !${nameable(`variables.names[${j}].kind`)} || ${kindWide(resourceOfName(j))} || ` +
            `authorizer.group(${resourceOfName(j)}.split('/')[0]).resource(${resourceOfName(j)}.split('/')[1]).namespace(request.namespace).name(variables.names[${j}].name).check('patch').allowed()`,
          reason: 'Forbidden',
          messageExpression: forbidden(`${resourceOfName(j)}.split('/')[1] + '/' + variables.names[${j}].name`),
        })),
        {
          expression: `size(variables.names) <= ${NAME_SLOTS} || variables.names.all(n, !${nameable('n.kind')} || ${kindWide(resourceOfKind('n.kind'))})`,
          reason: 'Forbidden',
          messageExpression:
            `'user ' + request.userInfo.username + ' may not patch every workload of a kind in spec.workloads.names in namespace ' + request.namespace + ` +
            `'; it lists more than ${NAME_SLOTS} workloads, and beyond ${NAME_SLOTS} only a grant for the whole kind is checked (an AppConfig would roll them on their behalf)'`,
        },
      ],
    },
  };
}

export function appConfigAuthorPolicyBinding(): Record<string, unknown> {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name: POLICY_NAME, labels: { 'app.kubernetes.io/name': 'confighash' } },
    spec: {
      policyName: POLICY_NAME,
      validationActions: ['Deny'],
    },
  };
}
