// Progressive enhancement only: zoom and rotate evidence images (the page works without it).
document.addEventListener("click", (ev) => {
  const btn = ev.target.closest("button.zoom, button.rotate");
  if (!btn) return;
  const img = document.getElementById(btn.dataset.target);
  if (!img) return;
  if (btn.classList.contains("zoom")) {
    img.classList.toggle("zoomed");
    return;
  }
  const steps = ["", "r90", "r180", "r270"];
  const now = steps.findIndex((c) => c && img.classList.contains(c));
  if (now > 0) img.classList.remove(steps[now]);
  const next = steps[(Math.max(now, 0) + 1) % 4];
  if (next) img.classList.add(next);
});
