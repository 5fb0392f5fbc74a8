// @ts-check
// The verdict words of the suite's reports.
export const OK = 'OK';
export const NON_STRICT = 'NON-STRICT';
export const INFORMATIONAL = 'INFORMATIONAL';
export const UNIMPLEMENTED = 'UNIMPLEMENTED';
export const FAILED = 'FAILED';
export const WRONG_CODE = 'WRONG CODE';
export const UNCLEAN = 'UNCLEAN';
export const FAILED_BY_CLIENT = 'FAILED BY CLIENT';

/** Verdicts that count as passing (the design's definition of "passes"). */
export const PASSING = new Set([OK, NON_STRICT, INFORMATIONAL]);
