import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

/** Runs a program in a child Node whose addon cannot load (UWS_NATIVE_ADDON points nowhere). */
function runWithoutAddon(program: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--input-type=module', '-e', program], {
      env: { ...process.env, UWS_NATIVE_ADDON: '/nonexistent/uws_native.node' },
      timeout: 20_000,
    }, (err, stdout, stderr) => resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, stdout, stderr }));
  });
}

describe("transport 'auto' without a loadable addon", () => {
  it('runs on node:net, echoes, and says so in one line, once per process', async () => {
    const program = `
      import { App, connect, us_socket_local_port } from ${JSON.stringify(dist)};
      const second = App(); // a second 'auto' choice prints nothing more
      const app = App().ws('/*', { message: (ws, m, b) => ws.send(m, b) });
      app.listen('127.0.0.1', 0, (token) => {
        const c = connect('ws://127.0.0.1:' + us_socket_local_port(token) + '/', { transport: 'node' });
        c.on('open', () => c.send('round trip'));
        c.on('message', (d) => { console.log('echo:' + d); c.close(); app.close(); second.close(); });
      });`;
    const { code, stdout, stderr } = await runWithoutAddon(program);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe('echo:round trip');
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^@uws\/native: transport 'auto' runs on node:net \(the native addon is not available: Cannot find module '\/nonexistent\/uws_native\.node'/);
  });

  it("prints nothing when node:net is asked for, and 'epoll' throws the reason", async () => {
    const program = `
      import { App } from ${JSON.stringify(dist)};
      App({ transport: 'node' }).close();
      try { App({ transport: 'epoll' }); } catch (e) { console.log(e.message.split('\\n')[0]); }`;
    const { code, stdout, stderr } = await runWithoutAddon(program);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^the native addon is not available: Cannot find module/);
  });
});
