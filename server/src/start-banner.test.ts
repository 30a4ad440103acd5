import { describe, expect, it } from 'vitest';
import { describeDatabase, localBaseUrl, startBanner, type BannerInput } from './start-banner.js';

const base: BannerInput = {
  baseUrl: 'http://localhost:3000',
  nodeEnv: 'development',
  database: describeDatabase(undefined, '/srv/sg/data'),
  host: '127.0.0.1',
  port: 3000,
  admin: { username: 'admin', source: 'generated', password: 'Xy7-secret-pw' },
  smsOutbox: true,
  demo: { staffPhone: '17348862736', staffPassword: 'Safeguard@2026', kioskLink: 'http://localhost:3000/kiosk/pair#token=sgk_abc' },
};

describe('the start banner', () => {
  it('shows the four apps, the administrator login generated now, the demo staff login and the paired kiosk link, the database', () => {
    const text = startBanner(base);
    expect(text.split('\n').length).toBeLessThan(25);
    for (const url of ['http://localhost:3000/', 'http://localhost:3000/staff/', 'http://localhost:3000/admin/', 'http://localhost:3000/api/docs']) expect(text).toContain(url);
    expect(text).toContain('http://localhost:3000/kiosk/pair#token=sgk_abc');
    expect(text).toMatch(/admin \/ Xy7-secret-pw .*shown only this once/);
    expect(text).toContain('17348862736 / Safeguard@2026');
    expect(text).toContain('PGlite (embedded) in /srv/sg/data/pglite');
    expect(text).toMatch(/127\.0\.0\.1:3000 only .*HOST=0\.0\.0\.0/);
    expect(text).toContain('短信发件箱');
  });

  it('on later starts says where the password is and how to reset it, never a password', () => {
    const text = startBanner({ ...base, admin: { username: 'root', source: 'existing' } });
    expect(text).not.toContain('Xy7-secret-pw');
    expect(text).toContain('npm run create-admin -- root <new password> --force');
    expect(startBanner({ ...base, admin: { username: 'admin', source: 'env' } })).toContain('admin / the password in ADMIN_PASSWORD');
  });

  it('without demo data: no demo logins, the kiosk URL to pair by hand; open to the network says so', () => {
    const text = startBanner({ ...base, demo: undefined, host: '0.0.0.0' });
    expect(text).not.toContain('Safeguard@2026');
    expect(text).toContain('http://localhost:3000/kiosk/');
    expect(text).not.toContain('#token=');
    expect(text).toContain('reachable from the network');
  });

  it('names a PostgreSQL database without its password', () => {
    expect(describeDatabase('postgres://app:s3cret@db.internal:5432/safeguard?sslmode=require', '/x')).toBe('PostgreSQL postgres://app@db.internal:5432/safeguard');
  });

  it('links to PUBLIC_URL when set, else to localhost', () => {
    expect(localBaseUrl(undefined, '127.0.0.1', 3000)).toBe('http://localhost:3000');
    expect(localBaseUrl(undefined, '0.0.0.0', 8080)).toBe('http://localhost:8080');
    expect(localBaseUrl(undefined, '10.0.0.5', 3000)).toBe('http://10.0.0.5:3000');
    expect(localBaseUrl('https://visit.example.gov.cn/', '0.0.0.0', 3000)).toBe('https://visit.example.gov.cn');
  });
});
