/**
 * @uws/redis — a broker for `@uws/native` Apps on Redis pub/sub: `app.useBroker(new RedisBroker({ url }))`
 * and every App on that Redis shares its topics.
 */
export { RedisBroker, type RedisBrokerOptions } from './redis-broker.js';
export { encodeEnvelope, decodeEnvelope, encodeBatch, envelopesOf, type Envelope } from './envelope.js';
