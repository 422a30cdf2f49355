import type { Prompt } from '../api.js';
import { AudioPlayer } from '../audio/AudioPlayer.js';
import { useSignedIn } from '../auth.js';

/** Plays an uploaded prompt as the plans play it (8 kHz WAV). */
export function PromptPlayer({ prompt }: { prompt: Prompt }) {
  const { api } = useSignedIn();
  return <AudioPlayer load={() => api.promptAudio(prompt.customerId, prompt.id)} testId={prompt.name} />;
}
