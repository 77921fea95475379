import type { Prng } from '../random.js';

/**
 * Text for content fields. Mixed scripts on purpose: accents, CJK, Cyrillic, Arabic and emoji
 * (astral code points, 4 UTF-8 bytes), so that every consumer's UTF-8 handling and byte
 * counting is exercised by ordinary data, not only by the invalidUtf8 fault.
 */

const SENTENCES = [
  'Can you summarise the quarterly report for the board meeting on Thursday?',
  'Here is a draft of the onboarding checklist, with the security steps first.',
  'The deployment failed because the migration ran before the schema was ready.',
  'Please rewrite this paragraph so it reads well for a non-technical audience.',
  'Voici le résumé de la réunion : décisions prises, échéances et responsables.',
  'Pouvez-vous vérifier la traduction française du contrat avant vendredi ?',
  'Könnten Sie die Größe der Tabelle prüfen? Die Spalten überschneiden sich.',
  'Die Übersicht enthält alle offenen Punkte für das nächste Quartal.',
  '¿Puedes preparar una propuesta para el equipo de diseño en España?',
  'La señal del sensor baja cuando la temperatura supera los 40 °C.',
  'Il preventivo è già approvato; manca solo la firma del responsabile.',
  'O relatório de vendas de São Paulo mostra um aumento de 12 % no trimestre.',
  '会議の議事録を三行で要約してください。',
  '来週のリリースに向けて、テスト計画を見直しましょう。',
  '请把这份文档翻译成中文，并保留原有的格式。',
  '这个函数在输入为空时会抛出异常，需要修复。',
  '다음 주 회의 일정을 정리해 주세요.',
  'Пожалуйста, проверьте расчёты в таблице перед отправкой клиенту.',
  'يرجى مراجعة التقرير الشهري قبل إرساله إلى الإدارة.',
  'Great work on the launch 🚀 the dashboard numbers look solid 📈',
  'Reminder: coffee ☕ with the Zürich team at 10:30, then the Kraków sync.',
  'The customer in Montréal asked for the invoice in CAD — see attached.',
  'Status: ✅ tests green, ⚠️ one flaky check, ❌ docs not updated yet.',
  'Translate "naïve café résumé" without losing the diacritics, please.',
  'Step 1: export the data. Step 2: validate it. Step 3: load it into the warehouse.',
  'The regex `^[a-z0-9_-]{3,16}$` rejects names with spaces; is that intended?',
  "Here is the SQL: SELECT id, name FROM users WHERE created_at > now() - interval '7 days';",
  'Our policy says personal data must not leave the EU region without approval.',
  'Draft email: "Hi team, the offsite moved to Reykjavík; travel details to follow 🇮🇸."',
  'Compare the two approaches and list trade-offs in a short table.',
];

const TITLES = [
  'Quarterly report summary',
  'Résumé de réunion',
  'Übersetzung prüfen',
  'Plan de pruebas',
  'テスト計画の見直し',
  '文档翻译',
  'SQL query help',
  'Onboarding checklist ✅',
  'Launch retrospective 🚀',
  'Contract review — São Paulo',
  'Отчёт за квартал',
  'Data migration plan',
];

export function sentence(rng: Prng): string {
  return rng.pick(SENTENCES);
}

export function title(rng: Prng): string {
  return rng.pick(TITLES);
}

/** Whole sentences until about `bytes` UTF-8 bytes (never cut inside a character). */
export function paragraphOfBytes(rng: Prng, bytes: number): string {
  const parts: string[] = [];
  let size = 0;
  while (size < bytes) {
    const s = rng.pick(SENTENCES);
    parts.push(s);
    size += Buffer.byteLength(s) + 1;
  }
  return parts.join(rng.chance(0.3) ? '\n\n' : ' ');
}

const FIRST = [
  'Ana',
  'José',
  'Zoë',
  'Björn',
  'Chloé',
  'Mateusz',
  'Aiko',
  'Wei',
  'Min-jun',
  'Olga',
  'Noor',
  'Liam',
  'Émile',
  'Søren',
  'Priya',
  'Jürgen',
];
const LAST = [
  'García',
  'Müller',
  'Dubois',
  'Nowak',
  'Tanaka',
  '王',
  'Kim',
  'Ivanova',
  'Haddad',
  "O'Brien",
  'Rossi',
  'Lindqvist',
  'Sharma',
  'Østergaard',
];

export interface Person {
  readonly name: string;
  readonly email: string;
  readonly userId: string;
}

const ASCII = (s: string) =>
  s
    .replace(/[øØ]/g, 'o')
    .replace(/ß/g, 'ss')
    .replace(/ł/g, 'l')
    .replace(/王/g, 'wang')
    .normalize('NFD')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase() || 'user';

export function person(rng: Prng): Person {
  const first = rng.pick(FIRST);
  const last = rng.pick(LAST);
  return {
    name: `${first} ${last}`,
    email: `${ASCII(first)}.${ASCII(last)}${rng.int(1, 99)}@example.com`,
    userId: `user-${alnum(rng, 24)}`,
  };
}

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
export function alnum(rng: Prng, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALNUM[rng.int(0, ALNUM.length - 1)];
  return out;
}

export const CITIES = [
  {
    country: 'US',
    city: 'San Francisco',
    region: 'California',
    region_code: 'CA',
    latitude: 37.7749,
    longitude: -122.4194,
  },
  {
    country: 'BR',
    city: 'São Paulo',
    region: 'São Paulo',
    region_code: 'SP',
    latitude: -23.5505,
    longitude: -46.6333,
  },
  {
    country: 'DE',
    city: 'München',
    region: 'Bayern',
    region_code: 'BY',
    latitude: 48.1351,
    longitude: 11.582,
  },
  {
    country: 'CH',
    city: 'Zürich',
    region: 'Zürich',
    region_code: 'ZH',
    latitude: 47.3769,
    longitude: 8.5417,
  },
  {
    country: 'PL',
    city: 'Kraków',
    region: 'Małopolskie',
    region_code: '12',
    latitude: 50.0647,
    longitude: 19.945,
  },
  {
    country: 'JP',
    city: 'Tōkyō',
    region: 'Tokyo',
    region_code: '13',
    latitude: 35.6762,
    longitude: 139.6503,
  },
  {
    country: 'CA',
    city: 'Montréal',
    region: 'Québec',
    region_code: 'QC',
    latitude: 45.5017,
    longitude: -73.5673,
  },
  {
    country: 'IS',
    city: 'Reykjavík',
    region: 'Höfuðborgarsvæðið',
    region_code: '1',
    latitude: 64.1466,
    longitude: -21.9426,
  },
  { country: 'KR', city: 'Seoul', region: 'Seoul', region_code: '11', latitude: 37.5665, longitude: 126.978 },
  {
    country: 'FR',
    city: 'Paris',
    region: 'Île-de-France',
    region_code: 'IDF',
    latitude: 48.8566,
    longitude: 2.3522,
  },
] as const;

export const USER_AGENTS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0',
  'ChatGPT/1.2025.182 (iOS 18.5; iPhone16,2; build 16912345)',
  'ChatGPT/1.2025.182 (Android 15; Pixel 9; build 2025182)',
  'python-httpx/0.27.0',
];
