/**
 * Local stand-ins for what the functions talk to, all on 127.0.0.1: an HTTP intake that records
 * every request (decompressed), a CloudWatch Logs endpoint (awsJson1_1: X-Amz-Target
 * Logs_20140328.<Operation>), and a receiver for CloudFormation's pre-signed ResponseURL.
 * Also `unzip`, to run the code exactly as the deployable zip holds it.
 */
import { createServer } from 'node:http';
import { gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function listen(handler) {
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const { status, headers = {}, text = '' } = handler(req, body);
    const data = Buffer.from(text);
    res.writeHead(status, { 'content-length': data.length, ...headers });
    res.end(data);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

function decode(body, encoding) {
  if (encoding === 'gzip') return gunzipSync(body);
  if (encoding === 'deflate') return inflateSync(body);
  return body;
}

/** Records every request; answers 202 {} (Datadog intakes) or 200 {} (OTLP). */
export async function startIntake() {
  const requests = [];
  const server = await listen((req, body) => {
    let text;
    try {
      text = decode(body, req.headers['content-encoding']).toString('latin1');
    } catch (err) {
      text = `<undecodable ${req.headers['content-encoding']}: ${err.message}>`;
    }
    requests.push({ method: req.method, url: req.url, headers: req.headers, text });
    if (req.url?.startsWith('/v1/')) return { status: 200, headers: { 'content-type': 'application/json' }, text: '{}' };
    if (req.url?.startsWith('/api/v1/validate')) return { status: 200, headers: { 'content-type': 'application/json' }, text: '{"valid":true}' };
    return { status: 202, headers: { 'content-type': 'application/json' }, text: '{}' };
  });
  return { ...server, requests };
}

/** CloudWatch Logs with a fixed set of log groups and no filters; records the calls. */
export async function startCloudWatchLogs(logGroupNames) {
  const calls = [];
  const server = await listen((req, body) => {
    const operation = String(req.headers['x-amz-target'] ?? '').replace(/^Logs_20140328\./, '');
    const input = body.length > 0 ? JSON.parse(body.toString('utf8')) : {};
    calls.push({ operation, input });
    const json = (o) => ({ status: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, text: JSON.stringify(o) });
    switch (operation) {
      case 'DescribeLogGroups':
        return json({ logGroups: logGroupNames.filter((n) => n.startsWith(input.logGroupNamePrefix ?? '')).map((logGroupName) => ({ logGroupName })) });
      case 'DescribeSubscriptionFilters':
        return json({ subscriptionFilters: [] });
      case 'PutSubscriptionFilter':
      case 'DeleteSubscriptionFilter':
        return json({});
      default:
        return { status: 400, headers: { 'content-type': 'application/x-amz-json-1.1' }, text: JSON.stringify({ __type: 'InvalidOperationException', message: `not faked: ${operation}` }) };
    }
  });
  return { ...server, calls };
}

/** Receives custom resource responses (PUT to the pre-signed URL). */
export async function startResponseReceiver() {
  const responses = [];
  const server = await listen((req, body) => {
    responses.push({ method: req.method, headers: req.headers, body: JSON.parse(body.toString('utf8')) });
    return { status: 200 };
  });
  return { ...server, responses };
}

/** Answers every AWS call with an error, so that nothing unexpected leaves the machine. */
export async function startDenyAll() {
  const calls = [];
  const server = await listen((req) => {
    calls.push(`${req.method} ${req.url} ${req.headers['x-amz-target'] ?? ''}`);
    return { status: 403, headers: { 'content-type': 'application/json' }, text: '{"__type":"AccessDeniedException","message":"the runtime test allows no AWS call here"}' };
  });
  return { ...server, calls };
}

/** Entries of a zip archive ({ name, data }), stored or deflated (APPNOTE 4.3.12, 4.3.16). */
export function unzip(buf) {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip archive: no end of central directory');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const entries = [];
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`bad central directory entry at ${p}`);
    const method = buf.readUInt16LE(p + 10);
    const csize = buf.readUInt32LE(p + 20);
    const usize = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const mode = buf.readUInt32LE(p + 38) >>> 16;
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    const dataStart = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(dataStart, dataStart + csize);
    const data = method === 8 ? inflateRawSync(raw) : method === 0 ? Buffer.from(raw) : undefined;
    if (data === undefined) throw new Error(`${name}: compression method ${method} not supported`);
    if (data.length !== usize) throw new Error(`${name}: ${data.length} bytes, the directory says ${usize}`);
    entries.push({ name, data, mode });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}
