// One polite live region for the whole app: screen readers hear new messages without
// losing their place. Old lines are pruned so the region never grows without bound.

const KEEP = 5;

export function announce(text) {
  const region = document.getElementById("announcer");
  if (!region) return;
  const line = document.createElement("p");
  line.textContent = text;
  region.appendChild(line);
  while (region.childElementCount > KEEP) region.firstElementChild.remove();
}
