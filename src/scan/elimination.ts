// Server-preference elimination: offer every remaining candidate, note the one the server picks,
// drop it and ask again until the server refuses. The number of handshakes is the number of
// accepted values plus one, however long the candidate list is; and the order of picks is the
// server's preference order (or the offer order, if the server follows the client).

/** What one round returned: the picked value, or undefined when the server refused. */
export type Round<T> = (remaining: readonly T[]) => Promise<T | undefined>;

export async function eliminate<T>(candidates: readonly T[], round: Round<T>, limit = candidates.length): Promise<T[]> {
  const remaining = [...candidates];
  const picked: T[] = [];
  while (remaining.length > 0 && picked.length < limit) {
    const pick = await round(remaining);
    const i = pick === undefined ? -1 : remaining.indexOf(pick);
    if (i < 0) break; // refused, or picked something not offered (a broken server): stop
    picked.push(remaining[i]);
    remaining.splice(i, 1);
  }
  return picked;
}

/**
 * Server or client order: offer the two best picks reversed. A server with its own order picks the
 * same first value again; one that follows the client picks the one now offered first.
 */
export async function preferenceOf<T>(accepted: readonly T[], round: Round<T>): Promise<'server' | 'client' | 'single' | undefined> {
  if (accepted.length < 2) return accepted.length === 1 ? 'single' : undefined;
  const pick = await round([accepted[1], accepted[0]]);
  if (pick === accepted[0]) return 'server';
  if (pick === accepted[1]) return 'client';
  return undefined;
}

/** Runs elimination over chunks of at most `size` candidates (for hellos that would be too big),
 * then once more over the union of the chunks' picks to get one global order. */
export async function eliminateChunked<T>(candidates: readonly T[], size: number, round: Round<T>): Promise<T[]> {
  if (candidates.length <= size) return eliminate(candidates, round);
  const chunks: T[][] = [];
  for (let i = 0; i < candidates.length; i += size) chunks.push(candidates.slice(i, i + size));
  const found = (await Promise.all(chunks.map((c) => eliminate(c, round)))).flat();
  return found.length <= size ? eliminate(found, round) : found;
}
