import { createRoot } from 'react-dom/client';
import { z } from 'zod';
import './i18n';
import './styles.css';
import { App } from './app';
import { SessionProvider } from './session';

// zod would otherwise probe `new Function`, which the Content-Security-Policy refuses (and reports).
z.config({ jitless: true });

createRoot(document.getElementById('root')!).render(
  <SessionProvider>
    <App />
  </SessionProvider>,
);
