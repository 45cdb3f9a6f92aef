/**
 * An HTTP server for tests and benchmarks: listens on 127.0.0.1, port 0, keeps connections alive
 * (as real intakes do), hands each request its whole body, and on `stop` drops the connections
 * still open so that closing never waits on a keep-alive socket.
 */
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface LoopbackServer {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Connections accepted so far. */
  readonly connections: number;
  stop(): Promise<void>;
}

export async function startLoopbackServer(
  handle: (req: IncomingMessage, res: ServerResponse, body: Buffer, receivedAt: number) => void,
): Promise<LoopbackServer> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer({ noDelay: true, keepAlive: true }, (req, res) => {
    const receivedAt = Date.now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks), receivedAt));
    req.on('error', () => {
      // The client went away mid-body (it aborted); nothing to answer.
    });
  });
  server.on('connection', (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get connections() {
      return connections;
    },
    stop() {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
