// Arguments that may be Outputs: checked on what is known when a component is declared, so a bad
// plain value fails the preview with a clear message, and checked again once everything resolved.

import * as pulumi from '@pulumi/pulumi';
import type { z } from 'zod';
import { describeIssues, parseOrThrow } from '../validation';

/** Each setting of `T` as a plain value or an Output. */
export type SettingInputs<T> = { [K in keyof T]?: pulumi.Input<T[K]> };

/** The value of an Input if it is already known (not an Output or a Promise). */
export function known<T>(value: pulumi.Input<T> | undefined): T | undefined {
  if (value === undefined || pulumi.Output.isInstance(value) || value instanceof Promise) return undefined;
  return value as T;
}

/** Problems (`key: message`) that `schema` finds in the values of `inputs` known now. */
export function problemsNow(schema: z.ZodType, inputs: Record<string, unknown>): string[] {
  const now: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(inputs)) {
    const plain = known(value);
    if (plain !== undefined) now[key] = plain;
  }
  const result = schema.safeParse(now);
  return result.success ? [] : describeIssues(result.error.issues, '');
}

/**
 * The settings as one Output that checks them once every Output among them resolved: a value that
 * resolves badly fails every resource that reads it, with the message `context` starts.
 */
export function checkWhenResolved<S extends z.ZodType>(
  schema: S,
  inputs: Record<string, unknown>,
  context: string,
): pulumi.Output<z.output<S>> {
  return pulumi.output(inputs).apply((resolved) => {
    const defined = Object.fromEntries(Object.entries(resolved).filter(([, v]) => v !== undefined));
    return parseOrThrow(schema, defined, context, '');
  }) as pulumi.Output<z.output<S>>;
}
