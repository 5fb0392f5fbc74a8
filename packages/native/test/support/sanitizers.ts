/**
 * Whether this run has the AddressSanitizer runtime preloaded (`pnpm test:asan`). ASan keeps
 * freed memory in quarantine (256 MB by default), so RSS does not measure live memory there:
 * tests skip their RSS bounds under it and keep their exact ones (buffered bytes, ArrayBuffers).
 */
export const underAddressSanitizer = /libasan/.test(process.env.LD_PRELOAD ?? '');
