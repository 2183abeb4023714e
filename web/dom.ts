/**
 * The one way the page makes elements: tag, attributes, children. Text is always a text node (textContent), never
 * HTML, so a name or a chat line from the peer cannot become markup.
 */
export type Child = Node | string | undefined | false

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value)
  for (const child of children) if (child !== undefined && child !== false) element.append(typeof child === 'string' ? document.createTextNode(child) : child)
  return element
}

export function button(id: string, label: string, className = ''): HTMLButtonElement {
  return el('button', {id, type: 'button', class: className}, label)
}

/** A toggle: its label says what pressing it does, aria-pressed what is on now. */
export function setToggle(toggle: HTMLButtonElement, on: boolean, labels: {on: string; off: string}): void {
  toggle.textContent = on ? labels.on : labels.off
  toggle.setAttribute('aria-pressed', String(!on))
  toggle.classList.toggle('off', !on)
}
