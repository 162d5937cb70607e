// The monitoring component's files, read the way its tests need them.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readManifest, repoRoot, type Manifest } from './manifests.ts';

export const COMPONENT = 'kustomize/components/monitoring';
export const COMPONENT_DIR = join(repoRoot, COMPONENT);

export interface Rule {
  alert?: string;
  record?: string;
  expr: string;
}

export interface RuleGroup {
  name: string;
  rules: Rule[];
}

/** The PrometheusRule's spec: a Prometheus rule file's content. */
export async function prometheusRuleSpec(): Promise<{ groups: RuleGroup[] }> {
  const rule = (await readManifest(`${COMPONENT}/prometheusrule.yaml`)) as Manifest & { spec: { groups: RuleGroup[] } };
  return rule.spec;
}

export async function alertRules(): Promise<Rule[]> {
  return (await prometheusRuleSpec()).groups.flatMap((group) => group.rules);
}

/** Every query of every dashboard panel. */
export async function dashboardQueries(): Promise<string[]> {
  const dashboard = JSON.parse(await readFile(join(COMPONENT_DIR, 'dashboard.json'), 'utf8')) as {
    panels: Array<{ targets?: Array<{ expr: string }> }>;
  };
  return dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));
}
