/**
 * What the Train form needs to draw the config, read from the schema itself (types, bounds, defaults,
 * descriptions), and the schema's messages keyed by field for inline errors. Runs everywhere.
 */
import { z } from 'zod';
import { CONFIG_GROUPS, configSchema, type ConfigGroup } from './schema';

export interface FieldSpec {
  group: ConfigGroup;
  key: string;
  /** "train.batchSize": the name the form, the request and the error messages share. */
  path: string;
  kind: 'integer' | 'number' | 'choice' | 'text' | 'boolean';
  /** The allowed values of a choice. */
  options?: (string | number)[];
  min?: number;
  max?: number;
  default: unknown;
  description: string;
  optional: boolean;
}

/** Peels default / optional wrappers, collecting what they say. */
function unwrap(schema: z.ZodType): { inner: z.ZodType; default: unknown; optional: boolean; description: string } {
  let inner = schema;
  let value: unknown;
  let optional = false;
  let description = schema.description ?? '';
  for (;;) {
    if (inner instanceof z.ZodDefault) value = inner.def.defaultValue;
    else if (inner instanceof z.ZodOptional) optional = true;
    else break;
    inner = inner.unwrap() as z.ZodType;
    description ||= inner.description ?? '';
  }
  return { inner, default: value, optional, description };
}

function describeField(group: ConfigGroup, key: string, schema: z.ZodType): FieldSpec {
  const { inner, ...rest } = unwrap(schema);
  const base = { group, key, path: `${group}.${key}`, ...rest };
  if (inner instanceof z.ZodNumber) {
    return { ...base, kind: inner.isInt ? 'integer' : 'number', min: finite(inner.minValue), max: finite(inner.maxValue) };
  }
  if (inner instanceof z.ZodEnum) return { ...base, kind: 'choice', options: inner.options as string[] };
  if (inner instanceof z.ZodUnion) {
    return { ...base, kind: 'choice', options: (inner.options as z.ZodType[]).map((o) => (o as z.ZodLiteral<number>).value) };
  }
  if (inner instanceof z.ZodString) return { ...base, kind: 'text' };
  if (inner instanceof z.ZodBoolean) return { ...base, kind: 'boolean' };
  throw new Error(`config field ${base.path}: the form has no input for this type`);
}

const finite = (n: number | null): number | undefined => (n !== null && Number.isFinite(n) ? n : undefined);

/** Every config field, group by group, in the schema's order. */
export function configFields(): FieldSpec[] {
  return (Object.entries(CONFIG_GROUPS) as [ConfigGroup, z.ZodObject][]).flatMap(([group, schema]) =>
    Object.entries(schema.shape).map(([key, field]) => describeField(group, key, field as z.ZodType)),
  );
}

/** The schema's message for each invalid field of a config ("model.imageSize" → "…"); empty when valid. */
export function fieldErrors(config: unknown): Record<string, string> {
  const result = configSchema.safeParse(config);
  if (result.success) return {};
  const errors: Record<string, string> = {};
  for (const issue of result.error.issues) errors[issue.path.join('.') || '(config)'] ??= issue.message;
  return errors;
}
