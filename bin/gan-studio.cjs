#!/usr/bin/env node
// The gan-studio command line: TypeScript sources run through tsx's require hook (no build step needed).
require('tsx/cjs/api').register();
require('../src/main/cli.ts');
