import { ConfigError } from './config-error.ts';
import { fromEnv, invalid, type Setting } from './setting.ts';
import { isNamespaceName, parseBoolean, splitList } from './values.ts';

export interface Scope {
  namespaces: string[];
  allNamespaces: boolean;
}

const NO_SCOPE =
  'no namespace scope: pass --namespace NAME (repeatable) or --all-namespaces, ' +
  'or set CONFIGHASH_NAMESPACES or POD_NAMESPACE';

/**
 * Exactly one scope: some namespaces, or all of them. Flags decide when they
 * name a scope; otherwise the environment; otherwise the controller's own
 * namespace (POD_NAMESPACE), the least-privilege choice.
 */
export function resolveScope(
  flagNamespaces: string[] | undefined,
  flagAll: boolean | undefined,
  env: NodeJS.ProcessEnv,
  podNamespace: string | undefined,
): Scope {
  const fromFlags = (flagNamespaces ?? []).flatMap((value) => splitList(value));
  if (fromFlags.length > 0 && flagAll === true) {
    throw new ConfigError('--namespace and --all-namespaces cannot be used together: choose one scope');
  }
  if (fromFlags.length > 0) return namespaces(fromFlags, '--namespace');
  if (flagAll === true) return { namespaces: [], allNamespaces: true };

  const listSetting = namespacesFromEnv(env);
  const fromEnvList = splitList(listSetting?.text);
  // --no-all-namespaces overrides the environment like any other flag.
  const envAll = flagAll === false ? false : envBoolean(fromEnv('CONFIGHASH_ALL_NAMESPACES', env));
  if (fromEnvList.length > 0 && envAll) {
    throw new ConfigError(
      'CONFIGHASH_NAMESPACES and CONFIGHASH_ALL_NAMESPACES=true cannot be used together: choose one scope',
    );
  }
  if (fromEnvList.length > 0 && listSetting) return namespaces(fromEnvList, listSetting.origin);
  if (envAll) return { namespaces: [], allNamespaces: true };
  if (podNamespace !== undefined) return namespaces([podNamespace], 'POD_NAMESPACE');
  throw new ConfigError(NO_SCOPE);
}

/**
 * CONFIGHASH_NAMESPACES, or CONFIGHASH_NAMESPACE: the name every flag's variable follows
 * (CONFIGHASH_<FLAG>), so that the rule holds for --namespace too. Both at once is refused.
 */
function namespacesFromEnv(env: NodeJS.ProcessEnv): Setting | undefined {
  const plural = fromEnv('CONFIGHASH_NAMESPACES', env);
  const singular = fromEnv('CONFIGHASH_NAMESPACE', env);
  if (plural && singular) {
    throw new ConfigError('CONFIGHASH_NAMESPACE and CONFIGHASH_NAMESPACES are both set: they mean the same, set one of them');
  }
  return plural ?? singular;
}

function namespaces(names: string[], origin: string): Scope {
  for (const name of names) {
    if (!isNamespaceName(name)) {
      throw invalid({ text: name, origin }, 'use a namespace name (lowercase letters, digits and -)');
    }
  }
  return { namespaces: [...new Set(names)], allNamespaces: false };
}

function envBoolean(setting: Setting | undefined): boolean {
  if (!setting) return false;
  const value = parseBoolean(setting.text);
  if (value === undefined) throw invalid(setting, 'use true or false');
  return value;
}
