/**
 * `io.adapter(UwsAdapter)`: Socket.IO's in-memory adapter with rooms as native topics (see
 * `withNativeFanout`). With `connectionStateRecovery` it is the session-aware variant, as
 * Socket.IO's own default would be.
 */
import { Adapter, SessionAwareAdapter } from 'socket.io-adapter';
import { withNativeFanout } from './native-fanout.js';

const FanoutAdapter = withNativeFanout(Adapter);
const FanoutSessionAwareAdapter = withNativeFanout(SessionAwareAdapter);

/** The in-memory adapter with native fan-out; session-aware when the server recovers connection state. */
export class UwsAdapter extends FanoutAdapter {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- socket.io-adapter's Adapter takes `nsp: any`; so does its subclass
  constructor(nsp: any) {
    if ((nsp as { server?: { opts?: { connectionStateRecovery?: unknown } } })?.server?.opts?.connectionStateRecovery) {
      // Socket.IO picks SessionAwareAdapter itself in that case; so do we.
      return new FanoutSessionAwareAdapter(nsp);
    }
    super(nsp);
  }
}
