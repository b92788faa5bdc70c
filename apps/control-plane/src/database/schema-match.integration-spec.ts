import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectToSchema,
  createTestSchema,
  MIGRATIONS_DIR,
  type TestSchema,
} from '../testing/test-database.ts';
import { migrateDatabase } from './migrator.ts';

// Prisma's own parser (the WebAssembly build its CLI uses) gives the DMMF of
// schema.prisma; the migrated database must match it object for object.
const require = createRequire(import.meta.url);
const schemaWasm = require('@prisma/prisma-schema-wasm') as typeof import('@prisma/prisma-schema-wasm');
const SCHEMA_FILE = join(dirname(fileURLToPath(import.meta.url)), '../../../../prisma/schema.prisma');

interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: 'scalar' | 'enum' | 'object' | 'unsupported';
  isList: boolean;
  isRequired: boolean;
  isId: boolean;
  isUnique: boolean;
  hasDefaultValue: boolean;
  type: string;
  nativeType?: [string, string[]] | null;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
}
interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
}
interface DmmfIndex {
  model: string;
  type: 'id' | 'unique' | 'normal' | 'fulltext';
  algorithm?: string;
  dbName?: string;
  fields: { name: string; operatorClass?: string; sortOrder?: 'asc' | 'desc' }[];
}
interface DmmfEnum {
  name: string;
  dbName?: string | null;
  values: { name: string; dbName: string | null }[];
}
interface Datamodel {
  models: DmmfModel[];
  enums: DmmfEnum[];
  indexes: DmmfIndex[];
}

function loadDatamodel(): Datamodel {
  const schema = readFileSync(SCHEMA_FILE, 'utf8');
  const dmmf = JSON.parse(
    schemaWasm.get_dmmf(JSON.stringify({ prismaSchema: [['schema.prisma', schema]] })),
  ) as {
    datamodel: Datamodel;
  };
  return dmmf.datamodel;
}

const tableOf = (model: DmmfModel): string => model.dbName ?? model.name;
const columnOf = (field: DmmfField): string => field.dbName ?? field.name;

function expectedType(field: DmmfField, enums: readonly DmmfEnum[]): string {
  let base: string;
  if (field.kind === 'enum') {
    const found = enums.find((candidate) => candidate.name === field.type);
    base = found?.dbName ?? field.type;
  } else {
    const [native, args] = field.nativeType ?? [undefined, []];
    switch (field.type) {
      case 'String':
        base = native === 'Uuid' ? 'uuid' : native === 'Char' ? `character(${args[0] ?? ''})` : 'text';
        break;
      case 'Int':
        base = 'integer';
        break;
      case 'BigInt':
        base = 'bigint';
        break;
      case 'Boolean':
        base = 'boolean';
        break;
      case 'Json':
        base = 'jsonb';
        break;
      case 'DateTime':
        base = `timestamp(${args[0] ?? '3'}) ${native === 'Timestamptz' ? 'with' : 'without'} time zone`;
        break;
      default:
        throw new Error(`the schema-match test does not know Prisma type ${field.type}; teach it`);
    }
  }
  return field.isList ? `${base}[]` : base;
}

const OPERATOR_CLASSES: Record<string, string> = { JsonbPathOps: 'jsonb_path_ops', JsonbOps: 'jsonb_ops' };
const DELETE_ACTIONS: Record<string, string> = {
  Cascade: ' ON DELETE CASCADE',
  SetNull: ' ON DELETE SET NULL',
  Restrict: ' ON DELETE RESTRICT',
  NoAction: '',
  SetDefault: ' ON DELETE SET DEFAULT',
};

interface Expected {
  tables: string[];
  columns: string[];
  indexes: string[];
  foreignKeys: string[];
  primaryKeys: string[];
  enums: string[];
}

/** Everything schema.prisma implies, written the way Postgres' catalog reports it. */
function expectedFromDmmf(datamodel: Datamodel): Expected {
  const modelByName = new Map(datamodel.models.map((model) => [model.name, model]));
  const columnName = (model: DmmfModel, fieldName: string): string => {
    const field = model.fields.find((candidate) => candidate.name === fieldName);
    if (field === undefined) throw new Error(`${model.name}.${fieldName} not in DMMF`);
    return columnOf(field);
  };
  const expected: Expected = {
    tables: [],
    columns: [],
    indexes: [],
    foreignKeys: [],
    primaryKeys: [],
    enums: [],
  };
  for (const entry of datamodel.enums) {
    expected.enums.push(
      `${entry.dbName ?? entry.name}: ${entry.values.map((value) => value.dbName ?? value.name).join(',')}`,
    );
  }
  for (const model of datamodel.models) {
    const table = tableOf(model);
    expected.tables.push(table);
    for (const field of model.fields) {
      if (field.kind === 'object') {
        if (field.relationFromFields !== undefined && field.relationFromFields.length > 0) {
          const target = modelByName.get(field.type);
          if (target === undefined) throw new Error(`relation target ${field.type} missing`);
          const from = field.relationFromFields.map((name) => columnName(model, name));
          const to = (field.relationToFields ?? []).map((name) => columnName(target, name));
          const onDelete = field.relationOnDelete ?? (field.isRequired ? 'Restrict' : 'SetNull');
          expected.foreignKeys.push(
            `${table}_${from.join('_')}_fkey: FOREIGN KEY (${from.join(', ')}) REFERENCES ${tableOf(target)}(${to.join(', ')}) ON UPDATE CASCADE${DELETE_ACTIONS[onDelete] ?? `?${onDelete}`}`,
          );
        }
        continue;
      }
      // Prisma creates scalar lists without NOT NULL, even when the field is required.
      const notNull = field.isRequired && !field.isList;
      expected.columns.push(
        `${table}.${columnOf(field)} ${expectedType(field, datamodel.enums)}${notNull ? ' NOT NULL' : ''}${field.hasDefaultValue ? ' DEFAULT' : ''}`,
      );
    }
  }
  for (const index of datamodel.indexes) {
    const model = modelByName.get(index.model);
    if (model === undefined) throw new Error(`index on unknown model ${index.model}`);
    const table = tableOf(model);
    const columns = index.fields.map((field) => columnName(model, field.name));
    const suffix = index.type === 'id' ? 'pkey' : index.type === 'unique' ? 'key' : 'idx';
    const name =
      index.dbName ?? (index.type === 'id' ? `${table}_pkey` : `${table}_${columns.join('_')}_${suffix}`);
    expect(name.length, `index name ${name} would be truncated by Prisma`).toBeLessThanOrEqual(63);
    const method = (index.algorithm ?? 'BTree').toLowerCase();
    const parts = index.fields.map((field, position) => {
      const opclass =
        field.operatorClass === undefined
          ? ''
          : ` ${OPERATOR_CLASSES[field.operatorClass] ?? field.operatorClass}`;
      const order = field.sortOrder === 'desc' ? ' DESC' : '';
      return `${columns[position] ?? '?'}${opclass}${order}`;
    });
    const unique = index.type === 'normal' || index.type === 'fulltext' ? '' : 'UNIQUE ';
    expected.indexes.push(`CREATE ${unique}INDEX ${name} ON ${table} USING ${method} (${parts.join(', ')})`);
    if (index.type === 'id') expected.primaryKeys.push(`${table}: ${name} (${columns.join(', ')})`);
  }
  for (const list of [
    expected.tables,
    expected.columns,
    expected.indexes,
    expected.foreignKeys,
    expected.primaryKeys,
    expected.enums,
  ]) {
    list.sort();
  }
  return expected;
}

async function actualFromCatalog(client: pg.Client, schema: string): Promise<Expected> {
  const sorted = (rows: string[]): string[] => rows.sort();
  const tables = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname <> '_prisma_migrations'`,
    [schema],
  );
  const columns = await client.query<{ line: string }>(
    `SELECT c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
            || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
            || CASE WHEN d.adbin IS NOT NULL THEN ' DEFAULT' ELSE '' END AS line
     FROM pg_attribute a
     JOIN pg_class c ON c.oid = a.attrelid
     JOIN pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname <> '_prisma_migrations'
       AND a.attnum > 0 AND NOT a.attisdropped`,
    [schema],
  );
  const indexes = await client.query<{ line: string }>(
    `SELECT pg_get_indexdef(i.indexrelid) AS line FROM pg_index i
     JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relname <> '_prisma_migrations'`,
    [schema],
  );
  const foreignKeys = await client.query<{ line: string }>(
    `SELECT con.conname || ': ' || pg_get_constraintdef(con.oid) AS line FROM pg_constraint con
     JOIN pg_namespace n ON n.oid = con.connamespace WHERE n.nspname = $1 AND con.contype = 'f'`,
    [schema],
  );
  const primaryKeys = await client.query<{ line: string }>(
    `SELECT c.relname || ': ' || con.conname || ' (' ||
            (SELECT string_agg(a.attname, ', ' ORDER BY k.ord) FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum) || ')' AS line
     FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = con.connamespace
     WHERE n.nspname = $1 AND con.contype = 'p' AND c.relname <> '_prisma_migrations'`,
    [schema],
  );
  const enums = await client.query<{ line: string }>(
    `SELECT t.typname || ': ' || string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) AS line
     FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE n.nspname = $1 GROUP BY t.typname`,
    [schema],
  );
  // With search_path set to the schema, Postgres prints type and table names unqualified.
  return {
    tables: sorted(tables.rows.map((row) => row.name)),
    columns: sorted(columns.rows.map((row) => row.line)),
    // pg_get_indexdef always qualifies the table; the expectation is schema-free.
    indexes: sorted(indexes.rows.map((row) => row.line.replace(` ON ${schema}.`, ' ON '))),
    foreignKeys: sorted(foreignKeys.rows.map((row) => row.line)),
    primaryKeys: sorted(primaryKeys.rows.map((row) => row.line)),
    enums: sorted(enums.rows.map((row) => row.line)),
  };
}

describe('the migrated database matches prisma/schema.prisma', () => {
  let testSchema: TestSchema;
  let client: pg.Client;
  let actual: Expected;
  const expected = expectedFromDmmf(loadDatamodel());

  beforeAll(async () => {
    testSchema = createTestSchema('schema_match');
    await migrateDatabase({ target: testSchema.target, migrationsDir: MIGRATIONS_DIR });
    client = await connectToSchema(testSchema.target);
    actual = await actualFromCatalog(client, testSchema.target.schema);
  });

  afterAll(async () => {
    await client.end();
    await testSchema.drop();
  });

  it('has exactly the tables of the models', () => {
    expect(expected.tables.length).toBeGreaterThan(15);
    expect(actual.tables).toEqual(expected.tables);
  });

  it('has every column with its type, nullability and default', () => {
    expect(actual.columns).toEqual(expected.columns);
  });

  it('has the primary keys', () => {
    expect(actual.primaryKeys).toEqual(expected.primaryKeys);
  });

  it('has every index and unique constraint with its method and operator class', () => {
    expect(actual.indexes).toEqual(expected.indexes);
  });

  it('has every foreign key with its actions', () => {
    expect(actual.foreignKeys).toEqual(expected.foreignKeys);
  });

  it('has the enums with their values in order', () => {
    expect(actual.enums).toEqual(expected.enums);
  });
});
