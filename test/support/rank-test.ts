/**
 * The Mann–Whitney U test (normal approximation with the tie correction): whether two samples
 * look drawn from one distribution. Timing tests use it instead of a fixed bound on medians, so
 * their false-alarm rate is the chosen α whatever the machine's load, while a real shift between
 * the samples still shows as a large |z|.
 */
export interface RankComparison {
  /** Standardised U of the first sample: negative when its values tend to be smaller. */
  z: number;
  medians: [number, number];
}

/** |z| above this rejects "same distribution" at a two-sided α of 0.001. */
export const Z_TWO_SIDED_0_001 = 3.29;

export function compareRanks(a: readonly number[], b: readonly number[]): RankComparison {
  const all = [...a.map((value) => ({ value, first: true })), ...b.map((value) => ({ value, first: false }))]
    .sort((x, y) => x.value - y.value);
  const n1 = a.length;
  const n2 = b.length;
  const n = n1 + n2;
  let rankSumFirst = 0;
  let tieTerm = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && all[j + 1]!.value === all[i]!.value) j++;
    const rank = (i + j) / 2 + 1; // Tied values share their mean rank.
    for (let k = i; k <= j; k++) if (all[k]!.first) rankSumFirst += rank;
    const tied = j - i + 1;
    tieTerm += tied ** 3 - tied;
    i = j + 1;
  }
  const u = rankSumFirst - (n1 * (n1 + 1)) / 2;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * ((n + 1) - tieTerm / (n * (n - 1)));
  const z = variance > 0 ? (u - mean) / Math.sqrt(variance) : 0;
  return { z, medians: [median(a), median(b)] };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
