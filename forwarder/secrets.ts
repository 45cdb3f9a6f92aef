/**
 * Secrets (API keys, OTLP headers) from an env var, Secrets Manager or SSM, fetched once per
 * container and cached. Errors name where the secret was looked for and the AWS error code,
 * never the value.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { SecretRef } from './config/index.js';
import { ForwarderError } from './errors.js';

export class SecretError extends ForwarderError {}

export interface SecretClients {
  secretsManager?: Pick<SecretsManagerClient, 'send'>;
  ssm?: Pick<SSMClient, 'send'>;
}

/** Secrets Manager values may be plain text or JSON holding the value under a known key. */
function unwrap(value: string, jsonKeys: readonly string[]): string {
  const v = value.trim();
  if (!v.startsWith('{')) return v;
  try {
    const o = JSON.parse(v) as Record<string, unknown>;
    for (const k of jsonKeys) if (typeof o[k] === 'string') return o[k];
  } catch {
    // not JSON: the whole string is the secret
  }
  return v;
}

export class SecretResolver {
  private readonly cache = new Map<string, Promise<string>>();

  constructor(private readonly clients: SecretClients = {}) {}

  /** The secret's value; `jsonKeys` are tried when a Secrets Manager value is a JSON object. */
  resolve(ref: SecretRef, jsonKeys: readonly string[] = ['api_key', 'apiKey', 'DD_API_KEY']): Promise<string> {
    if (ref.kind === 'env') return Promise.resolve(ref.value);
    const key = ref.kind === 'secretsmanager' ? `sm:${ref.arn}` : `ssm:${ref.name}`;
    let p = this.cache.get(key);
    if (p === undefined) {
      p = this.fetch(ref, jsonKeys);
      // A failed lookup is not cached: the next invocation tries again.
      p.catch(() => this.cache.delete(key));
      this.cache.set(key, p);
    }
    return p;
  }

  private async fetch(ref: Exclude<SecretRef, { kind: 'env' }>, jsonKeys: readonly string[]): Promise<string> {
    try {
      if (ref.kind === 'secretsmanager') {
        const client = (this.clients.secretsManager ??= new SecretsManagerClient({}));
        const out = await client.send(new GetSecretValueCommand({ SecretId: ref.arn }));
        if (out.SecretString === undefined) throw new SecretError(`secret ${ref.arn} has no string value`);
        return unwrap(out.SecretString, jsonKeys);
      }
      const client = (this.clients.ssm ??= new SSMClient({}));
      const out = await client.send(new GetParameterCommand({ Name: ref.name, WithDecryption: true }));
      const value = out.Parameter?.Value;
      if (value === undefined) throw new SecretError(`SSM parameter ${ref.name} has no value`);
      return value.trim();
    } catch (err) {
      if (err instanceof SecretError) throw err;
      const where = ref.kind === 'secretsmanager' ? `Secrets Manager secret ${ref.arn}` : `SSM parameter ${ref.name}`;
      // Only the error's name: AWS messages are safe, but a proxy's may echo a request.
      throw new SecretError(`could not read ${where} (${(err as Error).name})`);
    }
  }
}
