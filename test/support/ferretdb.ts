/** Placeholder until the FerretDB launcher lands: reports the server as unavailable. */
export async function prepareFerretDb(): Promise<string | null> {
  return null;
}
