/** Entry: fonts and styles, i18n, the live connection, then React. */
// First: no eval under the Content-Security-Policy (before anything parses with zod).
import './auth/csp.js';
import '@fontsource/be-vietnam-pro/400.css';
import '@fontsource/be-vietnam-pro/500.css';
import '@fontsource/be-vietnam-pro/600.css';
import '@fontsource/be-vietnam-pro/700.css';
import './styles.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App.js';
import { initI18n } from './i18n/index.js';
import { connectLive } from './live/socket.js';

initI18n();
// The connection starts with the page, independent of React's lifecycle (and of StrictMode's double effects).
connectLive();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
