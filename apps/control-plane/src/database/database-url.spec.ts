import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl, quoteIdentifier } from './database-url.ts';

describe('parseDatabaseUrl', () => {
  it('splits off ?schema= and defaults it to public', () => {
    expect(parseDatabaseUrl('postgresql://u:p@h:5432/db?schema=fleet&sslmode=require')).toEqual({
      connectionString: 'postgresql://u:p@h:5432/db?sslmode=require',
      schema: 'fleet',
    });
    expect(parseDatabaseUrl('postgres://h/db').schema).toBe('public');
  });

  it.each([
    ['nonsense', 'is not a URL'],
    ['mysql://h/db', 'protocol "mysql:"'],
    ['postgresql://h/db?schema=Bad-Name', 'schema "Bad-Name"'],
  ])('refuses %s', (url, message) => {
    expect(() => parseDatabaseUrl(url)).toThrow(message);
  });

  it('quotes identifiers', () => {
    expect(quoteIdentifier('a"b')).toBe('"a""b"');
  });
});
