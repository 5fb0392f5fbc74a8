/**
 * Publishing to a topic: the message framed once for every local subscriber (a `Publication`),
 * then handed to the App's broker when it has one, which delivers remote messages back here
 * through `deliverToTopic`.
 */
import type { AppCore } from './app-core.js';
import { Publication } from './publication.js';
import { type RecognizedString, toBytes } from './recognized-string.js';
import { DROPPED } from './send-status.js';
import type { TransportBatch } from '../transport/transport.js';
import type { AppWebSocket } from './websocket.js';

/**
 * Frames `message` once and sends it to every subscriber of `topic` except `except`, then hands
 * it to the App's broker, if it has one. Returns true when at least one local subscriber was sent
 * the message (what the broker does is not part of the answer, and never throws).
 */
export function publishToTopic(
  core: AppCore,
  topic: string,
  message: RecognizedString,
  isBinary: boolean,
  compress: boolean,
  except: AppWebSocket | undefined,
): boolean {
  const sent = deliverToTopic(core, topic, message, isBinary, compress, except);
  const broker = core.broker;
  if (broker !== undefined) broker.publish(topic, typeof message === 'string' ? message : toBytes(message), isBinary, compress, except !== undefined);
  return sent;
}

/**
 * Frames `message` once and sends it to every local subscriber of `topic` except `except`.
 * Returns true when at least one subscriber was sent the message.
 */
export function deliverToTopic(
  core: AppCore,
  topic: string,
  message: RecognizedString,
  isBinary: boolean,
  compress: boolean,
  except: AppWebSocket | undefined,
): boolean {
  const subscribers = core.topics.subscribers(topic);
  if (subscribers === undefined || (subscribers.size === 1 && except !== undefined && subscribers.has(except))) return false;
  // The app's kept publication, unless a publish inside this one (from a handler) has it.
  const publication = core.sparePublication ?? new Publication();
  core.sparePublication = undefined;
  publication.reset(message, isBinary, compress);
  try {
    return sendToEach(subscribers, except, publication, core.batch);
  } finally {
    publication.clear();
    core.sparePublication = publication;
  }
}

/**
 * The per-subscriber loop, a function of its own: V8 compiles it on its own as soon as its loop
 * is hot, with only what runs per subscriber, which all has type feedback by then. Compiled
 * inside `deliverToTopic` during the first publishes, it took in the publication's `reset` and
 * `clear`, which had no feedback yet: the first publish after that was deoptimized, and the
 * recompiled loop called `sendPublication` instead of inlining it.
 */
function sendToEach(subscribers: ReadonlySet<AppWebSocket>, except: AppWebSocket | undefined, publication: Publication, batch: TransportBatch | undefined): boolean {
  let sent = false;
  for (const ws of subscribers) {
    if (ws === except) continue;
    if (ws.sendPublication(publication, batch) !== DROPPED) sent = true;
  }
  return sent;
}
