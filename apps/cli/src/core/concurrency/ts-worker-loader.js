'use strict';
// Lets a worker thread run a module from its TypeScript sources, as the unit specs do (a build runs the compiled .js
// and never loads this file): each .ts file is compiled when it is required (transpiled only, as ts-jest does with
// isolatedModules), and the @app/<lib> paths of tsconfig.json lead to libs/<lib>/src.
const { readFileSync } = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const ts = require('typescript');

const root = path.dirname(ts.findConfigFile(__dirname, ts.sys.fileExists));
const compilerOptions = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, inlineSourceMap: true };

require.extensions['.ts'] = (module, filename) => {
  const { outputText } = ts.transpileModule(readFileSync(filename, 'utf8'), { fileName: filename, compilerOptions });
  module._compile(outputText, filename);
};

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const lib = /^@app\/([a-z]+)(\/.*)?$/.exec(request);
  return resolveFilename.call(this, lib ? path.join(root, 'libs', lib[1], 'src', lib[2] ?? '') : request, ...rest);
};
