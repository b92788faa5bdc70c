import { z } from 'zod';
import { isPlainObject } from '../overlay/layered-merge.ts';
import { describeValue, kindOf, type ConfigIssue, type PathSegment } from './config-issue.ts';
import { didYouMean } from './did-you-mean.ts';

export type Locator = (path: readonly PathSegment[], message: string, at?: 'key' | 'value') => ConfigIssue;

export type Validated<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly issues: ConfigIssue[] };

const EXPECTED: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  record: 'a mapping',
};

export function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let node = data;
  for (const segment of path) {
    if (Array.isArray(node) && typeof segment === 'number') node = node[segment];
    else if (isPlainObject(node) && Object.hasOwn(node, segment)) node = node[segment];
    else return undefined;
  }
  return node;
}

/**
 * Validates `data` against a schema and words every issue for an operator:
 * the bad value, what is allowed, one issue per unknown key with a suggestion.
 */
export function validateWith<T extends z.ZodType>(
  schema: T,
  data: unknown,
  located: Locator,
): Validated<z.output<T>> {
  // An unknown-key issue does not carry the allowed keys; the error map sees the
  // schema that raised it, so remember them by the object they were found in.
  const knownKeysOf = new WeakMap<object, readonly string[]>();
  const result = schema.safeParse(data, {
    error: (issue) => {
      if (
        issue.code === 'unrecognized_keys' &&
        issue.inst instanceof z.ZodObject &&
        isPlainObject(issue.input)
      ) {
        knownKeysOf.set(issue.input, Object.keys(issue.inst.shape));
      }
      return undefined;
    },
  });
  if (result.success) return { ok: true, value: result.data };
  const issues: ConfigIssue[] = [];
  for (const issue of result.error.issues) {
    const path = issue.path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment));
    const value = valueAt(data, path);
    switch (issue.code) {
      case 'unrecognized_keys': {
        const known = isPlainObject(value) ? (knownKeysOf.get(value) ?? []) : [];
        for (const key of issue.keys) {
          const suggestion = didYouMean(key, known);
          issues.push(
            located(
              [...path, key],
              `unknown key ${JSON.stringify(key)}${suggestion === '' ? ` (known keys: ${known.join(', ')})` : suggestion}`,
              'key',
            ),
          );
        }
        break;
      }
      case 'invalid_type':
        issues.push(
          located(
            path,
            value === undefined
              ? `is required (${EXPECTED[issue.expected] ?? issue.expected})`
              : `${describeValue(value)} is not ${EXPECTED[issue.expected] ?? issue.expected}${value === null ? '' : ` (it is a ${kindOf(value)})`}`,
          ),
        );
        break;
      case 'invalid_value': {
        const allowed = issue.values.map((v) => String(v));
        issues.push(
          located(
            path,
            `${describeValue(value)} is not one of ${allowed.join(', ')}${typeof value === 'string' ? didYouMean(value, allowed) : ''}`,
          ),
        );
        break;
      }
      case 'too_small':
        issues.push(
          located(
            path,
            issue.origin === 'string'
              ? 'must not be empty'
              : issue.origin === 'array'
                ? `needs at least ${String(issue.minimum)} item(s)`
                : `${describeValue(value)} is ${issue.inclusive === false ? 'not more than' : 'less than'} the minimum ${String(issue.minimum)}`,
          ),
        );
        break;
      case 'too_big':
        issues.push(
          located(
            path,
            issue.origin === 'string'
              ? `is longer than ${String(issue.maximum)} characters`
              : `${describeValue(value)} is more than the maximum ${String(issue.maximum)}`,
          ),
        );
        break;
      case 'invalid_format':
      case 'invalid_union':
        issues.push(located(path, `${describeValue(value)} ${issue.message}`));
        break;
      case 'custom':
        issues.push(located(path, issue.message));
        break;
      case 'not_multiple_of':
      case 'invalid_key':
      case 'invalid_element':
        issues.push(located(path, `${describeValue(value)}: ${issue.message}`));
        break;
    }
  }
  return { ok: false, issues };
}
