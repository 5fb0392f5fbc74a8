// Every fuzz target, by name (each has its seeds in corpus/<name>/).
import { connectionTarget } from './connection.mjs';
import { extensionsHeaderTarget } from './extensions-header.mjs';
import { httpHeadTarget } from './http-head.mjs';
import { utf8Target } from './utf8.mjs';

/** The targets, bound to the imported codec. */
export function makeTargets(codec) {
  return [connectionTarget(codec, 'server'), connectionTarget(codec, 'client'), httpHeadTarget(codec), extensionsHeaderTarget(codec), utf8Target(codec)];
}
