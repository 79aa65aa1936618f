#!/usr/bin/env node
import { main, writesPending } from '../dist/bundle/cli.js';

process.exitCode = await main(process.argv.slice(2));
// Leaving on our own: when the event loop empties, Node first waits for V8's background
// tasks (optimising compiles of the search's hot functions, GC sweeping) to finish, work
// nobody will use; that wait was 3-15 ms of every run (`npm run bench`). Only when
// everything written has left the process: a slow pipe reader still gets all of it.
if (!writesPending()) process.exit();
