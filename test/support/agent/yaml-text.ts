/**
 * Plain data as YAML text, for config files tests and the demo write: mappings
 * and lists in block style, strings double-quoted (JSON escapes are valid YAML),
 * numbers and booleans bare. Enough for versions.yaml; not a general emitter.
 */
export function toYaml(value: unknown, indent = 0): string {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return `${pad}[]\n`;
    if (value.every((item) => typeof item !== 'object' || item === null))
      return `${pad}[${value.map((item) => scalar(item)).join(', ')}]\n`;
    return value
      .map((item) => {
        const text = toYaml(item, indent + 2);
        return `${pad}- ${text.slice(indent + 2)}`;
      })
      .join('');
  }
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .map(([key, v]) => {
        if (
          typeof v === 'object' &&
          v !== null &&
          !(Array.isArray(v) && v.every((i) => typeof i !== 'object'))
        )
          return `${pad}${key}:\n${toYaml(v, indent + 2)}`;
        if (Array.isArray(v)) return `${pad}${key}: ${toYaml(v, 0).trim()}\n`;
        return `${pad}${key}: ${scalar(v)}\n`;
      })
      .join('');
  }
  return `${pad}${scalar(value)}\n`;
}

function scalar(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  return JSON.stringify(value);
}
