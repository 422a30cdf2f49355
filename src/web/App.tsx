import { Alert, AppShell, Badge, Button, Group, Loader, NavLink, SegmentedControl, Text, Title } from '@mantine/core';
import { lazy, Suspense } from 'react';
import { Link, Navigate, Route, Routes, useLocation } from 'react-router';
import { useAuth } from './auth.js';
import { useI18n, type Lang } from './i18n.js';
import { AccountPage } from './pages/AccountPage.js';
import { LoginPage } from './pages/LoginPage.js';
import { NumbersPage } from './pages/NumbersPage.js';
import { PlansPage } from './pages/PlansPage.js';
import { PromptsPage } from './pages/PromptsPage.js';
import { AccountsPage } from './pages/AccountsPage.js';
import { DevicesPage } from './pages/DevicesPage.js';
import { VoicemailPage } from './pages/VoicemailPage.js';
import { InventoryPage } from './inventory/InventoryPage.js';
import { FaxesPage } from './faxes/FaxesPage.js';
import { LiveCallsPage } from './calls/LiveCallsPage.js';
import { CdrsPage } from './cdrs/CdrsPage.js';
import { InvoicesPage } from './invoices/InvoicesPage.js';

// The two screens with heavy libraries load when first opened: the plan editor (graph layout,
// the plan schema with date-holidays) and the revenue dashboard (charts).
const PlanEditorPage = lazy(() => import('./pages/PlanEditorPage.js').then((m) => ({ default: m.PlanEditorPage })));
const RevenuePage = lazy(() => import('./dashboard/RevenuePage.js').then((m) => ({ default: m.RevenuePage })));
import { NumberPage } from './numbers/NumberPage.js';

export function LanguageSwitch() {
  const { lang, setLang, t } = useI18n();
  return (
    <SegmentedControl
      aria-label={t('language')}
      size="xs"
      value={lang}
      onChange={(v) => setLang(v as Lang)}
      data={[
        { value: 'nl', label: 'NL' },
        { value: 'en', label: 'EN' },
      ]}
    />
  );
}

export function App() {
  const { session, ready, signOut } = useAuth();
  const { t } = useI18n();
  const location = useLocation();
  if (!ready) return <Text p="md">{t('loading')}</Text>;
  if (!session) return <LoginPage />;

  const admin = session.role === 'beheerder';
  const platform = session.role === 'platform';
  const nav = platform
    ? [{ to: '/inventory', label: t('navInventory') }, { to: '/invoices', label: t('navInvoices') }]
    : admin
    ? [
        { to: '/numbers', label: t('navNumbers') },
        { to: '/plans', label: t('navPlans') },
        { to: '/prompts', label: t('navPrompts') },
        { to: '/accounts', label: t('navAccounts') },
        { to: '/devices', label: t('navDevices') },
        { to: '/voicemail', label: t('navVoicemail') },
        { to: '/faxes', label: t('navFaxes') },
        { to: '/inventory', label: t('navInventory') },
        { to: '/calls', label: t('navLiveCalls') },
        { to: '/cdrs', label: t('navCdrs') },
        { to: '/revenue', label: t('navRevenue') },
        { to: '/invoices', label: t('navInvoices') },
      ]
    : [
        { to: '/account', label: t('navAccount') },
        { to: '/voicemail', label: t('navVoicemail') },
        { to: '/calls', label: t('navLiveCalls') },
        { to: '/cdrs', label: t('navCdrs') },
      ];
  const roleLabel = session.role === 'beheerder' ? t('roleBeheerder') : session.role === 'gebruiker' ? t('roleGebruiker') : t('rolePlatform');

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 200, breakpoint: 'sm' }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group>
            <Title order={3}>{t('appName')}</Title>
            {session.customerName && <Text>{session.customerName}</Text>}
            <Badge data-testid="role">{roleLabel}</Badge>
          </Group>
          <Group>
            <LanguageSwitch />
            <Button variant="subtle" onClick={signOut}>
              {t('signOut')}
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs">
        {nav.map((n) => (
          <NavLink key={n.to} component={Link} to={n.to} label={n.label} active={location.pathname.startsWith(n.to)} />
        ))}
      </AppShell.Navbar>
      <AppShell.Main>
        <Suspense fallback={<Loader size="sm" data-testid="page-loading" />}>
          {platform ? (
            <Routes>
              <Route path="/inventory" element={<InventoryPage />} />
              <Route path="/invoices" element={<InvoicesPage />} />
              <Route path="*" element={<Alert color="yellow">{t('platformNotSupported')}</Alert>} />
            </Routes>
          ) : (
            <Routes>
              {admin && <Route path="/numbers" element={<NumbersPage />} />}
              {admin && <Route path="/numbers/:numberId" element={<NumberPage />} />}
              {admin && <Route path="/plans" element={<PlansPage />} />}
              {admin && <Route path="/plans/:planId" element={<PlanEditorPage />} />}
              {admin && <Route path="/prompts" element={<PromptsPage />} />}
              {admin && <Route path="/accounts" element={<AccountsPage />} />}
              {admin && <Route path="/devices" element={<DevicesPage />} />}
              {!admin && <Route path="/account" element={<AccountPage />} />}
              <Route path="/voicemail" element={<VoicemailPage />} />
              <Route path="/calls" element={<LiveCallsPage />} />
              <Route path="/cdrs" element={<CdrsPage />} />
              {admin && <Route path="/revenue" element={<RevenuePage />} />}
              {admin && <Route path="/invoices" element={<InvoicesPage />} />}
              {admin && <Route path="/inventory" element={<InventoryPage />} />}
              {admin && <Route path="/faxes" element={<FaxesPage />} />}
              <Route path="*" element={<Navigate to={admin ? '/numbers' : '/account'} replace />} />
            </Routes>
          )}
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}
