// Loaded into every process of the test run (test/run.ts): a test file's process collects V8
// coverage of its own code (NODE_V8_COVERAGE, read when it started) but does not pass the variable on
// to the servers and tools it spawns, whose coverage would cost more time than it adds to the report.
if (process.env.NODE_TEST_CONTEXT !== undefined) delete process.env.NODE_V8_COVERAGE
