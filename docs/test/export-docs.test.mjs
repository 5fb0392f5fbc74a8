// Every export of every package is documented: each name that packages/<name>/src/index.ts
// exports, followed through its re-exports to where it is declared, carries a JSDoc comment with
// text (an editor shows it on hover; a tag alone such as `@internal` is not documentation).
// The classes in FULLY_DOCUMENTED are held to more: every public member (method, property,
// option, event) of them and of their option and event types, and every option says its default.
// It reads the sources with the TypeScript compiler (exports of another package resolve to its
// built declarations, which keep their comments; `pnpm test` builds them first).
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const packagesDir = fileURLToPath(new URL('../../packages/', import.meta.url));
const entries = readdirSync(packagesDir)
  .map((name) => ({ name, entry: join(packagesDir, name, 'src', 'index.ts') }))
  .filter(({ entry }) => existsSync(entry));

/**
 * Exports documented member by member, per package: the public `Server`, `Client` and
 * `connect()` of @uws/native with their options and events. Grow this list as more are.
 */
const FULLY_DOCUMENTED = {
  native: ['Server', 'ServerOptions', 'ServerEvents', 'Client', 'ClientOptions', 'ClientEvents', 'connect'],
};
/** Option types whose every member must state its default (or say it is required). */
const OPTIONS = /Options$/;

const program = ts.createProgram(
  entries.map((e) => e.entry),
  {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: ['node'],
    skipLibCheck: true,
    noEmit: true,
  },
);
const checker = program.getTypeChecker();

/** The documentation text of a symbol ('' when it has none). */
function docOf(symbol) {
  return ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim();
}

/** Where a symbol is declared, for the failure message. */
function whereOf(symbol) {
  const decl = symbol.declarations?.[0];
  if (decl === undefined) return '?';
  const file = decl.getSourceFile();
  const { line } = file.getLineAndCharacterOfPosition(decl.getStart());
  return `${file.fileName.replace(/^.*\/packages\//, 'packages/')}:${line + 1}`;
}

/** Own public members of a class or interface: not private, protected, `_`-named or `@internal`. */
function publicMembers(symbol) {
  const out = [];
  for (const [name, member] of symbol.members ?? []) {
    const key = String(name);
    if (key.startsWith('_') || key.startsWith('#') || key === '__index') continue;
    const decl = member.declarations?.[0];
    if (decl === undefined) continue;
    if (ts.getCombinedModifierFlags(decl) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) continue;
    if (member.getJsDocTags(checker).some((tag) => tag.name === 'internal')) continue;
    out.push({ name: key === '__constructor' ? 'constructor' : key, member });
  }
  return out;
}

describe.each(entries.map((e) => [e.name, e.entry]))('@uws/%s', (name, entry) => {
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(entry));
  const exports = checker.getExportsOfModule(moduleSymbol).map((symbol) => {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    return { name: symbol.name, target };
  });

  it('exports something, and every export has a doc comment', () => {
    expect(exports.length).toBeGreaterThan(0);
    const undocumented = exports.filter(({ target }) => docOf(target) === '').map(({ name: n, target }) => `${n} (${whereOf(target)})`);
    expect(undocumented).toEqual([]);
  });

  const full = FULLY_DOCUMENTED[name] ?? [];
  // Packages with no fully documented list get no such test (rather than a skipped one).
  if (full.length === 0) return;
  it(`documents every public member of ${full.join(', ')}; options state their defaults`, () => {
    const gaps = [];
    for (const exportName of full) {
      const found = exports.find((e) => e.name === exportName);
      if (found === undefined) {
        gaps.push(`${exportName}: not exported`);
        continue;
      }
      const members = publicMembers(found.target);
      // A class or an interface with nothing public to check would make this test vacuous.
      if (found.target.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface) && members.length === 0) gaps.push(`${exportName}: no public member found`);
      if (docOf(found.target) === '') gaps.push(`${exportName}: no doc comment`);
      for (const { name: member, member: symbol } of members) {
        const doc = docOf(symbol);
        if (doc === '') gaps.push(`${exportName}.${member}: no doc comment (${whereOf(symbol)})`);
        else if (OPTIONS.test(exportName) && !/\b(default|required)\b/i.test(doc)) gaps.push(`${exportName}.${member}: no default stated (${whereOf(symbol)})`);
      }
    }
    expect(gaps).toEqual([]);
  });
});
