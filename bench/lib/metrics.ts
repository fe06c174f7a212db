/** One counter from the server's Prometheus /metrics (summed over labels), or null. */
export async function readMetric(url: string, name: string): Promise<number | null> {
  try {
    const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    let sum = 0;
    let seen = false;
    for (const line of text.split('\n')) {
      if (line.startsWith(name) && (line[name.length] === ' ' || line[name.length] === '{')) {
        sum += Number(line.slice(line.lastIndexOf(' ') + 1));
        seen = true;
      }
    }
    return seen ? sum : 0;
  } catch {
    return null;
  }
}
