/**
 * Every upload waits on several filesystem calls (write, fsync of the file and of its directory, link), which run
 * on libuv's thread pool: its default of 4 threads queues concurrent uploads behind each other's fsyncs. The size
 * must be set before the pool first starts, so this module is imported first. An explicit setting wins.
 */
process.env.UV_THREADPOOL_SIZE ??= '16';
