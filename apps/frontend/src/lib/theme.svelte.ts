// Light or dark: follows the system (prefers-color-scheme) until the user picks one, which is
// remembered. app.html applies the saved choice before the first paint.

export type ThemeChoice = "system" | "light" | "dark";

const KEY = "orrery-theme";

class Theme {
  choice = $state<ThemeChoice>("system");
  systemDark = $state(false);

  get effective(): "light" | "dark" {
    return this.choice === "system" ? (this.systemDark ? "dark" : "light") : this.choice;
  }

  init(): void {
    if (typeof window === "undefined") return;
    const saved = safeGet();
    if (saved === "light" || saved === "dark") this.choice = saved;
    const mq = window.matchMedia("(prefers-color-scheme: dark)");
    this.systemDark = mq.matches;
    mq.addEventListener("change", (e) => (this.systemDark = e.matches));
  }

  /** The toggle: to the opposite of what is on screen now. */
  toggle(): void {
    this.set(this.effective === "dark" ? "light" : "dark");
  }

  set(choice: ThemeChoice): void {
    this.choice = choice;
    const root = document.documentElement;
    if (choice === "system") delete root.dataset.theme;
    else root.dataset.theme = choice;
    try {
      if (choice === "system") localStorage.removeItem(KEY);
      else localStorage.setItem(KEY, choice);
    } catch {
      // Private mode: the choice lasts for this page only.
    }
  }
}

const safeGet = () => {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null;
  }
};

export const theme = new Theme();
