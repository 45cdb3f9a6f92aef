/**
 * The built-in rules by name, in the order they run. Order matters where one rule is context
 * for another: the AWS secret key rule needs the access key id next to it, so it runs first;
 * header and token rules run before the generic key/value rule, which then skips values that
 * are already [REDACTED].
 */
import type { ScrubRule } from './rule.js';
import { awsAccessKeyId, awsSecretAccessKey } from './rules/aws-keys.js';
import { connectionString } from './rules/connection-string.js';
import { email } from './rules/email.js';
import { ipv4, ipv6 } from './rules/network.js';
import { creditCard, phone } from './rules/pii-numbers.js';
import { privateKey } from './rules/private-key.js';
import { secretKeyValue } from './rules/secret-key-value.js';
import { authorization, bearerToken, jwt } from './rules/tokens.js';

/** High-confidence credential rules, on by default. */
export const DEFAULT_RULE_NAMES = [
  'private_key',
  'aws_secret_access_key',
  'aws_access_key_id',
  'authorization',
  'jwt',
  'bearer_token',
  'connection_string',
  'secret_key_value',
] as const;
export type DefaultRuleName = (typeof DEFAULT_RULE_NAMES)[number];

/** Personal-data rules, off by default. */
export const OPTIONAL_RULE_NAMES = ['email', 'ipv4', 'ipv6', 'credit_card', 'phone'] as const;
export type OptionalRuleName = (typeof OPTIONAL_RULE_NAMES)[number];

export type BuiltinRuleName = DefaultRuleName | OptionalRuleName;

const RULES: Readonly<Record<BuiltinRuleName, ScrubRule>> = {
  private_key: privateKey,
  aws_secret_access_key: awsSecretAccessKey,
  aws_access_key_id: awsAccessKeyId,
  authorization,
  jwt,
  bearer_token: bearerToken,
  connection_string: connectionString,
  secret_key_value: secretKeyValue,
  email,
  ipv4,
  ipv6,
  credit_card: creditCard,
  phone,
};

const ORDER: readonly BuiltinRuleName[] = [...DEFAULT_RULE_NAMES, ...OPTIONAL_RULE_NAMES];

/** The named built-in rules, in run order, each once. */
export function builtinRules(names: Iterable<BuiltinRuleName>): ScrubRule[] {
  const wanted = new Set(names);
  return ORDER.filter((n) => wanted.has(n)).map((n) => RULES[n]);
}

export function isDefaultRuleName(s: string): s is DefaultRuleName {
  return (DEFAULT_RULE_NAMES as readonly string[]).includes(s);
}

export function isOptionalRuleName(s: string): s is OptionalRuleName {
  return (OPTIONAL_RULE_NAMES as readonly string[]).includes(s);
}
