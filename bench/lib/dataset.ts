/**
 * The P4 data set (issue 13), shared by the benchmarks: 1,000,000 orders, 200,000 visitors and
 * 1,000,000 finished jobs on PostgreSQL, spread the way a busy center's year looks, so that the
 * 审批中心 badges, 首页 figures, 我的预约 and the queue have real work to do.
 *
 *   const raw = new pg.Pool({ connectionString: scratch.url });
 *   await database.migrate();                         // the schema first (openDatabase(...).migrate())
 *   const p4 = await loadP4(raw, p4Options());        // BENCH_ORDERS / BENCH_VISITORS / BENCH_JOBS
 *   const [token] = await createSessions(raw, 'staff', [p4.hosts[0]!.id]);   // cookie sg_staff=<token>
 *
 * What is in it (all set-based INSERT … SELECT generate_series; about a minute per million rows):
 * - `units` units (default 40), each with `hostsPerUnit` hosts (staff with 访问权限, default 50) and
 *   six staff who review: a vehicle reviewer, a CC, a personnel reviewer, a person node of the
 *   approval chain and two holders of the role `approver`. One center-wide security officer reviews
 *   every unit's plates and one center-wide personnel officer every unit's staff changes.
 * - Approval chains on every second unit (a person node; every fourth unit also a role node
 *   `approver`, and a CC): their appointments carry order_chain_steps (and order_cc).
 * - Orders: ~96 % in the past 400 days (~2,400 a day: mostly arrived and left, some no-shows,
 *   ~10 % cancelled), ~1 % today (a rush day, four times the average: pending, confirmed, on site,
 *   left, overstaying, cancelled — on site and left relative to the real now), ~3 % in the next 14
 *   days (a quarter pending, some invitations not yet filled). Pending orders of chain units wait on the host (step 0) or on a chain node. Kinds:
 *   appointments, invitations (some without review), walk-ins, companions (subs) and meeting
 *   attendees of room bookings. ~15 % carry a plate; upcoming plates wait for 车辆审核. Hosts and
 *   visitors are skewed: hosts[0] is the busiest host, visitors[0] the most frequent visitor.
 * - Meeting rooms (20) and their bookings (no overlaps), some pending 会议室审核, some awaiting
 *   承接; pending personnel requests per unit; access devices and the pass events of the last 30
 *   days (in and out); 1,000,000 finished jobs over 400 days plus a few failed and dead.
 *
 * The center's "today" is computed in PostgreSQL from `timeZone` (TZ_CENTER) at load time. The
 * triggers that keep 首页's counts are off while loading; the counts are recounted once at the end.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { sha256 } from '../../server/src/platform/crypto.js';

export interface P4Options {
  /** visit orders in all (mains, companions and meeting attendees); BENCH_ORDERS, default 1,000,000 */
  orders?: number;
  /** visitors; BENCH_VISITORS, default 200,000 */
  visitors?: number;
  /** finished jobs; BENCH_JOBS, default 1,000,000 */
  jobs?: number;
  /** default 40 */
  units?: number;
  /** staff with 访问权限 per unit, default 50 */
  hostsPerUnit?: number;
  /** the center's zone (TZ_CENTER), default Asia/Shanghai */
  timeZone?: string;
  /** progress lines; default console.log */
  log?: (line: string) => void;
}

export interface P4Staff {
  id: string;
  unitId: string;
  phone: string;
}

export interface P4Set {
  units: Array<{ id: string; name: string }>;
  /** staff with 访问权限, busiest (most orders) first */
  hosts: P4Staff[];
  reviewers: {
    /** person node (position 1) of each chain unit's approval chain */
    chainPerson: P4Staff[];
    /** holders of the role `approver` in units whose chain has a role node (position 2) */
    chainRole: P4Staff[];
    /** per-unit vehicle reviewers (车辆审核) */
    vehicle: P4Staff[];
    /** reviews every unit's plates */
    centerVehicle: P4Staff;
    /** per-unit personnel reviewers (人员审核) */
    personnel: P4Staff[];
    /** reviews every unit's personnel requests */
    centerPersonnel: P4Staff;
    /** approvers of the rooms that need 会议室审核 */
    roomApprover: P4Staff;
    /** undertakers of every room (会议承接) */
    undertaker: P4Staff;
  };
  /** units with an approval chain (every second unit) */
  chainUnitIds: string[];
  /** 1,000 visitors, the most frequent first */
  visitors: Array<{ id: string; phone: string }>;
  admins: { system: string; unit: { id: string; unitId: string } };
  /** what was loaded, for the report's setup line */
  counts: { orders: number; visitors: number; jobs: number; pending: number; ordersToday: number; onSiteNow: number; chainSteps: number; bookings: number; accessEvents: number };
  seconds: number;
  /** set by p4Scratch when the database is a copy of one loaded earlier: seconds the copy took */
  copied?: number;
}

/** The P4 sizes from BENCH_ORDERS / BENCH_VISITORS / BENCH_JOBS (defaults 1 M / 200 k / 1 M). */
export function p4Options(extra: P4Options = {}): P4Options {
  const n = (v: string | undefined, d: number) => (v ? Math.max(1, Math.round(Number(v))) : d);
  return {
    orders: n(process.env.BENCH_ORDERS, 1_000_000),
    visitors: n(process.env.BENCH_VISITORS, 200_000),
    jobs: n(process.env.BENCH_JOBS, 1_000_000),
    timeZone: process.env.TZ_CENTER ?? 'Asia/Shanghai',
    ...extra,
  };
}

/** Sessions for the given subjects (staff, visitor, admin); returns the cookie tokens in order. */
export async function createSessions(pool: pg.Pool, subjectType: 'staff' | 'visitor' | 'admin', ids: string[]): Promise<string[]> {
  const tokens = ids.map(() => randomBytes(24).toString('base64url'));
  for (let i = 0; i < ids.length; i += 1000) {
    const part = ids.slice(i, i + 1000);
    await pool.query(
      `insert into sessions (id, token_hash, subject_type, subject_id, expires_at)
       select gen_random_uuid(), h, $2, s, now() + interval '1 day' from unnest($1::text[], $3::text[]) as t(h, s)`,
      [tokens.slice(i, i + 1000).map((t) => sha256(t)), subjectType, part],
    );
  }
  return tokens;
}

/** Loads the P4 set into an empty, migrated database. */
export async function loadP4(pool: pg.Pool, opts: P4Options = {}): Promise<P4Set> {
  const o = { ...p4Options(), ...opts };
  const N = o.orders!;
  const V = o.visitors!;
  const J = o.jobs!;
  const U = o.units ?? 40;
  const HPU = o.hostsPerUnit ?? 50;
  const H = U * HPU;
  const log = o.log ?? ((l: string) => console.log(l));
  const t0 = Date.now();
  const c = await pool.connect();
  const q = async (label: string, sql: string, params: unknown[] = []) => {
    const t = Date.now();
    const r = await c.query(sql, params);
    if (label) log(`  p4: ${label} ${r.rowCount != null ? `(${r.rowCount.toLocaleString('en-US')} rows) ` : ''}${((Date.now() - t) / 1000).toFixed(1)} s`);
    return r;
  };
  try {
    await c.query(`set synchronous_commit = off`);
    // the 首页 counts (dashboard_counts) are recounted once at the end, not row by row through the triggers
    await c.query(`alter table visit_orders disable trigger user; alter table visitors disable trigger user`);
    await c.query(`select setseed(0.13)`);
    // the clock: now, the start of the center's today and of tomorrow
    await q('', `create temp table _t as select now() as now, (date_trunc('day', now() at time zone $1) at time zone $1) as t0, ((date_trunc('day', now() at time zone $1) + interval '1 day') at time zone $1) as t1`, [o.timeZone]);

    // ——— organisation ———
    await q('', `insert into buildings (id, name) values (gen_random_uuid(), 'P4 A座'), (gen_random_uuid(), 'P4 B座') on conflict do nothing`);
    await q(
      'units',
      `insert into units (id, name, code, building_id, max_visit_hours, sort_order)
       select md5('p4u' || u)::uuid, 'P4单位' || lpad(u::text, 3, '0'), 'U' || u, (select id from buildings where name = case when u % 2 = 0 then 'P4 A座' else 'P4 B座' end), 24, u
       from generate_series(1, $1) u`,
      [U],
    );
    await q('', `create temp table _u as select u as n, md5('p4u' || u)::uuid as id from generate_series(1, $1) u`, [U]);
    // hosts: n = 1..H, unit = 1 + (n-1) % U so that the busiest hosts (small n) are spread over units
    await q(
      'hosts',
      `insert into staff (id, unit_id, name, phone, employee_no, visit_permission, roles, password_hash, photo_key)
       select md5('p4h' || n)::uuid, md5('p4u' || (1 + (n - 1) % $2))::uuid, '员工' || n, '139' || lpad(n::text, 8, '0'), 'E' || n, true, '{staff}', null,
              case when n % 3 = 0 then 'faces/p4/h' || n end
       from generate_series(1, $1) n`,
      [H, U],
    );
    await q('', `create temp table _h as select n, md5('p4h' || n)::uuid as id, md5('p4u' || (1 + (n - 1) % $2))::uuid as unit_id from generate_series(1, $1) n`, [H, U]);
    // six reviewers per unit (k 1..6) and two center-wide officers (unit 1)
    const roleOf = `(array['{staff,vehicle_reviewer}','{staff}','{staff,personnel_reviewer}','{staff,approver}','{staff,approver}','{staff,approver}'])[k]::text[]`;
    await q(
      'reviewers',
      `insert into staff (id, unit_id, name, phone, visit_permission, roles)
       select md5('p4r' || u || '-' || k)::uuid, md5('p4u' || u)::uuid, '审核' || u || '-' || k, '138' || lpad((u * 10 + k)::text, 8, '0'), false, ${roleOf}
       from generate_series(1, $1) u, generate_series(1, 6) k
       union all
       select md5('p4c' || k)::uuid, md5('p4u1')::uuid, (array['保卫处','人事处','会议室管理员','会务承接'])[k], '137' || lpad(k::text, 8, '0'), false,
              (array['{staff,vehicle_reviewer}','{staff,personnel_reviewer}','{staff,room_approver}','{staff,undertaker}'])[k]::text[]
       from generate_series(1, 4) k`,
      [U],
    );
    const rv = (u: string, k: number) => `md5('p4r' || ${u} || '-${k}')::uuid`;
    await q(
      '',
      `insert into unit_reviewers (id, unit_id, kind, staff_id, cc)
       select gen_random_uuid(), * from (select md5('p4u' || u)::uuid, 'vehicle', ${rv('u', 1)}, false from generate_series(1, $1) u
       union all select md5('p4u' || u)::uuid, 'vehicle', ${rv('u', 2)}, true from generate_series(1, $1) u
       union all select md5('p4u' || u)::uuid, 'personnel', ${rv('u', 3)}, false from generate_series(1, $1) u
       union all select md5('p4u' || u)::uuid, 'personnel', ${rv('u', 2)}, true from generate_series(1, $1) u
       union all select md5('p4u' || u)::uuid, 'vehicle', md5('p4c1')::uuid, false from generate_series(1, $1) u
       union all select md5('p4u' || u)::uuid, 'personnel', md5('p4c2')::uuid, false from generate_series(1, $1) u) x`,
      [U],
    );
    // approval chains: every second unit a person node; every fourth a role node too, and a CC
    await q(
      'chains',
      `insert into approval_chains (id, unit_id, kind, nodes, cc_staff_ids)
       select gen_random_uuid(), md5('p4u' || u)::uuid, 'appointment',
              case when u % 4 = 0 then jsonb_build_array(jsonb_build_object('type','person','staffId',${rv('u', 4)}), jsonb_build_object('type','role','role','approver'))
                   else jsonb_build_array(jsonb_build_object('type','person','staffId',${rv('u', 4)})) end,
              case when u % 4 = 0 then array[${rv('u', 2)}] else '{}'::uuid[] end
       from generate_series(1, $1) u where u % 2 = 0`,
      [U],
    );
    await q(
      '',
      `insert into admins (id, username, name, password_hash, role, unit_id) values
       (md5('p4a1')::uuid, 'p4admin', 'P4 系统管理员', 'x', 'system', null),
       (md5('p4a2')::uuid, 'p4unit', 'P4 单位管理员', 'x', 'unit', md5('p4u1')::uuid)`,
    );

    // ——— visitors: skewed use (vn small = frequent) ———
    await q(
      'visitors',
      `insert into visitors (id, phone, name, id_number_enc, id_number_idx, company, photo_key, created_at, deleted_at)
       select md5('p4v' || n)::uuid, case when n % 331 = 0 then 'deleted:' || md5('p4v' || n) else '17' || lpad(n::text, 9, '0') end,
              '访客' || n, 'x', 'idx' || n, '公司' || (n % 997), case when n % 10 < 3 then 'faces/p4/v' || n end,
              now() - (n % 700) * interval '1 day', case when n % 331 = 0 then now() - interval '3 days' end
       from generate_series(1, $1) n`,
      [V],
    );
    await q('', `create temp table _v as select n, md5('p4v' || n)::uuid as id, '17' || lpad(n::text, 9, '0') as phone from generate_series(1, $1) n`, [V]);
    await c.query(`create index on _v (n); create index on _h (n); analyze _v; analyze _h`);

    // ——— meeting rooms and bookings (no two live bookings of a room overlap: one slot each) ———
    const R = 20;
    const meetingOrders = Math.floor(N * 0.03);
    const B = Math.max(1, Math.ceil(meetingOrders / 6));
    await q(
      'rooms',
      `insert into meeting_rooms (id, name, capacity, review_required, approver_ids, undertaker_ids)
       select md5('p4m' || r)::uuid, 'P4会议室' || r, 30, r % 2 = 0, case when r % 2 = 0 then array[md5('p4c3')::uuid] else '{}'::uuid[] end, array[md5('p4c4')::uuid]
       from generate_series(1, $1) r`,
      [R],
    );
    // booking b: room 1 + b % R, slot s = b / R: day 14 - s / 8 (from two weeks ahead backwards), hour 9 + s % 8
    await q(
      'bookings',
      `insert into meeting_bookings (id, room_id, title, applicant_id, co_booker_ids, settlement_unit_id, seating, headcount, start_at, end_at, status, reviewed_by, reviewed_at, undertaken_by, undertaken_at, cancelled_at, created_at)
       select md5('p4b' || b)::uuid, md5('p4m' || (1 + b % $2))::uuid, '会议' || b, h.id, case when b % 5 = 0 then array[h2.id] else '{}'::uuid[] end, h.unit_id, '课桌式', 12,
              x.s, x.s + interval '1 hour', x.st,
              case when x.st in ('approved','rejected') and (1 + b % $2) % 2 = 0 then md5('p4c3')::uuid end,
              case when x.st in ('approved','rejected') and (1 + b % $2) % 2 = 0 then x.s - interval '2 days' end,
              case when x.st = 'approved' and (x.s < t.now or b % 3 > 0) then md5('p4c4')::uuid end,
              case when x.st = 'approved' and (x.s < t.now or b % 3 > 0) then x.s - interval '1 day' end,
              case when x.st = 'cancelled' then x.s - interval '1 day' end, x.s - interval '3 days'
       from generate_series(0, $1 - 1) b
       cross join _t t
       join _h h on h.n = 1 + ((b * 7919) % $3)
       join _h h2 on h2.n = 1 + ((b * 104729) % $3)
       cross join lateral (
         select t.t0 + (14 - (b / $2) / 8) * interval '1 day' + (9 + (b / $2) % 8) * interval '1 hour' as s
       ) s0
       cross join lateral (
         select s0.s,
                case when s0.s >= t.t0 and (1 + b % $2) % 2 = 0 and b % 3 = 0 then 'pending'
                     when b % 17 = 0 then 'cancelled' when b % 23 = 0 and (1 + b % $2) % 2 = 0 then 'rejected' else 'approved' end as st
       ) x`,
      [B, R, H],
    );

    // ——— orders: one row of dice per main order ———
    const S = Math.floor(N * 0.06); // companions
    const M = N - meetingOrders - S; // mains
    await q(
      '',
      `create temp table _o as
       with d as (
         select g, random() r1, random() r2, random() r3, random() r4, random() r5, random() r6, random() r7, random() r8 from generate_series(1, $1) g
       ), k as (
         select d.*,
                case when r1 < 0.01 then 'today' when r1 < 0.04 then 'future' else 'past' end as phase,
                1 + floor($2 * r3 * r3)::int as hn,
                1 + floor($3 * power(r4, 1.6))::int as vn
         from d
       )
       select k.*, case when r2 < 0.62 or (phase = 'future' and r2 >= 0.88) then 'appointment' when r2 < 0.88 then 'invitation' else 'walk_in' end as kind
       from k`,
      [M, H, V],
    );
    // status and window per phase (today relative to the real now: arrivals between midnight and now)
    await q(
      '',
      `create temp table _o2 as
       select o.*, h.id as host_id, h.unit_id, v.id as visitor_id, v.phone as visitor_phone, (u.n % 2 = 0) as chain_unit, (u.n % 4 = 0) as two_nodes,
              (o.kind = 'invitation' and o.r5 < 0.3) as no_review,
              case
                when o.phase = 'past' then case when o.kind = 'walk_in' or o.r7 < 0.78 then 'arrived' when o.r7 < 0.88 then 'confirmed' else 'cancelled' end
                when o.phase = 'today' then case when o.kind = 'walk_in' and o.r7 < 0.45 then 'arrived_on_site'
                                                 when o.r7 < 0.12 then 'pending' when o.r7 < 0.45 then 'confirmed' when o.r7 < 0.62 then 'arrived_on_site'
                                                 when o.r7 < 0.82 then 'arrived_left' when o.r7 < 0.86 then 'arrived_over' else 'cancelled' end
                else case when o.kind = 'invitation' and o.r7 < 0.08 then 'initiated' when o.r7 < 0.33 then 'pending' when o.r7 < 0.95 then 'confirmed' else 'cancelled' end
              end as st
       from _o o join _h h on h.n = o.hn join _v v on v.n = o.vn join _u u on u.id = h.unit_id`,
    );
    await q(
      '',
      `create temp table _o3 as
       select o.*, w.start_at, w.start_at + w.len as end_at, w.arrived_at, w.left_at,
              case when o.st = 'pending' and o.no_review then 'confirmed' when o.st like 'arrived%' then 'arrived' else o.st end as status
       from _o2 o cross join _t t
       cross join lateral (
         select *
         from (select
           case o.st
             when 'arrived_on_site' then t.t0 + o.r8 * (t.now - t.t0) - interval '15 minutes'
             when 'arrived_left' then t.t0 + o.r8 * (t.now - t.t0) - interval '15 minutes'
             when 'arrived_over' then t.now - interval '45 minutes' - o.r8 * interval '2 hours' - interval '2 hours'
             else case o.phase
               when 'past' then t.t0 - (1 + floor(o.r5 * 400)) * interval '1 day' + interval '8 hours' + floor(o.r6 * 20) * interval '30 minutes'
               when 'today' then case when o.st = 'pending' then t.now + o.r8 * interval '6 hours' else t.t0 + interval '8 hours' + o.r8 * interval '10 hours' end
               else t.t0 + (1 + floor(o.r8 * 14)) * interval '1 day' + interval '8 hours' + floor(o.r6 * 20) * interval '30 minutes' end
           end as start_at,
           case when o.st = 'arrived_on_site' then greatest(interval '2 hours', t.now - t.t0 + interval '1 hour') when o.st = 'arrived_over' then interval '2 hours' else (1 + floor(o.r6 * 3)) * interval '1 hour' end as len
         ) s
         cross join lateral (select
           case when o.st in ('arrived_on_site','arrived_left','arrived_over') or (o.phase = 'past' and o.st = 'arrived') then s.start_at + interval '15 minutes' end as arrived_at,
           case when o.st = 'arrived_left' then s.start_at + interval '15 minutes' + o.r6 * (t.now - s.start_at - interval '15 minutes')
                when o.phase = 'past' and o.st = 'arrived' then s.start_at + interval '75 minutes' end as left_at
         ) a
       ) w`,
    );
    await q(
      'orders (mains)',
      `insert into visit_orders (id, kind, status, cancel_reason, visitor_id, visitor_phone, host_id, unit_id, reason, start_at, end_at, plate, vehicle_status, vehicle_reviewed_at,
                                 review_required, created_by_visitor_id, created_by_staff_id, chain_step, submitted_at, decided_at, arrived_at, arrived_via, arrived_where, left_at, left_via, left_where, created_at)
       select md5('p4o' || o.g)::uuid, o.kind, o.status,
              case when o.status = 'cancelled' then (array['expired','rejected','withdrawn_by_visitor','withdrawn_by_host'])[1 + floor(o.r5 * 4)::int] end,
              case when o.status = 'initiated' then null else o.visitor_id end, o.visitor_phone, o.host_id, o.unit_id, '商务洽谈', o.start_at, o.end_at,
              case when o.r6 < 0.15 then '京A' || lpad((o.g % 100000)::text, 5, '0') end,
              case when o.r6 >= 0.15 then null when o.phase = 'past' then case when o.r8 < 0.93 then 'approved' else 'rejected' end when o.r8 < 0.4 then 'pending' else 'approved' end,
              case when o.r6 < 0.15 and (o.phase = 'past' or o.r8 >= 0.4) then o.start_at - interval '20 hours' end,
              not o.no_review,
              case when o.kind = 'appointment' then o.visitor_id end, case when o.kind <> 'appointment' then o.host_id end,
              case when o.status = 'pending' and o.kind = 'appointment' and o.chain_unit then case when o.r5 < 0.5 then 0 when o.two_nodes and o.r5 >= 0.8 then 2 else 1 end else 0 end,
              case when o.status <> 'initiated' then o.start_at - interval '1 day' end,
              case when o.status in ('confirmed','arrived','cancelled') then o.start_at - interval '22 hours' end,
              o.arrived_at, case when o.arrived_at is not null then case when o.kind = 'walk_in' then 'kiosk' else 'gate' end end,
              case when o.arrived_at is not null then case when o.kind = 'walk_in' then '大厅访客机' else 'A座闸机' || (1 + o.g % 4) end end,
              o.left_at, case when o.left_at is not null then 'gate' end, case when o.left_at is not null then 'A座出口' end,
              case when o.status = 'initiated' then t.now - o.r5 * interval '2 days' else o.start_at - interval '1 day' end
       from _o3 o cross join _t t
       order by o.start_at`, // in the order they were made, as a year of use lays them out on disk
    );
    // companions: copies of some appointments and invitations (same host, window and state), another visitor
    await q(
      'orders (companions)',
      `insert into visit_orders (id, kind, parent_id, origin, status, cancel_reason, visitor_id, visitor_phone, host_id, unit_id, reason, start_at, end_at, review_required,
                                 created_by_visitor_id, chain_step, submitted_at, decided_at, arrived_at, arrived_via, arrived_where, left_at, left_via, left_where, created_at)
       select md5('p4s' || m.id)::uuid, m.kind, m.id, 'companion', m.status, m.cancel_reason, case when m.status = 'initiated' then null else v.id end, v.phone, m.host_id, m.unit_id, m.reason,
              m.start_at, m.end_at, m.review_required, m.created_by_visitor_id, 0, m.submitted_at, m.decided_at, m.arrived_at, m.arrived_via, m.arrived_where, m.left_at, m.left_via, m.left_where, m.created_at
       from (select vo.* from _o o join visit_orders vo on vo.id = md5('p4o' || o.g)::uuid where o.kind in ('appointment','invitation') order by o.g limit $1) m
       join _v v on v.n = 1 + (abs(hashtext(m.id::text)) % $2)`,
      [S, V],
    );
    // meeting attendees: six per booking; the first an internal colleague (confirmed at once)
    await q(
      'orders (meeting attendees)',
      `insert into visit_orders (id, kind, status, cancel_reason, visitor_id, visitor_phone, host_id, unit_id, reason, start_at, end_at, meeting_id, attendee_staff_id,
                                 created_by_staff_id, submitted_at, decided_at, arrived_at, arrived_via, arrived_where, left_at, left_via, left_where, created_at)
       select md5('p4a' || b.id || a)::uuid, 'meeting', x.st, case when x.st = 'cancelled' then 'cascaded' end,
              case when a = 1 then null else v.id end, case when a = 1 then '139' || lpad(((hashtext(b.id::text) & 1023) + 1)::text, 8, '0') else v.phone end,
              b.applicant_id, b.settlement_unit_id, '会议', b.start_at, b.end_at, b.id, case when a = 1 then b.applicant_id end, b.applicant_id,
              b.created_at, case when x.st <> 'pending' then b.created_at end,
              case when x.st = 'arrived' then b.start_at - interval '5 minutes' end, case when x.st = 'arrived' then 'gate' end, case when x.st = 'arrived' then 'B座闸机1' end,
              case when x.st = 'arrived' and b.end_at < t.now then b.end_at + interval '5 minutes' end,
              case when x.st = 'arrived' and b.end_at < t.now then 'gate' end, case when x.st = 'arrived' and b.end_at < t.now then 'B座出口' end,
              b.created_at
       from meeting_bookings b cross join generate_series(1, 6) a cross join _t t
       join _v v on v.n = 1 + (abs(hashtext(b.id::text || a)) % $1)
       cross join lateral (select case
         when b.status in ('cancelled','rejected') then 'cancelled'
         when a = 1 then case when b.start_at < t.now then 'arrived' else 'confirmed' end
         when b.start_at < t.now then case when a % 5 = 0 then 'confirmed' else 'arrived' end
         when b.status = 'approved' and a % 3 = 0 then 'pending'
         else 'confirmed' end as st) x
`,
      [V],
    );
    // the approval chain as it stood at submission, for every submitted appointment main of a chain unit
    await q(
      'chain steps',
      `insert into order_chain_steps (order_id, position, node_type, staff_id, role, status, decided_by, decided_at)
       select vo.id, p.pos, case when p.pos = 1 then 'person' else 'role' end, case when p.pos = 1 then ${rv('u.n', 4)} end, case when p.pos = 2 then 'approver' end,
              case when vo.status = 'pending' and vo.chain_step <= p.pos then 'waiting' when vo.status = 'cancelled' and vo.cancel_reason = 'rejected' and p.pos = 1 then 'rejected'
                   when vo.status in ('confirmed','arrived') then 'approved' when vo.status = 'pending' then 'approved' else 'waiting' end,
              case when vo.status in ('confirmed','arrived') or (vo.status = 'pending' and vo.chain_step > p.pos) then case when p.pos = 1 then ${rv('u.n', 4)} else ${rv('u.n', 5)} end end,
              case when vo.status in ('confirmed','arrived') or (vo.status = 'pending' and vo.chain_step > p.pos) then vo.submitted_at + interval '2 hours' end
       from visit_orders vo join _u u on u.id = vo.unit_id and u.n % 2 = 0
       cross join generate_series(1, 2) p(pos)
       where vo.kind = 'appointment' and vo.parent_id is null and vo.status <> 'initiated' and (p.pos = 1 or u.n % 4 = 0)`,
    );
    // the node each pending order waits on, copied onto the order (as the review does)
    await q('', `update visit_orders o set chain_staff_id = s.staff_id, chain_role = s.role from order_chain_steps s where s.order_id = o.id and s.position = o.chain_step and o.chain_step > 0`);
    await q(
      'order cc',
      `insert into order_cc (order_id, staff_id, created_at)
       select vo.id, ${rv('u.n', 2)}, vo.submitted_at from visit_orders vo join _u u on u.id = vo.unit_id and u.n % 4 = 0
       where vo.kind = 'appointment' and vo.parent_id is null and vo.status <> 'initiated'`,
    );

    // ——— 人员审核: pending requests per unit (proxy registrations; one info change per unit), some decided ———
    await q(
      'personnel requests',
      `insert into personnel_requests (id, kind, applicant_id, unit_id, payload, status, reviewer_id, decided_at, created_at)
       select gen_random_uuid(), case when k = 1 then 'info_change' else 'proxy_registration' end, h.id, h.unit_id, 'x',
              case when k <= 3 then 'pending' when k % 2 = 0 then 'approved' else 'rejected' end,
              case when k > 3 then md5('p4c2')::uuid end, case when k > 3 then now() - k * interval '1 day' end, now() - k * interval '1 day'
       from _h h cross join generate_series(1, 10) k where h.n <= $1`,
      [U],
    );

    // ——— gates and the pass events of the last 30 days ———
    await q(
      '',
      `insert into access_devices (id, name, kind, adapter, direction) select md5('p4d' || d)::uuid, 'P4闸机' || d, 'gate', 'simulator', case when d <= 4 then 'in' else 'out' end from generate_series(1, 6) d`,
    );
    await q(
      'pass events',
      `insert into access_events (device_id, at, method, direction, order_id, result, device_at)
       select md5('p4d' || (1 + (abs(hashtext(vo.id::text)) % 4)))::uuid, vo.arrived_at, 'face', 'in', vo.id, 'granted', vo.arrived_at
       from visit_orders vo cross join _t t where vo.arrived_at >= t.t0 - interval '30 days'
       union all
       select md5('p4d' || (5 + (abs(hashtext(vo.id::text)) % 2)))::uuid, vo.left_at, 'face', 'out', vo.id, 'granted', vo.left_at
       from visit_orders vo cross join _t t where vo.left_at >= t.t0 - interval '30 days'
       order by 2`,
    );
    await q('', `update visitors v set last_visit_at = x.at from (select visitor_id, max(arrived_at) as at from visit_orders where visitor_id is not null and arrived_at is not null group by 1) x where x.visitor_id = v.id`);

    // ——— the job queue's history: finished jobs over 400 days, a few failed and dead ———
    await q(
      'jobs',
      `insert into jobs (id, type, key, payload, status, attempts, run_at, created_at, finished_at)
       select gen_random_uuid(), (array['notify.visit','sms.send','access.issue','access.revoke','webhook.deliver','visits.expire'])[1 + g % 6], 'p4:' || g, '{}', 'done', 1,
              ts, ts, ts + interval '1 second'
       from generate_series(1, $1) g cross join lateral (select now() - (g::float8 / $1) * interval '400 days' as ts) x`,
      [J],
    );
    await q(
      '',
      `insert into jobs (id, type, key, payload, status, attempts, max_attempts, run_at, last_error, created_at)
       select gen_random_uuid(), 'sms.send', 'p4:bad:' || g, '{}', case when g <= 40 then 'failed' else 'dead' end, case when g <= 40 then 3 else 8 end, 8,
              now() + interval '10 minutes', 'provider timeout', now() - g * interval '1 hour'
       from generate_series(1, 55) g`,
    );

    await c.query(`alter table visit_orders enable trigger user; alter table visitors enable trigger user`);
    await q('首页 counts', `select dashboard_counts_rebuild(now() - interval '40 days')`);
    // as a database in use looks after autovacuum: statistics, and the visibility map of settled rows
    await q('vacuum', `vacuum (analyze)`);

    // ——— what the benchmarks need back ———
    const rows = async <T>(sql: string, params: unknown[] = []) => (await c.query(sql, params)).rows as T[];
    const units = await rows<{ id: string; name: string }>(`select u.id, x.name from _u u join units x on x.id = u.id order by u.n`);
    const hosts = await rows<P4Staff>(`select h.id, h.unit_id as "unitId", s.phone from _h h join staff s on s.id = h.id order by h.n`);
    const staffOf = async (ids: string) => rows<P4Staff>(`select id, unit_id as "unitId", phone from staff where id = any(${ids}) order by phone`);
    const perUnit = (k: number, where = 'true') => staffOf(`array(select ${rv('n', k)} from _u where ${where})`);
    const [centerVehicle] = await staffOf(`array[md5('p4c1')::uuid]`);
    const [centerPersonnel] = await staffOf(`array[md5('p4c2')::uuid]`);
    const [roomApprover] = await staffOf(`array[md5('p4c3')::uuid]`);
    const [undertaker] = await staffOf(`array[md5('p4c4')::uuid]`);
    const visitors = await rows<{ id: string; phone: string }>(`select id, phone from _v order by n limit 1000`);
    const [cnt] = await rows<Record<string, string>>(
      `select (select count(*) from visit_orders) as orders, (select count(*) from visitors) as visitors, (select count(*) from jobs) as jobs,
              (select count(*) from visit_orders where status = 'pending') as pending,
              (select count(*) from visit_orders, _t where end_at > _t.t0 and start_at < _t.t1) as today,
              (select count(*) from visit_orders where status = 'arrived' and left_at is null) as on_site,
              (select count(*) from order_chain_steps) as steps, (select count(*) from meeting_bookings) as bookings, (select count(*) from access_events) as events`,
    );
    const seconds = (Date.now() - t0) / 1000;
    const set: P4Set = {
      units,
      hosts,
      reviewers: {
        chainPerson: await perUnit(4, 'n % 2 = 0'),
        chainRole: await perUnit(5, 'n % 4 = 0'),
        vehicle: await perUnit(1),
        centerVehicle: centerVehicle!,
        personnel: await perUnit(3),
        centerPersonnel: centerPersonnel!,
        roomApprover: roomApprover!,
        undertaker: undertaker!,
      },
      chainUnitIds: (await rows<{ id: string }>(`select id from _u where n % 2 = 0 order by n`)).map((r) => r.id),
      visitors,
      admins: { system: (await rows<{ id: string }>(`select md5('p4a1')::uuid as id`))[0]!.id, unit: { id: (await rows<{ id: string }>(`select md5('p4a2')::uuid as id`))[0]!.id, unitId: units[0]!.id } },
      counts: {
        orders: Number(cnt!.orders),
        visitors: Number(cnt!.visitors),
        jobs: Number(cnt!.jobs),
        pending: Number(cnt!.pending),
        ordersToday: Number(cnt!.today),
        onSiteNow: Number(cnt!.on_site),
        chainSteps: Number(cnt!.steps),
        bookings: Number(cnt!.bookings),
        accessEvents: Number(cnt!.events),
      },
      seconds,
    };
    log(`  p4: loaded in ${seconds.toFixed(0)} s — ${describeP4(set)}`);
    return set;
  } finally {
    await c.query(`alter table visit_orders enable trigger user; alter table visitors enable trigger user`).catch(() => {});
    await c.query(`drop table if exists _t, _u, _h, _v, _o, _o2, _o3`).catch(() => {});
    c.release();
  }
}

/** How the set came to be in the bench's database, for a report's setup text. */
export function loadedP4(p: P4Set): string {
  return p.copied === undefined ? `loaded in ${p.seconds.toFixed(0)} s` : `loaded in ${p.seconds.toFixed(0)} s earlier today for another bench, copied in ${p.copied.toFixed(0)} s`;
}

/** One line for a report's setup text. */
export function describeP4(p: P4Set): string {
  const f = (n: number) => n.toLocaleString('en-US');
  const k = p.counts;
  return `${f(k.orders)} orders (${f(k.pending)} pending, ${f(k.ordersToday)} today, ${f(k.onSiteNow)} on site), ${f(k.visitors)} visitors, ${f(k.jobs)} jobs, ${p.units.length} units, ${f(p.hosts.length)} hosts, ${f(k.chainSteps)} chain steps, ${f(k.bookings)} bookings, ${f(k.accessEvents)} pass events`;
}

const TEMPLATE_PREFIX = 'sg_bench_p4_';

/**
 * A scratch database holding the P4 set, for a bench that measures on it. The set is loaded once
 * into a template database (sg_bench_p4_<key>, the key covering the sizes, the zone, the schema's
 * migrations, this loader and the center's date: "today" and "on site" are the loading day's) and
 * each bench gets a copy (CREATE DATABASE … TEMPLATE: a file copy, statistics included — seconds,
 * where loading takes two minutes). `npm run bench` so loads P4 once for the benches that use it and
 * drops the template at the end (dropP4Templates); a template of another key is dropped when a new
 * one is loaded.
 */
export async function p4Scratch(serverUrl: string, prefix: string, opts: P4Options = {}): Promise<{ scratch: { url: string; name: string; drop: () => Promise<void> }; p4: P4Set }> {
  const { createScratchDatabase } = await import('../../server/src/db/scratch.js');
  const { openDatabase, migrationsFolder } = await import('../../server/src/platform/db.js');
  const o = { ...p4Options(), ...opts };
  const day = new Intl.DateTimeFormat('en-CA', { timeZone: o.timeZone }).format(new Date());
  const loader = fs.readFileSync(fileURLToPath(import.meta.url), 'utf8');
  const key = createHash('sha256').update(JSON.stringify([o.orders, o.visitors, o.jobs, o.units, o.hostsPerUnit, o.timeZone, day, fs.readdirSync(migrationsFolder, { recursive: true }).sort(), loader])).digest('hex').slice(0, 12);
  const template = `${TEMPLATE_PREFIX}${key}`;
  const log = o.log ?? ((l: string) => console.log(l));
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    const found = await admin.query(`select 1 from pg_database where datname = $1`, [template]);
    if (!found.rowCount) {
      for (const { datname } of (await admin.query<{ datname: string }>(`select datname from pg_database where datname like $1`, [`${TEMPLATE_PREFIX}%`])).rows) await admin.query(`drop database if exists ${datname} with (force)`);
      const loading = await createScratchDatabase(serverUrl, `${template}_loading`);
      const database = await openDatabase({ url: loading.url, poolMax: 2 });
      await database.migrate();
      await database.close();
      const pool = new pg.Pool({ connectionString: loading.url, max: 2 });
      try {
        const set = await loadP4(pool, o);
        await pool.query(`create table bench_p4 (set jsonb not null)`);
        await pool.query(`insert into bench_p4 values ($1)`, [JSON.stringify(set)]);
      } finally {
        await pool.end();
      }
      await admin.query(`alter database ${loading.name} rename to ${template}`);
    } else log(`  p4: a copy of ${template}, loaded earlier today with the same sizes and schema`);
    const t = Date.now();
    const scratch = await createScratchDatabase(serverUrl, prefix, template);
    const copied = (Date.now() - t) / 1000;
    const c = new pg.Client({ connectionString: scratch.url });
    await c.connect();
    try {
      const [{ set }] = (await c.query<{ set: P4Set }>(`select set from bench_p4`)).rows as [{ set: P4Set }];
      await c.query(`drop table bench_p4`);
      return { scratch, p4: found.rowCount ? { ...set, copied } : set };
    } finally {
      await c.end();
    }
  } finally {
    await admin.end();
  }
}

/** Drop the P4 templates p4Scratch left (npm run bench, at its end). */
export async function dropP4Templates(serverUrl: string): Promise<number> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    const rows = (await admin.query<{ datname: string }>(`select datname from pg_database where datname like $1`, [`${TEMPLATE_PREFIX}%`])).rows;
    for (const { datname } of rows) await admin.query(`drop database if exists ${datname} with (force)`);
    return rows.length;
  } finally {
    await admin.end();
  }
}
