/** Keyboard activation of SVG elements that act as buttons (Enter or Space, as a real button). */
export function onActivate(action: () => void): (event: KeyboardEvent) => void {
  return (event) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      action();
    }
  };
}
