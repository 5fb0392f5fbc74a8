/** A free loopback TCP port: bound on 127.0.0.1 by the kernel's choice, then released. */
export declare function freePort(): Promise<number>;
