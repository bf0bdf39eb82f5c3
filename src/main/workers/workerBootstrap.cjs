// Worker threads start from JavaScript: register tsx's hook, then load the TypeScript entry named in workerData.
require('tsx/cjs/api').register();
require(require('node:worker_threads').workerData.entry);
