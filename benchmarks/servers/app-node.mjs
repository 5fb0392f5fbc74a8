// Our App on NodeTransport (node:net).
import { serve } from './app.mjs';

await serve('node');
