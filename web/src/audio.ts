// The FLASH alert tone: three short beeps made with WebAudio (no audio file). Browsers
// start an AudioContext only after a user gesture, so the context is created (or
// resumed) on the first click or key press and reused.
let ctx: AudioContext | null = null;

function context(): AudioContext | null {
  if (ctx !== null) return ctx;
  const Ctor =
    window.AudioContext ??
    (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
  if (Ctor === undefined) return null;
  try {
    ctx = new Ctor();
  } catch {
    return null;
  }
  return ctx;
}

/** Lets the tone play later: call from a user gesture (any click or key will do). */
function unlockAudio(): void {
  const c = context();
  if (c !== null && c.state === 'suspended') void c.resume().catch(() => {});
}

let installed = false;
/** Unlocks audio on the first user gesture anywhere on the page. */
export function installAudioUnlock(): void {
  if (installed) return;
  installed = true;
  const once = () => {
    unlockAudio();
    window.removeEventListener('pointerdown', once);
    window.removeEventListener('keydown', once);
  };
  window.addEventListener('pointerdown', once);
  window.addEventListener('keydown', once);
}

/** Plays the alert tone: `count` beeps of 880 Hz. Silent when audio is unavailable. */
export function beep(count = 3): void {
  const c = context();
  if (c === null) return;
  if (c.state === 'suspended') void c.resume().catch(() => {});
  const start = c.currentTime + 0.02;
  for (let i = 0; i < count; i++) {
    const t0 = start + i * 0.28;
    const osc = c.createOscillator();
    const gain = c.createGain();
    osc.type = 'square';
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.0001, t0);
    gain.gain.exponentialRampToValueAtTime(0.2, t0 + 0.01);
    gain.gain.exponentialRampToValueAtTime(0.0001, t0 + 0.18);
    osc.connect(gain).connect(c.destination);
    osc.start(t0);
    osc.stop(t0 + 0.2);
  }
}
