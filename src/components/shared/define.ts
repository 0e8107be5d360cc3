/**
 * Registers a custom element unless the tag is already taken, so two copies of the SDK
 * on one page (an ES module and a script tag, say) do not throw.
 */
export function defineElement(tag: string, constructor: CustomElementConstructor): void {
  if (!customElements.get(tag)) customElements.define(tag, constructor);
}
