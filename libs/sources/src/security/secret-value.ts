const REDACTED = '[REDACTED]';

/**
 * A token that prints as `[REDACTED]` however it is printed (template string, JSON,
 * `console.log`, `util.inspect`), so settings can be logged without leaking it.
 * Only `reveal()` gives the value, at the one place that sends it.
 */
export class SecretValue {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `SecretValue(${REDACTED})`;
  }
}
