/** Nothing is shared across specs: each spec stops the processes it started. */
export default async function globalTeardown(): Promise<void> {}
