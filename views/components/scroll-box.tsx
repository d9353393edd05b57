import type { Child } from 'hono/jsx';

/**
 * A wide table that scrolls inside its own box on a narrow screen, so the page never scrolls
 * sideways. Focusable and named, so keyboard users can scroll it too (WCAG 2.1.1; axe
 * scrollable-region-focusable).
 */
export function ScrollBox(props: { label: string; children?: Child }) {
  return <div class="table-scroll" role="region" aria-label={props.label} tabindex={0}>{props.children}</div>;
}
