/**
 * A function's environment as one typed contract, shared by the two sides:
 * the infrastructure writes the variables (`write`), the function reads them
 * (`names`, with shared/env.ts's EnvReader), so a variable cannot be renamed
 * on one side only, and the values the infrastructure must set are a type it
 * cannot leave out.
 *
 * Only what the infrastructure decides belongs in the values: the function's
 * tuning (retries, timeouts, log level) keeps the defaults of its own
 * configuration loader unless a deployment overrides them.
 */

/** Environment variable name of each value of the contract. */
export type EnvNames<T> = { readonly [K in keyof T]-?: string };

export interface EnvContract<T> {
  /** The variable each value travels in. */
  readonly names: EnvNames<T>;
  /** The infrastructure side: the variables for these values; values left undefined are not set. */
  write(values: T): Record<string, string>;
}

export function envContract<T extends { readonly [K in keyof T]?: string | number }>(names: EnvNames<T>): EnvContract<T> {
  return {
    names,
    write(values: T): Record<string, string> {
      const variables: Record<string, string> = {};
      for (const key of Object.keys(names) as (keyof T)[]) {
        const value = values[key];
        if (value !== undefined) variables[names[key]] = String(value);
      }
      return variables;
    },
  };
}
