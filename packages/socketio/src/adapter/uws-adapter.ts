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
  constructor(nsp: any) {
    if (nsp?.server?.opts?.connectionStateRecovery) {
      // Socket.IO picks SessionAwareAdapter itself in that case; so do we.
      // eslint-disable-next-line no-constructor-return
      return new FanoutSessionAwareAdapter(nsp) as unknown as UwsAdapter;
    }
    super(nsp);
  }
}
