/**
 * Merges the console's strings into i18next once it is initialised (main.tsx
 * calls initI18n before rendering; this module may be evaluated earlier).
 */
import i18n from 'i18next';
import { deskEn, deskVi } from './desk.js';
import { opsEn } from './en.js';
import { opsVi } from './vi.js';
import { toolsEn, toolsVi } from './tools.js';
import { wordsEn, wordsVi } from './words.js';
import { videoEn, videoVi } from '../../video/strings.js';

let done = false;

export function registerOpsStrings(instance = i18n): void {
  if (done && instance === i18n) return;
  const add = () => {
    instance.addResourceBundle('vi', 'translation', { ...wordsVi, ...opsVi, ...deskVi, ...toolsVi, ...videoVi }, true, true);
    instance.addResourceBundle('en', 'translation', { ...wordsEn, ...opsEn, ...deskEn, ...toolsEn, ...videoEn }, true, true);
  };
  if (instance.isInitialized) add();
  else instance.on('initialized', add);
  if (instance === i18n) done = true;
}
