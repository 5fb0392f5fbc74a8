// @ts-check
// The suite's client-testee flow, shared by every client testee: /getCaseCount, then
// /runCase?case=N&agent=NAME for every case (echoing), then /updateReports?agent=NAME.

/**
 * Runs the flow. `session(path, echo)` opens one connection to `path`, echoes what arrives when
 * `echo` is set, and resolves with the messages received once the connection is closed.
 * @param {(path: string, echo: boolean) => Promise<Buffer[]>} session
 * @param {string} agent
 * @param {number} concurrency  cases at once (1: the suite's flow); each case has its own
 *   connection, so the verdicts do not depend on it as long as both ends keep up
 * @returns {Promise<number>} the number of cases run
 */
export async function runClientFlow(session, agent, concurrency) {
  const [countMessage] = await session('/getCaseCount', false);
  const count = Number(countMessage?.toString());
  if (!Number.isInteger(count) || count < 0) throw new Error(`bad case count: ${countMessage}`);
  const name = encodeURIComponent(agent);
  let next = 1;
  const worker = async () => {
    while (next <= count) {
      const n = next++;
      await session(`/runCase?case=${n}&agent=${name}`, true);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, worker));
  await session(`/updateReports?agent=${name}`, false);
  return count;
}
