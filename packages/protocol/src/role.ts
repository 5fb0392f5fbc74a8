/** Protocol role of one end of a connection. */
export type Role = 'server' | 'client';
