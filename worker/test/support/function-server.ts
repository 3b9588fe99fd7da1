// Serves a function registered with the Functions Framework on 127.0.0.1, through the framework's
// own test server (the same middleware that converts events in production).
import { getTestServer } from '@google-cloud/functions-framework/testing';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FunctionRequest } from './events';

export interface FunctionResponse {
  readonly status: number;
  readonly body: string;
}

export class FunctionServer {
  private constructor(private readonly server: Server) {}

  static async start(functionName: string): Promise<FunctionServer> {
    const server = getTestServer(functionName);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new FunctionServer(server);
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async post(request: FunctionRequest): Promise<FunctionResponse> {
    const response = await fetch(`${this.url}${request.path}`, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
    });
    return { status: response.status, body: await response.text() };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
