import { UniqueConstraintViolationException } from '@mikro-orm/core';

/** True when `error` is the database refusing a row that breaks the named unique index or constraint. */
export const isUniqueViolation = (error: unknown, constraint: string): boolean =>
  error instanceof UniqueConstraintViolationException && String(error.message).includes(constraint);
