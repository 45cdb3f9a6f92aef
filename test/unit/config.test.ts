/**
 * forwarder/config: loadConfig(env) reports every problem at once, each naming its variable;
 * DD_SITE and DD_URL give the intake URLs; destinations default from what is configured; a
 * secret's value never appears in an error.
 */
import { describe, expect, it } from 'vitest';
import { type Env, loadConfig } from '../../forwarder/config/index.js';
import { datadogUrls } from '../../forwarder/destinations/datadog-site.js';
import { ConfigError } from '../../forwarder/errors.js';

const FAKE_KEY = 'fake-dd-api-key-0000000000000000';

/** The ConfigError loadConfig throws for `env` (fails the test when it does not throw one). */
function problemsOf(env: Env): readonly string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

function errorText(env: Env): string {
  try {
    loadConfig(env);
  } catch (err) {
    return `${(err as Error).name}: ${(err as Error).message}`;
  }
  throw new Error('expected an error');
}

describe('validation', () => {
  it('reports every bad variable at once, each by name', () => {
    const problems = problemsOf({
      SEND_CONCURRENCY: '0',
      REQUEST_TIMEOUT_MS: 'ten seconds',
      MAX_RETRIES: '-1',
      DD_SITE: 'https://datadoghq.com',
      DESTINATIONS: 'datadog,splunk',
      DD_TAGS: 'env:prod,oops',
      FORWARDER_LOG_LEVEL: 'verbose',
      DD_URL: 'ftp://proxy.internal',
      MULTILINE_START_PATTERN: '([',
    });
    // Order is the reading order, not part of the contract: compare as sorted lists.
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(
      [
        'DD_SITE',
        'DD_TAGS',
        'DD_URL',
        'DESTINATIONS', // splunk is unknown
        'DESTINATIONS', // datadog without a key
        'FORWARDER_LOG_LEVEL',
        'MAX_RETRIES',
        'MULTILINE_START_PATTERN',
        'REQUEST_TIMEOUT_MS',
        'SEND_CONCURRENCY',
      ].sort(),
    );
  });

  it('says what a number expects', () => {
    expect(problemsOf({ SEND_CONCURRENCY: '0' })).toEqual(['SEND_CONCURRENCY: expected a whole number from 1 to 64, got "0"']);
  });

  it('says which values an enumeration allows', () => {
    expect(problemsOf({ FORWARDER_LOG_LEVEL: 'verbose' })).toEqual(['FORWARDER_LOG_LEVEL: expected one of debug, info, warn, error, got "verbose"']);
  });

  it('the error message lists each problem on its own line', () => {
    expect(errorText({ SEND_CONCURRENCY: '0', MAX_RETRIES: 'x' })).toBe(
      'ConfigError: invalid configuration:\n  - SEND_CONCURRENCY: expected a whole number from 1 to 64, got "0"\n  - MAX_RETRIES: expected a whole number from 0 to 20, got "x"',
    );
  });

  it('an empty environment is valid', () => {
    expect(loadConfig({}).destinations).toEqual(['stdout']);
  });

  it('the configuration is frozen', () => {
    const config = loadConfig({ DD_API_KEY: FAKE_KEY });
    expect(Object.isFrozen(config) && Object.isFrozen(config.delivery) && Object.isFrozen(config.datadog)).toBe(true);
  });

  it('reads delivery settings as numbers', () => {
    const config = loadConfig({ SEND_CONCURRENCY: '8', REQUEST_TIMEOUT_MS: '300', MAX_RETRIES: '2', RETRY_BASE_DELAY_MS: '10', DEADLINE_MARGIN_MS: '0' });
    expect(config.delivery).toMatchObject({ concurrency: 8, requestTimeoutMs: 300, maxRetries: 2, retryBaseDelayMs: 10, deadlineMarginMs: 0 });
  });

  it('has documented delivery defaults', () => {
    expect(loadConfig({}).delivery).toMatchObject({ concurrency: 4, requestTimeoutMs: 10_000, maxRetries: 5, retryBaseDelayMs: 250, deadlineMarginMs: 5_000 });
  });
});

describe('Datadog intake URLs', () => {
  const logsUrl = (env: Env) => {
    const { datadog } = loadConfig({ DD_API_KEY: FAKE_KEY, ...env });
    return datadogUrls(datadog.site, datadog.url).logs;
  };

  it.each([
    ['datadoghq.com', 'https://http-intake.logs.datadoghq.com/api/v2/logs'],
    ['us3.datadoghq.com', 'https://http-intake.logs.us3.datadoghq.com/api/v2/logs'],
    ['us5.datadoghq.com', 'https://http-intake.logs.us5.datadoghq.com/api/v2/logs'],
    ['datadoghq.eu', 'https://http-intake.logs.datadoghq.eu/api/v2/logs'],
    ['ap1.datadoghq.com', 'https://http-intake.logs.ap1.datadoghq.com/api/v2/logs'],
    ['ap2.datadoghq.com', 'https://http-intake.logs.ap2.datadoghq.com/api/v2/logs'],
    ['ddog-gov.com', 'https://http-intake.logs.ddog-gov.com/api/v2/logs'],
  ])('DD_SITE=%s → %s', (site, url) => {
    expect(logsUrl({ DD_SITE: site })).toBe(url);
  });

  it('the default site is datadoghq.com', () => {
    expect(logsUrl({})).toBe('https://http-intake.logs.datadoghq.com/api/v2/logs');
  });

  it('metrics and traces hosts follow the site', () => {
    const { datadog } = loadConfig({ DD_API_KEY: FAKE_KEY, DD_SITE: 'datadoghq.eu' });
    const urls = datadogUrls(datadog.site, datadog.url);
    expect([urls.metrics, urls.traces]).toEqual(['https://api.datadoghq.eu/api/v1/distribution_points', 'https://trace.agent.datadoghq.eu/api/v0.2/traces']);
  });

  it('DD_URL replaces every host, its trailing slash dropped', () => {
    const { datadog } = loadConfig({ DD_API_KEY: FAKE_KEY, DD_SITE: 'datadoghq.eu', DD_URL: 'http://127.0.0.1:8126/' });
    expect(datadogUrls(datadog.site, datadog.url)).toEqual({
      logs: 'http://127.0.0.1:8126/api/v2/logs',
      metrics: 'http://127.0.0.1:8126/api/v1/distribution_points',
      traces: 'http://127.0.0.1:8126/api/v0.2/traces',
    });
  });

  it('DD_URL keeps a path prefix', () => {
    expect(logsUrl({ DD_URL: 'https://proxy.internal/datadog' })).toBe('https://proxy.internal/datadog/api/v2/logs');
  });

  it('a DD_SITE that is a URL is refused', () => {
    expect(problemsOf({ DD_API_KEY: FAKE_KEY, DD_SITE: 'https://datadoghq.eu' })[0]).toMatch(/^DD_SITE: expected a site such as datadoghq\.com/);
  });
});

describe('destinations', () => {
  it('default to stdout when no backend is configured', () => {
    expect(loadConfig({}).destinations).toEqual(['stdout']);
  });

  it('default to datadog when an API key is configured', () => {
    expect(loadConfig({ DD_API_KEY: FAKE_KEY }).destinations).toEqual(['datadog']);
  });

  it('default to datadog when the key comes from Secrets Manager', () => {
    const config = loadConfig({ DD_API_KEY_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:dd-api-key-AbCdEf' });
    expect([config.destinations, config.datadog.apiKey?.kind]).toEqual([['datadog'], 'secretsmanager']);
  });

  it('default to datadog when the key comes from SSM', () => {
    const config = loadConfig({ DD_API_KEY_SSM_NAME: '/log-forwarder/dd-api-key' });
    expect([config.destinations, config.datadog.apiKey]).toEqual([['datadog'], { kind: 'ssm', name: '/log-forwarder/dd-api-key' }]);
  });

  it('default to otlp when an OTLP endpoint is configured', () => {
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }).destinations).toEqual(['otlp']);
  });

  it('default to both when both are configured', () => {
    expect(loadConfig({ DD_API_KEY: FAKE_KEY, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }).destinations).toEqual(['datadog', 'otlp']);
  });

  it('DESTINATIONS wins, deduplicated and case-insensitive', () => {
    expect(loadConfig({ DD_API_KEY: FAKE_KEY, DESTINATIONS: 'stdout, Datadog ,stdout' }).destinations).toEqual(['stdout', 'datadog']);
  });

  it('datadog without a key is a problem that says how to set one', () => {
    expect(problemsOf({ DESTINATIONS: 'datadog' })).toEqual([
      'DESTINATIONS: datadog needs an API key: set DD_API_KEY_SECRET_ARN, DD_API_KEY_SSM_NAME or DD_API_KEY',
    ]);
  });
});

describe('secrets never appear in errors', () => {
  it('the API key is not echoed when two key sources are set', () => {
    const text = errorText({ DD_API_KEY: FAKE_KEY, DD_API_KEY_SSM_NAME: '/log-forwarder/dd-api-key' });
    expect(text).toContain('DD_API_KEY, DD_API_KEY_SSM_NAME: set only one of them');
    expect(text).not.toContain(FAKE_KEY);
  });

  it('a key pasted into the ARN variable is not echoed', () => {
    const text = errorText({ DD_API_KEY_SECRET_ARN: FAKE_KEY });
    expect(text).toBe('ConfigError: invalid configuration:\n  - DD_API_KEY_SECRET_ARN: expected a Secrets Manager ARN');
  });

  it('OTLP headers are not echoed', () => {
    const headers = 'authorization=Bearer fake-otlp-token-0000';
    const text = errorText({ OTEL_EXPORTER_OTLP_HEADERS: headers, OTEL_EXPORTER_OTLP_HEADERS_SSM_NAME: '/otlp/headers', SEND_CONCURRENCY: 'x' });
    expect(text).not.toContain('fake-otlp-token-0000');
  });

  it('the API key is not echoed whatever else is wrong', () => {
    const text = errorText({
      DD_API_KEY: FAKE_KEY,
      DD_API_KEY_SECRET_ARN: 'not-an-arn',
      DD_SITE: 'bad site',
      DESTINATIONS: 'nope',
      SEND_CONCURRENCY: '-3',
    });
    expect(text).not.toContain(FAKE_KEY);
  });
});

describe('the multiline start pattern', () => {
  it('takes the Datadog Forwarder alias in Python syntax, translated and guarded like the filters', () => {
    const config = loadConfig({ DD_MULTILINE_LOG_REGEX_PATTERN: '(?P<date>\\d{4}-\\d{2}-\\d{2})T' });
    expect([config.parsing.multilineStart?.test('2024-01-01T00:00:00Z start'), config.parsing.multilineStart?.test('\tat com.acme.Orders')]).toEqual([true, false]);
  });

  it('refuses both spellings at once, naming them', () => {
    expect(() => loadConfig({ MULTILINE_START_PATTERN: '^\\d', DD_MULTILINE_LOG_REGEX_PATTERN: '^\\d' })).toThrow(/MULTILINE_START_PATTERN, DD_MULTILINE_LOG_REGEX_PATTERN: set only one of them/);
  });
});
