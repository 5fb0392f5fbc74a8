// startWorkerPool with the echo App: argv workers port. Prints "listening <port>".
import { startWorkerPool } from '@uws/native';

const [workers, port] = process.argv.slice(2).map(Number);
const pool = await startWorkerPool(new URL('./pool-echo-app.mjs', import.meta.url), { workers, port, host: '127.0.0.1' });
console.log(`listening ${pool.port}`);
process.once('SIGTERM', () => pool.close().then(() => process.exit(0)));
