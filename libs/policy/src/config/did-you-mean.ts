/** Edit distance, bounded: returns `limit + 1` as soon as the distance exceeds `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      );
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > limit) return limit + 1;
    previous = current;
  }
  return previous[b.length] ?? limit + 1;
}

/**
 * The known name an unknown one was probably meant to be (`stratgy` -> `strategy`),
 * or undefined when none is close: at most a third of the letters differ,
 * ignoring case, `-` versus `_`.
 */
export function closestName(input: string, known: Iterable<string>): string | undefined {
  const normalise = (s: string): string => s.toLowerCase().replaceAll('-', '_');
  const wanted = normalise(input);
  if (wanted.length > 200) return undefined;
  const limit = Math.max(1, Math.floor(wanted.length / 3));
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(wanted, normalise(name), limit);
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** ` Did you mean "strategy"?` or ``. */
export function didYouMean(input: string, known: Iterable<string>): string {
  const suggestion = closestName(input, known);
  return suggestion === undefined ? '' : `; did you mean ${JSON.stringify(suggestion)}?`;
}
