import '@mantine/core/styles.css';
import { MantineProvider } from '@mantine/core';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { App } from './App.js';
import { AuthProvider } from './auth.js';
import { I18nProvider } from './i18n.js';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <MantineProvider>
      <I18nProvider>
        <AuthProvider>
          <BrowserRouter basename="/app">
            <App />
          </BrowserRouter>
        </AuthProvider>
      </I18nProvider>
    </MantineProvider>
  </StrictMode>,
);
