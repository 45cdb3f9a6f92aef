/**
 * Datadog intake URLs for a site (BACKENDS.md §1-3; Datadog API client `servers.ts`):
 * logs `https://http-intake.logs.<site>/api/v2/logs`, metrics `https://api.<site>`,
 * traces `https://trace.agent.<site>/api/v0.2/traces`. A configured base URL (DD_URL) replaces
 * every host, for proxies and compatible intakes.
 */
export interface DatadogUrls {
  readonly logs: string;
  readonly metrics: string;
  readonly traces: string;
}

export function datadogUrls(site: string, baseUrl?: string): DatadogUrls {
  if (baseUrl !== undefined) {
    return {
      logs: `${baseUrl}/api/v2/logs`,
      metrics: `${baseUrl}/api/v1/distribution_points`,
      traces: `${baseUrl}/api/v0.2/traces`,
    };
  }
  return {
    logs: `https://http-intake.logs.${site}/api/v2/logs`,
    metrics: `https://api.${site}/api/v1/distribution_points`,
    traces: `https://trace.agent.${site}/api/v0.2/traces`,
  };
}
