/** Reads or replaces the text of a GraphiQL (CodeMirror) editor in a Playwright page. */
import type { Page } from 'playwright-core';

/** Reads or replaces the text of the CodeMirror editor inside `selector`. */
export async function editor(page: Page, selector: string, value?: string): Promise<string> {
  return page.evaluate(({ selector, value }) => {
    // Runs in the page; typed structurally because the test compiles without the DOM library.
    type CodeMirrorHost = { CodeMirror?: { getValue(): string; setValue(v: string): void } };
    const page = globalThis as unknown as { document: { querySelector(selector: string): CodeMirrorHost | null } };
    const element = page.document.querySelector(`${selector} .CodeMirror`);
    if (!element?.CodeMirror) throw new Error(`no editor at ${selector}`);
    if (value !== undefined) element.CodeMirror.setValue(value);
    return element.CodeMirror.getValue();
  }, { selector, value });
}
