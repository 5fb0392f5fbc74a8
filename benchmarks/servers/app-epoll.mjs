// Our App on the native epoll transport.
import { serve } from './app.mjs';

serve('epoll');
