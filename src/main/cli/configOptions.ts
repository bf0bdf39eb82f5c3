/**
 * Every config field from the command line: `--config FILE.json` (a run's config.json works), then each
 * `--set group.field=value` over it, each value read by its field's kind and the whole checked by the one schema;
 * and the help text that lists every field with its default, read from the same schema.
 */
import { readFileSync } from 'node:fs';
import { configFields, type FieldSpec } from '../../shared/config/form';
import { presetConfig } from '../../shared/config/presets';
import { ConfigError, CONFIG_GROUPS, parseConfig, type Config, type ConfigGroup } from '../../shared/config/schema';

type Overrides = Partial<Record<ConfigGroup, Record<string, unknown>>>;

const FIELDS = new Map(configFields().map((f) => [f.path, f]));

/** A `--set` value as its field wants it; the schema then checks its range. */
function valueFor(field: FieldSpec, text: string): unknown {
  const number = (): number => {
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n)) throw new ConfigError([{ field: field.path, message: `must be a number, got '${text}'` }]);
    return n;
  };
  switch (field.kind) {
    case 'integer':
    case 'number':
      return number();
    case 'boolean':
      if (text !== 'true' && text !== 'false') throw new ConfigError([{ field: field.path, message: `must be true or false, got '${text}'` }]);
      return text === 'true';
    case 'choice':
      return field.options?.some((o) => typeof o === 'number') ? number() : text;
    case 'text':
      return text;
  }
}

/** `group.field=value` → the field and its value; names the setting when it is not one. */
export function parseSetting(setting: string): { field: FieldSpec; value: unknown } {
  const eq = setting.indexOf('=');
  if (eq < 0) throw new ConfigError([{ field: setting, message: "--set wants group.field=value, e.g. --set train.steps=2000" }]);
  const path = setting.slice(0, eq).trim();
  const field = FIELDS.get(path);
  if (!field) throw new ConfigError([{ field: path, message: 'is not a config field (gan-studio --help lists them all)' }]);
  return { field, value: valueFor(field, setting.slice(eq + 1)) };
}

/** A JSON config file as overrides, naming the file when it cannot be one. */
function readConfigFile(file: string): { preset?: string; groups: Overrides } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`--config '${file}': ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`--config '${file}': must hold a JSON object of config groups`);
  const { preset, ...groups } = parsed as Record<string, unknown>;
  if (preset !== undefined && typeof preset !== 'string') throw new ConfigError([{ field: 'preset', message: `in '${file}' must be a preset name` }]);
  for (const [group, value] of Object.entries(groups)) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError([{ field: group, message: `in '${file}' must be an object of fields` }]);
  }
  return { preset, groups: groups as Overrides };
}

export interface ConfigSources {
  preset?: string;
  configFile?: string;
  sets?: string[];
  /** Set last: the short options (--steps, --batch, --seed). */
  extra?: Overrides;
}

/** The run's config: a preset (--preset, else the file's), the file, the --set values, the short options; validated. */
export function configFromOptions(o: ConfigSources): Config {
  const file = o.configFile ? readConfigFile(o.configFile) : { groups: {} };
  const overrides: Overrides = {};
  const put = (group: ConfigGroup, key: string, value: unknown): void => void ((overrides[group] ??= {})[key] = value);
  for (const [group, fields] of Object.entries(file.groups)) for (const [key, value] of Object.entries(fields ?? {})) put(group as ConfigGroup, key, value);
  for (const setting of o.sets ?? []) {
    const { field, value } = parseSetting(setting);
    put(field.group, field.key, value);
  }
  for (const [group, fields] of Object.entries(o.extra ?? {})) for (const [key, value] of Object.entries(fields ?? {})) put(group as ConfigGroup, key, value);
  const preset = o.preset ?? file.preset;
  return preset ? presetConfig(preset, overrides) : parseConfig(overrides);
}

/** Every field, group by group: its name, kind, default and description. */
export function configHelp(): string {
  const kind = (f: FieldSpec): string => {
    if (f.kind === 'choice') return f.options!.join('|');
    const range = f.min !== undefined || f.max !== undefined ? ` ${f.min ?? '…'}–${f.max ?? '…'}` : '';
    return `${f.kind}${range}`;
  };
  const lines = configFields().map((f) => {
    const given = f.default === undefined ? (f.optional ? 'optional' : 'required') : `default ${JSON.stringify(f.default)}`;
    return `  ${f.path.padEnd(22)} ${kind(f).padEnd(28)} ${given.padEnd(18)} ${f.description}`;
  });
  return [`config fields (--set group.field=value; groups: ${Object.keys(CONFIG_GROUPS).join(', ')}):`, ...lines].join('\n');
}
