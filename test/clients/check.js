// kam's views read through node-postgres (`pg` from npm), over the test
// cluster's unix socket (PGHOST is the socket directory, PGPORT, PGUSER).
//
//     NODE_PATH=.../node_modules node check.js DB_BIGINT DB_UUID DB_TEXT
//
// The node-postgres counterpart of check.py (test/clients/setup.sh makes the
// databases): every value of the main views arrives as the JavaScript type
// doc/clients.md documents for its column's PostgreSQL type (with pg's default
// type parsers: bigint and numeric as strings, float8 as number, date and
// timestamptz as Date); customer_id keeps the user's type (bigint 2^53+1
// exactly, as a string); money (float8) equals the exact numeric sum parsed
// by JavaScript; timestamptz names the right instant whatever the session's
// TimeZone and the process's TZ.  Exits 1 on any failure.
'use strict';
const { Client } = require('pg');

// PostgreSQL type OID -> typeof / class of the value pg gives (doc/clients.md)
const JS_TYPES = {
  16: 'boolean', 20: 'string', 21: 'number', 23: 'number', 25: 'string', 700: 'number', 701: 'number',
  1082: 'Date', 1184: 'Date', 1700: 'string', 2950: 'string',
};
const MAIN_VIEWS = ['customer_summary', 'customer_tier', 'tier_summary', 'pareto_curve', 'customer_value',
  'period_kpis', 'revenue_movements', 'revenue_retention_ttm', 'cohort_retention',
  'customer_retention', 'customer_survival', 'visit_compliance', 'manager_visit_compliance'];
const EDGE_FIRST_ORDER = Date.UTC(2024, 2, 31, 1, 30);

let checks = 0;
const failures = [];
function check(cond, what) {
  checks++;
  if (!cond) { failures.push(what); console.log('FAILED: ' + what); }
}
function kind(v) { return v instanceof Date ? 'Date' : typeof v; }

async function connect(db, tz) {
  const c = new Client({ host: process.env.PGHOST, port: Number(process.env.PGPORT || 5432),
    user: process.env.PGUSER || 'postgres', database: db, options: '-c TimeZone=' + tz });
  await c.connect();
  return c;
}

async function checkDatabase(db, idOid, idPattern, raw) {
  const c = await connect(db, 'America/New_York');
  console.log(`${db}: customer_id has oid ${idOid}`);

  // 1. every value of every main view has the documented JavaScript type
  for (const view of MAIN_VIEWS) {
    const r = await c.query(`SELECT * FROM kam.${view} LIMIT 500`);
    check(r.rows.length > 0, `${db}: kam.${view} has rows`);
    for (const f of r.fields) {
      const want = JS_TYPES[f.dataTypeID];
      check(want !== undefined, `${db}: kam.${view}.${f.name} has a documented type (oid ${f.dataTypeID})`);
      if (f.name === 'customer_id') {
        check(f.dataTypeID === idOid, `${db}: kam.${view}.customer_id has oid ${f.dataTypeID}, the user's ${idOid}`);
      }
      const bad = r.rows.map((row) => row[f.name]).filter((v) => v !== null && kind(v) !== want);
      check(bad.length === 0, `${db}: kam.${view}.${f.name} values are ${want} (got ${bad.length ? kind(bad[0]) : ''})`);
      if (f.dataTypeID === 20 || f.dataTypeID === 1700) {
        check(r.rows.every((row) => row[f.name] === null || /^-?[0-9]+(\.[0-9]+)?$/.test(row[f.name])),
          `${db}: kam.${view}.${f.name} strings are decimal numbers`);
      }
    }
  }

  // 2. the edge customer: its id, first order instant and revenue
  const edge = (await c.query(`SELECT customer_id FROM ${raw}.customers WHERE name = 'Edge Case Ltd'`)).rows[0].customer_id;
  check(typeof edge === 'string' && idPattern.test(edge), `${db}: the edge customer's id ${edge} is a string of the right form`);
  if (idOid === 20) check(edge === '9007199254740993', `${db}: bigint 2^53+1 arrives exactly (${edge})`);
  const s = (await c.query('SELECT customer_id, first_order_at, revenue, orders FROM kam.customer_summary WHERE customer_id = $1', [edge])).rows;
  check(s.length === 1, `${db}: the edge customer is found by its id`);
  check(s[0].customer_id === edge, `${db}: customer_summary gives back the same id`);
  check(s[0].first_order_at instanceof Date && s[0].first_order_at.getTime() === EDGE_FIRST_ORDER,
    `${db}: first_order_at ${s[0].first_order_at && s[0].first_order_at.toISOString()} is 2024-03-31T01:30:00Z`);
  check(s[0].revenue === 1234.66, `${db}: revenue ${s[0].revenue} is the number 1234.66`);
  check(s[0].orders === '2', `${db}: orders (bigint) is the string '2'`);
  const c2 = await connect(db, 'Asia/Kolkata');
  const t2 = (await c2.query('SELECT first_order_at, first_order_at::text AS shown FROM kam.customer_summary WHERE customer_id = $1', [edge])).rows[0];
  check(t2.first_order_at.getTime() === EDGE_FIRST_ORDER && t2.shown === '2024-03-31 07:00:00+05:30',
    `${db}: TimeZone Asia/Kolkata gives the same instant (${t2.shown})`);
  await c2.end();

  // 3. money: each customer's float8 revenue is the exact numeric sum (a string) parsed by JavaScript
  const exact = new Map((await c.query(`SELECT customer_id, sum(amount) AS s FROM ${raw}.orders GROUP BY 1`)).rows
    .map((r) => [r.customer_id, r.s]));
  check([...exact.values()].every((v) => typeof v === 'string'), `${db}: numeric(12,2) sums arrive as strings`);
  const got = new Map((await c.query('SELECT customer_id, revenue FROM kam.customer_summary WHERE orders > 0')).rows
    .map((r) => [r.customer_id, r.revenue]));
  const wrong = [...exact].filter(([k, v]) => got.get(k) !== Number(v));
  check(got.size === exact.size && wrong.length === 0,
    `${db}: revenue === Number(exact sum) for all ${exact.size} customers (${wrong.length} differ)`);

  const shares = (await c.query('SELECT revenue_share FROM kam.tier_summary')).rows;
  check(Math.abs(shares.reduce((a, r) => a + r.revenue_share, 0) - 1) < 1e-9, `${db}: tier revenue_share are numbers summing to 1`);
  const visits = (await c.query('SELECT actual_visits FROM kam.manager_visit_compliance')).rows;
  check(visits.length > 0 && visits.every((r) => /^[0-9]+$/.test(r.actual_visits)),
    `${db}: manager_visit_compliance.actual_visits (bigint, a count) is a string of a whole number`);
  // date: pg makes a Date at local midnight of that day (not UTC midnight)
  const d = (await c.query("SELECT min(cohort) AS cohort, to_char(min(cohort), 'YYYY-MM-DD') AS shown FROM kam.cohort_retention")).rows[0];
  const local = `${d.cohort.getFullYear()}-${String(d.cohort.getMonth() + 1).padStart(2, '0')}-${String(d.cohort.getDate()).padStart(2, '0')}`;
  check(d.cohort instanceof Date && local === d.shown && d.cohort.getHours() === 0,
    `${db}: cohort (date) is a Date at local midnight of ${d.shown} (${d.cohort.toString()})`);
  await c.end();
}

(async () => {
  const [bigint, uuid, text] = process.argv.slice(2);
  console.log(`node ${process.version}, pg ${require('pg/package.json').version}, TZ=${process.env.TZ || ''}`);
  await checkDatabase(bigint, 20, /^[0-9]+$/, 'demo');
  await checkDatabase(uuid, 2950, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'ids');
  await checkDatabase(text, 25, /^C-[0-9]+$/, 'ids');
  console.log(`${checks} checks, ${failures.length} failed`);
  process.exit(failures.length ? 1 : 0);
})().catch((e) => { console.log('FAILED: ' + (e.stack || e)); process.exit(1); });
