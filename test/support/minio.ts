/** Placeholder until the MinIO build lands: reports the server as unavailable. */
export async function prepareMinio(): Promise<string | null> {
  return null;
}
