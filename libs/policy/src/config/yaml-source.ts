import {
  LineCounter,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  parseDocument,
  type Document,
  type Node,
} from 'yaml';
import {
  configInvalidError,
  describeValue,
  formatPath,
  type ConfigIssue,
  type PathSegment,
} from './config-issue.ts';

/** Largest file read, checked before parsing (a config is a few KB; 10 MB is already absurd). */
export const MAX_YAML_BYTES = 10 * 1024 * 1024;

/** Alias expansions allowed while building data: refuses "billion laughs" documents. */
export const MAX_YAML_ALIAS_COUNT = 100;

/** Keys that would reach an object's prototype if a consumer ever assigned them. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export interface Position {
  readonly line: number;
  readonly column: number;
}

/** A parsed YAML file: plain data, and where each path sits in the text. */
export interface YamlSource {
  readonly data: unknown;
  /** The position of the key at `path` (`at: 'key'`) or of its value (default), or of the nearest ancestor. */
  readonly locate: (path: readonly PathSegment[], at?: 'key' | 'value') => Position | undefined;
  /** `issue` with the line and column of its path. */
  readonly located: (path: readonly PathSegment[], message: string, at?: 'key' | 'value') => ConfigIssue;
}

function utf8Length(text: string): number {
  // Cheap bound first: a UTF-16 unit is at most 3 UTF-8 bytes.
  if (text.length * 3 <= MAX_YAML_BYTES) return text.length;
  return Buffer.byteLength(text, 'utf8');
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

/**
 * Parses YAML text into plain data (mappings become plain objects), refusing
 * oversized input, syntax errors, duplicate keys, unresolved tags, several
 * documents, alias bombs and non-string keys.
 * @throws UpkeepError CONFIG_INVALID with `details.issues` located by line and column.
 */
export function readYaml(text: string, sourceName: string): YamlSource {
  const size = utf8Length(text);
  if (size > MAX_YAML_BYTES) {
    throw configInvalidError(
      sourceName,
      [
        {
          path: '',
          message: `is ${size} bytes, more than the ${MAX_YAML_BYTES}-byte limit; nothing was parsed`,
        },
      ],
      'a versions file is a few kilobytes: check that the right file was given',
    );
  }

  const lineCounter = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, {
      lineCounter,
      uniqueKeys: true,
      merge: true,
      prettyErrors: false,
      version: '1.2',
    });
  } catch (error) {
    // The parser can run out of stack on pathological nesting.
    throw configInvalidError(sourceName, [
      {
        path: '',
        message: `could not be parsed as YAML: ${error instanceof Error ? error.message : String(error)}`,
      },
    ]);
  }

  const position = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };

  const syntaxIssues: ConfigIssue[] = [...doc.errors, ...doc.warnings].map((problem) => ({
    path: '',
    message: `${problem.code === 'DUPLICATE_KEY' ? 'duplicate key' : 'YAML error'}: ${firstLine(problem.message)}`,
    ...position(problem.pos[0]),
  }));
  if (syntaxIssues.length > 0) {
    throw configInvalidError(sourceName, syntaxIssues, 'fix the YAML syntax at the given lines');
  }

  const nodeAt = (path: readonly PathSegment[]): { node: Node | null; key: Node | null; depth: number } => {
    let node: unknown = doc.contents;
    let key: Node | null = null;
    let depth = 0;
    for (const segment of path) {
      if (isAlias(node)) node = node.resolve(doc);
      if (isMap(node)) {
        const pair = node.items.find(
          (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment),
        );
        if (pair === undefined) break;
        key = pair.key as Node;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item: unknown = node.items[segment];
        if (item === undefined) break;
        key = null;
        node = item;
      } else {
        break;
      }
      depth++;
    }
    return { node: (node ?? null) as Node | null, key, depth };
  };

  const locate = (path: readonly PathSegment[], at: 'key' | 'value' = 'value'): Position | undefined => {
    const { node, key, depth } = nodeAt(path);
    const complete = depth === path.length;
    // A missing key or a key with no value points at the deepest key that exists.
    const range = node?.range ?? undefined;
    const hasValue = range !== undefined && range[0] !== range[1];
    const chosen = complete && at === 'value' && hasValue ? node : (key ?? node);
    const offset = chosen?.range?.[0];
    return offset === undefined ? undefined : position(offset);
  };

  const located = (
    path: readonly PathSegment[],
    message: string,
    at: 'key' | 'value' = 'value',
  ): ConfigIssue => ({
    path: formatPath(path),
    message,
    ...locate(path, at),
  });

  let raw: unknown;
  try {
    raw = doc.toJS({ mapAsMap: true, maxAliasCount: MAX_YAML_ALIAS_COUNT });
  } catch (error) {
    const message =
      error instanceof ReferenceError && /alias/i.test(error.message)
        ? `uses aliases that expand too much (more than ${MAX_YAML_ALIAS_COUNT}); refused as a resource exhaustion attack`
        : `could not be read: ${error instanceof Error ? error.message : String(error)}`;
    throw configInvalidError(sourceName, [{ path: '', message }]);
  }

  const keyIssues: ConfigIssue[] = [];
  const data = toPlain(raw, [], keyIssues, located);
  if (keyIssues.length > 0) throw configInvalidError(sourceName, keyIssues);
  return { data, locate, located };
}

function toPlain(
  value: unknown,
  path: PathSegment[],
  issues: ConfigIssue[],
  located: YamlSource['located'],
): unknown {
  if (value instanceof Map) {
    const result: Record<string, unknown> = {};
    for (const [rawKey, child] of value as Map<unknown, unknown>) {
      if (typeof rawKey !== 'string' && typeof rawKey !== 'number' && typeof rawKey !== 'boolean') {
        issues.push(located(path, `a key must be a plain name, not ${describeValue(rawKey)}`));
        continue;
      }
      const key = String(rawKey);
      if (RESERVED_KEYS.has(key)) {
        issues.push(
          located([...path, key], `${JSON.stringify(key)} is a reserved name and cannot be a key`, 'key'),
        );
        continue;
      }
      result[key] = toPlain(child, [...path, key], issues, located);
    }
    return result;
  }
  if (Array.isArray(value))
    return value.map((item, index) => toPlain(item, [...path, index], issues, located));
  return value;
}
