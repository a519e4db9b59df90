/**
 * Gives each test of a contract suite a fresh subject from `factory` (handed to `use`), closed and cleaned up after
 * the test.
 */
export function useFreshSubject<T extends { close(): Promise<void> }>(
  factory: () => Promise<{ sut: T; cleanup(): Promise<void> }>,
  use: (sut: T) => void,
): void {
  let current: { sut: T; cleanup(): Promise<void> };
  beforeEach(async () => {
    current = await factory();
    use(current.sut);
  });
  afterEach(async () => {
    await current.sut.close();
    await current.cleanup();
  });
}
