/**
 * Publishing to a topic: the message framed once for every local subscriber (a `Publication`),
 * then handed to the App's broker when it has one, which delivers remote messages back here
 * through `deliverToTopic`.
 */
import type { AppCore } from './app-core.js';
import { Publication } from './publication.js';
import { type RecognizedString, toBytes } from './recognized-string.js';
import { DROPPED } from './send-status.js';
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
  const batch = core.batch;
  let sent = false;
  try {
    for (const ws of subscribers) {
      if (ws === except) continue;
      if (ws.sendPublication(publication, batch) !== DROPPED) sent = true;
    }
  } finally {
    publication.clear();
    core.sparePublication = publication;
  }
  return sent;
}
