import { ConfigError } from './config-error.ts';

/** A raw value and where it came from, so errors name the flag or variable the user set. */
export interface Setting {
  text: string;
  origin: string;
}

/** The flag's value if given, else CONFIGHASH_<FLAG_IN_UPPER_SNAKE> from the environment. */
export function lookup(flag: string, flagValue: unknown, env: NodeJS.ProcessEnv): Setting | undefined {
  if (typeof flagValue === 'string' || typeof flagValue === 'boolean') {
    return { text: String(flagValue), origin: `--${flag}` };
  }
  return fromEnv(envName(flag), env);
}

export function envName(flag: string): string {
  return `CONFIGHASH_${flag.toUpperCase().replaceAll('-', '_')}`;
}

/** An environment variable; unset and blank are the same (manifests often set ""). */
export function fromEnv(name: string, env: NodeJS.ProcessEnv): Setting | undefined {
  const text = nonEmpty(env[name]);
  return text === undefined ? undefined : { text, origin: name };
}

export function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text.trim() === '' ? undefined : text.trim();
}

export function invalid(setting: Setting, hint: string): ConfigError {
  return new ConfigError(`invalid ${setting.origin} "${setting.text}": ${hint}`);
}
