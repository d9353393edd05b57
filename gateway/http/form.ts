/** A single text field from a parsed form: arrays (duplicated fields) and files are refused. */
export function formText(value: unknown, maxLength: number): string {
  if (typeof value !== 'string') return '';
  return value.length > maxLength ? '' : value.trim();
}

/** Like formText, but untrimmed: spaces are part of a password. */
export function formSecret(value: unknown, maxLength: number): string {
  return typeof value === 'string' && value.length <= maxLength ? value : '';
}
