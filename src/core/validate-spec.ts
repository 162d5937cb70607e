import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { appConfigSpecSchema } from '../api/appconfig-schema.ts';
import type { MaintenanceWindow } from '../api/appconfig.ts';
import { isRecord } from './is-record.ts';
import { windowProblems } from './maintenance-window.ts';

/**
 * Everything wrong with an AppConfig spec, as sentences that name the field and say what to
 * do; empty when the spec is usable. The schema check repeats what the API server enforces
 * (a spec can predate a CRD upgrade, and tests build specs by hand); the semantic checks cover
 * what a structural schema cannot, including the CRD's CEL rules, which ajv does not run.
 * Specs hold names and keys, never Secret values, and messages quote nothing else.
 */
export function specProblems(spec: unknown): string[] {
  const validate = schemaValidator();
  const problems = validate(spec) ? [] : (validate.errors ?? []).map(describeSchemaError);
  if (isRecord(spec)) problems.push(...nullProblems(spec, 'spec'), ...semanticProblems(spec));
  return problems;
}

// Compiling is slow and the schema is a constant, so the validator is built once, on first use.
let compiledSpecValidator: ValidateFunction | undefined;

function schemaValidator(): ValidateFunction {
  if (compiledSpecValidator === undefined) {
    const ajv = new Ajv({ allErrors: true, strict: true });
    // The x-kubernetes-* keywords are instructions for the API server; to ajv they are annotations.
    ajv.addVocabulary([...kubernetesKeywords(appConfigSpecSchema)]);
    compiledSpecValidator = ajv.compile(appConfigSpecSchema);
  }
  return compiledSpecValidator;
}

function kubernetesKeywords(schema: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) {
    for (const item of schema) kubernetesKeywords(item, found);
  } else if (isRecord(schema)) {
    for (const [key, value] of Object.entries(schema)) {
      if (key.startsWith('x-kubernetes-')) found.add(key);
      else kubernetesKeywords(value, found);
    }
  }
  return found;
}

function describeSchemaError(error: ErrorObject): string {
  const at = fieldPath(error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `${at} needs the field "${String(params.missingProperty)}"`;
    case 'additionalProperties':
      return `${at} has an unknown field "${String(params.additionalProperty)}"; remove it or check its spelling`;
    case 'enum':
      return `${at} must be one of ${(params.allowedValues as unknown[]).map(String).join(', ')}`;
    case 'type':
      return `${at} must be of type ${String(params.type)}`;
    case 'minItems':
      return `${at} must list at least ${String(params.limit)} item(s); omit it instead of leaving it empty`;
    default:
      return `${at} ${error.message ?? 'is invalid'}`;
  }
}

/** "/configMaps/1/name" → "spec.configMaps[1].name" (JSON Pointer segments unescaped). */
function fieldPath(instancePath: string): string {
  const segments = instancePath === '' ? [] : instancePath.slice(1).split('/');
  return segments.reduce(
    (path, raw) => withSegment(path, raw.replaceAll('~1', '/').replaceAll('~0', '~')),
    'spec',
  );
}

function withSegment(path: string, segment: string): string {
  if (/^[0-9]+$/.test(segment)) return `${path}[${segment}]`;
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(segment)) return `${path}.${segment}`;
  return `${path}[${JSON.stringify(segment)}]`;
}

/**
 * The schema marks optional fields `nullable` only so ajv can type them; the CRD drops that,
 * and the rest of core treats a field as either present or absent. So null is a problem here.
 */
function nullProblems(value: unknown, path: string): string[] {
  if (value === null) return [`${path} is null; omit the field instead`];
  if (Array.isArray(value)) return value.flatMap((item: unknown, i) => nullProblems(item, `${path}[${i}]`));
  if (!isRecord(value)) return [];
  return Object.entries(value).flatMap(([key, field]) => nullProblems(field, withSegment(path, key)));
}

function semanticProblems(spec: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const configMaps = spec.configMaps;
  const secrets = spec.secrets;
  const listsNothing = (list: unknown): boolean => list === undefined || (Array.isArray(list) && list.length === 0);
  if (listsNothing(configMaps) && listsNothing(secrets)) {
    problems.push('spec lists no objects; list at least one in spec.configMaps or spec.secrets');
  }
  problems.push(...sourceListProblems('configMaps', 'ConfigMap', configMaps));
  problems.push(...sourceListProblems('secrets', 'Secret', secrets));
  if (isRecord(spec.workloads)) problems.push(...workloadsProblems(spec.workloads));
  const windows = isRecord(spec.rollout) ? spec.rollout.windows : undefined;
  if (Array.isArray(windows)) {
    windows.forEach((window: unknown, index) => {
      if (isRecord(window) && typeof window.timeZone === 'string' && typeof window.start === 'string' && typeof window.end === 'string' && Array.isArray(window.days)) {
        problems.push(...windowProblems(window as unknown as MaintenanceWindow, `spec.rollout.windows[${index}]`));
      }
    });
  }
  return problems;
}

function sourceListProblems(field: string, kind: string, list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  const problems: string[] = [];
  const firstIndex = new Map<string, number>();
  list.forEach((entry: unknown, index) => {
    if (!isRecord(entry)) return;
    const at = `spec.${field}[${index}]`;
    if (typeof entry.name === 'string') {
      const first = firstIndex.get(entry.name);
      if (first === undefined) firstIndex.set(entry.name, index);
      else {
        problems.push(
          `${at}.name "${entry.name}" is listed twice (also at spec.${field}[${first}]); ` +
            `list each ${kind} once, with all its keys`,
        );
      }
    }
    if (Array.isArray(entry.keys)) {
      const seen = new Set<unknown>();
      entry.keys.forEach((key: unknown, keyIndex) => {
        if (typeof key === 'string' && seen.has(key)) {
          problems.push(`${at}.keys[${keyIndex}] "${key}" is listed twice; list each key once`);
        }
        seen.add(key);
      });
    }
  });
  return problems;
}

function workloadsProblems(workloads: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const hasNames = Array.isArray(workloads.names) && workloads.names.length > 0;
  if (workloads.selector === undefined && !hasNames) {
    problems.push(
      'spec.workloads has neither a selector nor names, so it selects no workload; add one, ' +
        'or remove spec.workloads to cover every workload that references a listed object',
    );
  }
  const expressions = isRecord(workloads.selector) ? workloads.selector.matchExpressions : undefined;
  if (!Array.isArray(expressions)) return problems;
  expressions.forEach((expression: unknown, index) => {
    if (!isRecord(expression) || typeof expression.operator !== 'string') return;
    const at = `spec.workloads.selector.matchExpressions[${index}]`;
    const valueCount = Array.isArray(expression.values) ? expression.values.length : 0;
    const needsValues = expression.operator === 'In' || expression.operator === 'NotIn';
    const takesNoValues = expression.operator === 'Exists' || expression.operator === 'DoesNotExist';
    if (needsValues && valueCount === 0) {
      problems.push(`${at} uses operator ${expression.operator} without values; list at least one value`);
    }
    if (takesNoValues && valueCount > 0) {
      problems.push(`${at} uses operator ${expression.operator} with values; remove the values`);
    }
  });
  return problems;
}
