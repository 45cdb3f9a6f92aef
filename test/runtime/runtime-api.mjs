/**
 * A minimal AWS Lambda Runtime API on 127.0.0.1, enough for the Runtime Interface Client
 * ("Using the Lambda runtime API for custom runtimes", API version 2018-06-01):
 *
 *   GET  /2018-06-01/runtime/invocation/next             long-polls for the next queued event
 *   POST /2018-06-01/runtime/invocation/{id}/response    the handler's result
 *   POST /2018-06-01/runtime/invocation/{id}/error       the handler's error
 *   POST /2018-06-01/runtime/init/error                  the module failed to load
 *
 * `invoke(event)` queues an event and resolves with what the runtime posted for it.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

const PREFIX = '/2018-06-01/runtime';

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function reply(res, status, body = '') {
  const data = Buffer.from(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': data.length });
  res.end(data);
}

export async function startRuntimeApi({ functionArn = 'arn:aws:lambda:us-east-1:123456789012:function:log-forwarder', deadlineMs = 120_000 } = {}) {
  const queue = [];
  const waiting = [];
  const pending = new Map();
  const initErrors = [];

  function deliver(res, item) {
    const body = Buffer.from(JSON.stringify(item.event));
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': body.length,
      'lambda-runtime-aws-request-id': item.id,
      'lambda-runtime-deadline-ms': String(Date.now() + deadlineMs),
      'lambda-runtime-invoked-function-arn': functionArn,
      'lambda-runtime-trace-id': `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomUUID().replace(/-/g, '').slice(0, 24)};Parent=${randomUUID().replace(/-/g, '').slice(0, 16)};Sampled=0`,
    });
    res.end(body);
  }

  const server = createServer(async (req, res) => {
    const url = req.url ?? '';
    const body = await readBody(req);
    if (req.method === 'GET' && url === `${PREFIX}/invocation/next`) {
      const item = queue.shift();
      if (item !== undefined) deliver(res, item);
      else waiting.push(res);
      return;
    }
    if (req.method === 'POST' && url === `${PREFIX}/init/error`) {
      initErrors.push({ headers: req.headers, body });
      for (const p of pending.values()) p.resolve({ kind: 'init_error', body });
      pending.clear();
      return reply(res, 202, '{"status":"OK"}');
    }
    const m = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
    if (req.method === 'POST' && m !== null) {
      const p = pending.get(m[1]);
      pending.delete(m[1]);
      p?.resolve({ kind: m[2], body, headers: req.headers });
      return reply(res, 202, '{"status":"OK"}');
    }
    reply(res, 404, '{"errorMessage":"not a Runtime API path"}');
  });
  server.keepAliveTimeout = 0;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();

  return {
    /** host:port, the value of AWS_LAMBDA_RUNTIME_API. */
    address: `127.0.0.1:${port}`,
    initErrors,
    invoke(event, timeoutMs = 60_000) {
      if (initErrors.length > 0) return Promise.resolve({ kind: 'init_error', body: initErrors[0].body });
      const id = randomUUID();
      const result = new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`no answer to invocation ${id} within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, {
          resolve: (r) => {
            clearTimeout(timer);
            resolve(r);
          },
        });
      });
      const item = { id, event };
      const res = waiting.shift();
      if (res !== undefined) deliver(res, item);
      else queue.push(item);
      return result;
    },
    async close() {
      for (const res of waiting.splice(0)) res.destroy();
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
