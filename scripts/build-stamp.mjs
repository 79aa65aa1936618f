#!/usr/bin/env node
// Marks dist/ as built from the sources as they are now; test/global-setup.ts rebuilds when any source is newer.
import { writeFileSync } from 'node:fs';

writeFileSync('dist/.build-stamp', `${new Date().toISOString()}\n`);
