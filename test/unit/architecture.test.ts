import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createArchitectureResolver, functionIdentifier } from '../../forwarder/architecture.js';

const lambda = mockClient(LambdaClient);

afterEach(() => {
  lambda.reset();
});

/** A resolver with a hand-driven clock. */
function setup(options: { failureTtlMs?: number; maxEntries?: number } = {}) {
  let now = 1_000_000;
  const errors: string[] = [];
  const resolver = createArchitectureResolver({
    client: new LambdaClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-secret' } }),
    ttlMs: 3_600_000,
    defaultArchitecture: 'x86_64',
    now: () => now,
    onError: (_ref, err) => errors.push(err instanceof Error ? err.name : String(err)),
    ...options,
  });
  return { resolver, errors, advance: (ms: number) => (now += ms) };
}

function awsError(name: string): Error {
  const err = new Error(`${name} from the mock`);
  err.name = name;
  return err;
}

const REF = { functionName: 'orders-api', account: '123456789012', region: 'us-east-1' };

describe('createArchitectureResolver', () => {
  it('returns Architectures[0] and asks Lambda with the function ARN', async () => {
    lambda.on(GetFunctionConfigurationCommand).resolves({ Architectures: ['arm64'] });
    const { resolver } = setup();
    await expect(resolver.resolve(REF)).resolves.toBe('arm64');
    expect(lambda.commandCalls(GetFunctionConfigurationCommand).map((c) => c.args[0].input)).toEqual([
      { FunctionName: 'arn:aws:lambda:us-east-1:123456789012:function:orders-api' },
    ]);
  });

  it('reads x86_64 when the configuration has no Architectures', async () => {
    lambda.on(GetFunctionConfigurationCommand).resolves({});
    const { resolver } = setup();
    await expect(resolver.resolve(REF)).resolves.toBe('x86_64');
  });

  it('caches per function within the TTL and asks again after it', async () => {
    lambda.on(GetFunctionConfigurationCommand).resolvesOnce({ Architectures: ['arm64'] }).resolves({ Architectures: ['x86_64'] });
    const { resolver, advance } = setup();
    await resolver.resolve(REF);
    advance(3_599_999);
    await expect(resolver.resolve(REF)).resolves.toBe('arm64');
    expect(lambda.commandCalls(GetFunctionConfigurationCommand)).toHaveLength(1);
    advance(1);
    await expect(resolver.resolve(REF)).resolves.toBe('x86_64');
    expect(lambda.commandCalls(GetFunctionConfigurationCommand)).toHaveLength(2);
  });

  it('lets concurrent callers share one request', async () => {
    lambda.on(GetFunctionConfigurationCommand).resolves({ Architectures: ['arm64'] });
    const { resolver } = setup();
    const results = await Promise.all([resolver.resolve(REF), resolver.resolve(REF), resolver.resolve(REF)]);
    expect(results).toEqual(['arm64', 'arm64', 'arm64']);
    expect(lambda.commandCalls(GetFunctionConfigurationCommand)).toHaveLength(1);
  });

  it('keeps functions apart', async () => {
    lambda
      .on(GetFunctionConfigurationCommand, { FunctionName: 'arn:aws:lambda:us-east-1:123456789012:function:orders-api' })
      .resolves({ Architectures: ['arm64'] })
      .on(GetFunctionConfigurationCommand, { FunctionName: 'arn:aws:lambda:us-east-1:123456789012:function:payments' })
      .resolves({ Architectures: ['x86_64'] });
    const { resolver } = setup();
    await expect(resolver.resolve(REF)).resolves.toBe('arm64');
    await expect(resolver.resolve({ ...REF, functionName: 'payments' })).resolves.toBe('x86_64');
  });

  it.each(['AccessDeniedException', 'TooManyRequestsException', 'ResourceNotFoundException'])(
    'falls back to the default on %s, caches it for the shorter time, and never throws',
    async (name) => {
      lambda.on(GetFunctionConfigurationCommand).rejectsOnce(awsError(name)).resolves({ Architectures: ['arm64'] });
      const { resolver, errors, advance } = setup({ failureTtlMs: 60_000 });
      await expect(resolver.resolve(REF)).resolves.toBe('x86_64');
      expect(errors).toEqual([name]);
      advance(59_999);
      await expect(resolver.resolve(REF)).resolves.toBe('x86_64');
      expect(lambda.commandCalls(GetFunctionConfigurationCommand)).toHaveLength(1);
      advance(1);
      await expect(resolver.resolve(REF)).resolves.toBe('arm64');
    },
  );

  it('gives the default for a function in another account the forwarder cannot read', async () => {
    lambda
      .on(GetFunctionConfigurationCommand, { FunctionName: 'arn:aws:lambda:eu-west-1:210987654321:function:orders-api' })
      .rejects(awsError('AccessDeniedException'));
    const { resolver } = setup();
    await expect(resolver.resolve({ functionName: 'orders-api', account: '210987654321', region: 'eu-west-1' })).resolves.toBe('x86_64');
  });

  it('does not throw when the error callback throws', async () => {
    lambda.on(GetFunctionConfigurationCommand).rejects(awsError('ServiceException'));
    const resolver = createArchitectureResolver({
      client: new LambdaClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-secret' } }),
      ttlMs: 1000,
      defaultArchitecture: 'arm64',
      now: () => 0,
      onError: () => {
        throw new Error('logger broke');
      },
    });
    await expect(resolver.resolve(REF)).resolves.toBe('arm64');
  });

  it('forgets the oldest function past its bound', async () => {
    lambda.on(GetFunctionConfigurationCommand).resolves({ Architectures: ['arm64'] });
    const { resolver } = setup({ maxEntries: 1 });
    await resolver.resolve(REF);
    await resolver.resolve({ ...REF, functionName: 'payments' });
    await resolver.resolve(REF);
    expect(lambda.commandCalls(GetFunctionConfigurationCommand)).toHaveLength(3);
  });
});

describe('functionIdentifier', () => {
  it.each([
    [{ functionName: 'f', account: '123456789012', region: 'cn-north-1' }, 'arn:aws-cn:lambda:cn-north-1:123456789012:function:f'],
    [{ functionName: 'f', account: '123456789012', region: 'us-gov-west-1' }, 'arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:f'],
    [{ functionName: 'f' }, 'f'],
  ])('names %j as %s', (ref, id) => {
    expect(functionIdentifier(ref)).toBe(id);
  });
});
