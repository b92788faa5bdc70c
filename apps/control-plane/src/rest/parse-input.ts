import type { z } from 'zod';
import { UpkeepError } from '@upkeep/errors';

/** Validates a body or query with zod; every problem is reported with its field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `${issue.path.length > 0 ? issue.path.join('.') : where}: ${issue.message}`,
  );
  throw new UpkeepError('INPUT_INVALID', `invalid ${where}: ${problems.join('; ')}`, {
    details: {
      issues: result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    },
  });
}
