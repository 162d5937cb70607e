// The values table of charts/confighash/README.md, from values.schema.json: one row per
// leaf value, with its type, default (from values.yaml) and description.
import { parse } from 'yaml';

export const VALUES_TABLE_START = '<!-- values-table:start (npm run generate, from values.schema.json) -->';
export const VALUES_TABLE_END = '<!-- values-table:end -->';

export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  description?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  $ref?: string;
  definitions?: Record<string, JsonSchema>;
}

export interface ValueRow {
  key: string;
  type: string;
  description: string;
}

/** Every documented value: the schema's leaves, and objects that hold free-form maps. */
export function valueRows(schema: JsonSchema, prefix = '', root: JsonSchema = schema): ValueRow[] {
  const rows: ValueRow[] = [];
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const key = prefix ? `${prefix}.${name}` : name;
    const resolved = resolve(property, root);
    if (resolved.properties && !property.description) {
      rows.push(...valueRows(resolved, key, root));
    } else if (resolved.properties) {
      rows.push({ key, type: typeName(resolved), description: property.description ?? '' });
      rows.push(...valueRows(resolved, key, root));
    } else {
      rows.push({ key, type: typeName(resolved), description: property.description ?? resolved.description ?? '' });
    }
  }
  return rows;
}

function resolve(schema: JsonSchema, root: JsonSchema): JsonSchema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace('#/definitions/', '');
  const target = root.definitions?.[name];
  if (!target) throw new Error(`values.schema.json: ${schema.$ref} names no definition`);
  return { ...target, description: schema.description ?? target.description };
}

function typeName(schema: JsonSchema): string {
  if (schema.enum) return schema.enum.map((value) => JSON.stringify(value)).join(' \\| ');
  if (Array.isArray(schema.type)) return schema.type.join(' \\| ');
  return schema.type ?? 'any';
}

function defaultOf(values: unknown, key: string): string {
  let current: unknown = values;
  for (const part of key.split('.')) {
    if (current === null || typeof current !== 'object' || !(part in current)) return '';
    current = (current as Record<string, unknown>)[part];
  }
  if (current !== null && typeof current === 'object' && Object.keys(current).length > 0 && !Array.isArray(current)) {
    return '`{…}`';
  }
  return `\`${JSON.stringify(current)}\``;
}

export function renderValuesTable(schema: JsonSchema, valuesYaml: string): string {
  const values: unknown = parse(valuesYaml);
  const lines = ['| Value | Type | Default | Description |', '| --- | --- | --- | --- |'];
  for (const row of valueRows(schema)) {
    const description = row.description.replaceAll('|', '\\|');
    lines.push(`| \`${row.key}\` | ${row.type} | ${defaultOf(values, row.key)} | ${description} |`);
  }
  return `${lines.join('\n')}\n`;
}
