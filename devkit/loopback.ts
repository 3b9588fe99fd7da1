/**
 * An HTTP listener on 127.0.0.1 that always closes: the base of the dev kit's server and proxy. It
 * keeps every open socket, so `close()` ends keep-alive connections and requests still waiting for
 * an answer instead of waiting for them (a plain `server.close()` waits for every one).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';

export type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

export interface LoopbackOptions {
  /** Port on 127.0.0.1; a free one chosen by the system by default. */
  readonly port?: number;
  /** How long an idle keep-alive connection stays open (node's default when unset). */
  readonly keepAliveTimeoutMs?: number;
}

export class LoopbackListener {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private portNumber = 0;

  constructor(
    private readonly listener: RequestListener,
    private readonly options: LoopbackOptions = {},
  ) {}

  get listening(): boolean {
    return this.server !== undefined;
  }

  /** The port listened on; 0 before `listen`. */
  get port(): number {
    return this.portNumber;
  }

  /** host:port, such as 127.0.0.1:41234. */
  get host(): string {
    return `127.0.0.1:${this.portNumber}`;
  }

  /** Base URL without a trailing slash, such as http://127.0.0.1:41234. */
  get url(): string {
    return `http://${this.host}`;
  }

  async listen(): Promise<string> {
    if (this.server) return this.url;
    const server = createServer(this.listener);
    if (this.options.keepAliveTimeoutMs !== undefined) server.keepAliveTimeout = this.options.keepAliveTimeoutMs;
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.portNumber = (server.address() as AddressInfo).port;
    return this.url;
  }

  /** Stops listening and ends every open connection, answered or not. Safe to call twice. */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await closed;
  }
}

/** A TCP port of 127.0.0.1 that was free a moment ago (the system picks it); until taken, it refuses connections. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createTcpServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
