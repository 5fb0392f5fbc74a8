/** App processes on a RedisBroker (the fixture), driven over IPC, and ws clients of them. */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import WebSocket from 'ws';

const fixture = new URL('../fixtures/redis-app.mjs', import.meta.url);

/** An App process on the broker, with its IPC answers. */
/** What the fixture app (test/fixtures/redis-app.mjs) answers to `stats`. */
export interface AppStats {
  stats: { published: number; received: number; dropped: number; errors: number };
  connected: boolean;
  queued: number;
  dropEvents: number;
  errors: number;
}

export class AppProcess {
  readonly inbox: Record<string, unknown>[] = [];
  port = 0;
  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    child.on('message', (m) => this.inbox.push(m as Record<string, unknown>));
  }

  static async start(url: string, name: string, options: object = {}): Promise<AppProcess> {
    const child = fork(fixture, [url, name, JSON.stringify(options)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const p = new AppProcess(name, child);
    const m = await p.next('listening');
    p.port = m.port as number;
    return p;
  }

  async next(type: string, ms = 15_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.inbox.findIndex((m) => m.type === type);
      if (i >= 0) return this.inbox.splice(i, 1)[0];
      if (this.child.exitCode !== null) throw new Error(`${this.name} exited with ${this.child.exitCode}`);
      if (Date.now() > deadline) throw new Error(`${this.name}: no ${type} message`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async ask(cmd: object, reply: string): Promise<Record<string, unknown>> {
    this.child.send(cmd);
    return this.next(reply);
  }

  async stats(): Promise<AppStats> {
    return (await this.ask({ cmd: 'stats' }, 'stats')) as unknown as AppStats;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.send({ cmd: 'close' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

/** A ws client of an App process, recording every message. */
export class Client {
  readonly got: string[] = [];
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d: Buffer) => this.got.push(d.toString()));
  }
  static async open(port: number): Promise<Client> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    const c = new Client(ws);
    await once(ws, 'open');
    return c;
  }
  /** Sends a command and waits for its `ok`. */
  async command(text: string): Promise<void> {
    const n = this.oks();
    this.ws.send(text);
    await waitFor(() => this.oks() > n, 5000, text);
  }
  oks(): number {
    return this.got.filter((m) => m.startsWith('ok ')).length;
  }
  messages(): string[] {
    return this.got.filter((m) => !m.startsWith('ok '));
  }
  /** The numbers received from publisher `name`, in arrival order. */
  from(name: string): number[] {
    return this.messages()
      .filter((m) => m.startsWith(`${name}:`))
      .map((m) => Number(m.slice(name.length + 1).split('|')[0]));
  }
}

export async function waitFor(check: () => boolean | Promise<boolean>, ms = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);
