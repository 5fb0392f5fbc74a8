// Socket.IO on eiows (its Server is an engine.io wsEngine). Only run when eiows is installed:
// it is not a dependency (see the README for why).
import eiows from 'eiows';
import { serveSocketIO } from './socketio-server.mjs';

serveSocketIO(eiows.Server, 'wsEngine=eiows');
