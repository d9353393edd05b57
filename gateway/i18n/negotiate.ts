import { DEFAULT_LANGUAGE, isLanguage, type Language } from './languages.js';

/**
 * The page language: the switcher's cookie when it names a language we have, else the first
 * language of Accept-Language (by q-value, RFC 9110 §12.5.4) we have, else English.
 * `de-CH` counts as `de`; `*` and unknown tags are skipped.
 */
export function chooseLanguage(input: { cookie?: string | null | undefined; acceptLanguage?: string | null | undefined }): Language {
  if (isLanguage(input.cookie)) return input.cookie;
  for (const tag of rankedLanguageTags(input.acceptLanguage ?? '')) {
    const primary = tag.split('-')[0]!.toLowerCase();
    if (isLanguage(primary)) return primary;
  }
  return DEFAULT_LANGUAGE;
}

function rankedLanguageTags(header: string): string[] {
  const ranked: { tag: string; q: number; order: number }[] = [];
  header.slice(0, 1024).split(',').forEach((part, order) => {
    const [tag, ...params] = part.trim().split(';');
    if (!tag) return;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (Number.isFinite(q) && q > 0) ranked.push({ tag: tag.trim(), q, order });
  });
  return ranked.sort((a, b) => b.q - a.q || a.order - b.order).map((r) => r.tag);
}
