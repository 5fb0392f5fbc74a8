// Primus on our transformer: @uws/primus's UwsTransformer (sockets on @uws/ws-compat).
import { UwsTransformer } from '@uws/primus';
import { servePrimus } from './primus-server.mjs';

servePrimus(UwsTransformer, 'transformer=@uws/primus');
