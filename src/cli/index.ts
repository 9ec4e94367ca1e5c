#!/usr/bin/env node
// The `liaison` executable: everything happens in main(), which tests call in-process.
import module from 'node:module';

// Where Node has it (22.1 and later), V8's compile cache (in the machine's temporary
// directory) spares each call compiling the same modules again: a CLI call and a node's
// start then take less CPU (decision #165). Node 20 has none and goes on without it.
const cache: unknown = Reflect.get(module, 'enableCompileCache');
if (typeof cache === 'function') Reflect.apply(cache, module, []);
const { main } = await import('./main.js');

process.exitCode = await main(process.argv.slice(2));
