// Our App on the native epoll transport.
import { serve } from './app.mjs';

await serve('epoll');
