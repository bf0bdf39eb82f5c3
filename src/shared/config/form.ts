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
  /** What the form calls it, and its unit ("Batch size", "pictures"). */
  label: string;
  unit?: string;
  /** Shown to a first-time user; the rest sit under "Advanced". */
  basic: boolean;
  /** Shown only when these fields hold one of these values ("train.loss": ["wgan"]). */
  when?: Record<string, readonly (string | number)[]>;
  /** The paper a trick comes from. */
  paper?: string;
}

/** What a field's `.meta()` in the schema says. */
interface FieldMeta { description?: string; label?: string; unit?: string; basic?: boolean; when?: FieldSpec['when']; paper?: string }

/** Peels default / optional wrappers, collecting what they say. */
function unwrap(schema: z.ZodType): { inner: z.ZodType; default: unknown; optional: boolean; description: string; meta: FieldMeta } {
  let inner = schema;
  let value: unknown;
  let optional = false;
  let description = schema.description ?? '';
  const meta = (schema.meta() ?? {}) as FieldMeta;
  for (;;) {
    if (inner instanceof z.ZodDefault) value = inner.def.defaultValue;
    else if (inner instanceof z.ZodOptional) optional = true;
    else break;
    inner = inner.unwrap() as z.ZodType;
    description ||= inner.description ?? '';
  }
  return { inner, default: value, optional, description, meta };
}

function describeField(group: ConfigGroup, key: string, schema: z.ZodType): FieldSpec {
  const { inner, meta, ...rest } = unwrap(schema);
  const path = `${group}.${key}`;
  if (!meta.label) throw new Error(`config field ${path}: give it a label in the schema's .meta()`);
  const base = { group, key, path, ...rest, label: meta.label, unit: meta.unit, basic: meta.basic ?? false, when: meta.when, paper: meta.paper };
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

/** Whether a field applies to a config as drafted: every field named in its `when` holds one of the listed values. */
export function fieldApplies(field: FieldSpec, draft: Partial<Record<string, Record<string, unknown> | undefined>>): boolean {
  return Object.entries(field.when ?? {}).every(([path, values]) => {
    const [group, key] = path.split('.');
    return values.includes(draft[group]?.[key] as string | number);
  });
}
