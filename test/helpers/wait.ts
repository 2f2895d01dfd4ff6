// Polls a condition until it holds or the time runs out (then fails, naming what it waited for).
export async function until(what: string, cond: () => Promise<boolean> | boolean, ms = 30_000, everyMs = 250): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}`);
}
