/**
 * Demo data for a fresh install (DEMO_DATA=true): one center, 3 units with departments,
 * 2 buildings, 30 staff, a few registered visitors, meeting rooms, simulator gates, a meeting and
 * (outside production) a lobby kiosk. Idempotent: runs once per database.
 */
import { and, eq, inArray, isNull } from 'drizzle-orm';
import { accessDevices, buildings, departments, meetingBookings, meetingRooms, settings, staff, unitReviewers, units, visitors } from './schema/index.js';
import type { AppContext } from '../platform/context.js';
import { hashPassword } from '../modules/identity/identity.service.js';
import { MeetingInvitesService } from '../modules/meetings/invites.service.js';
import { seedDemoKiosk } from '../modules/kiosk/demo-kiosk.js';

export const DEMO_STAFF_PASSWORD = 'Safeguard@2026';
/** 姜柠檬, the first demo staff member (README, start banner) */
export const DEMO_STAFF_PHONE = '17348862736';

/** Completes a 17-digit prefix with its GB 11643 check digit. */
export function withIdCheckDigit(first17: string): string {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * w[i]!, 0);
  return first17 + '10X98765432'[sum % 11];
}

const UNITS = [
  {
    name: '市机关事务管理局',
    code: 'JGSW',
    building: 0,
    depts: ['办公室', '行政处', '安保处', '后勤服务中心'],
    instructions: '1. 请携带本人有效身份证件，按预约时间到达。\n2. 已上传照片的访客可刷脸通行，未上传照片请携带身份证在访客机登记。\n3. 请遵守行政中心安全管理规定，听从安保人员指引。',
  },
  {
    name: '市发展和改革委员会',
    code: 'FGW',
    building: 0,
    depts: ['办公室', '规划处', '投资处'],
    instructions: '来访请提前一天预约，并在来访事由中写明办理事项。\n办理窗口时间：工作日 9:00-11:30，14:00-17:00。',
  },
  {
    name: '市自然资源和规划局',
    code: 'ZRZY',
    building: 1,
    depts: ['办公室', '用地审批处', '测绘处'],
    instructions: '办理用地审批事项请携带相关材料原件。',
  },
];

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹';
const GIVEN = ['伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '洋', '艳', '勇', '军', '杰', '娟', '涛', '明', '超', '秀英', '霞', '平', '刚', '桂英', '建华', '文', '华', '玉兰', '晨', '宇', '浩', '欣'];

export async function seedDemo(ctx: AppContext): Promise<boolean> {
  const { db, crypto } = ctx;
  const [done] = await db.select().from(settings).where(eq(settings.key, 'demo_seeded'));
  if (done) {
    await seedDemoRooms(ctx);
    await seedDemoGates(ctx);
    await seedDemoDoors(ctx);
    await seedDemoReviewers(ctx);
    await seedDemoMeeting(ctx);
    await seedDemoKiosk(ctx);
    return false;
  }
  const passwordHash = await hashPassword(DEMO_STAFF_PASSWORD);
  await db.transaction(async (tx) => {
    const b = await tx
      .insert(buildings)
      .values([
        { name: '行政中心1号楼', address: '市府路1号' },
        { name: '行政中心2号楼', address: '市府路3号' },
      ])
      .returning();
    let n = 0;
    for (const [ui, u] of UNITS.entries()) {
      const [unit] = await tx
        .insert(units)
        .values({ name: u.name, code: u.code, buildingId: b[u.building]!.id, instructions: u.instructions, sortOrder: ui })
        .returning();
      const depts = await tx
        .insert(departments)
        .values(u.depts.map((name, i) => ({ unitId: unit!.id, name, sortOrder: i })))
        .returning();
      for (let i = 0; i < 10; i++) {
        const first = n === 0;
        const name = first ? '姜柠檬' : SURNAMES[n % SURNAMES.length]! + GIVEN[(n * 7) % GIVEN.length]!;
        const phone = first ? DEMO_STAFF_PHONE : `1390000${String(1000 + n).slice(-4)}`;
        const idNumber = withIdCheckDigit(`330302${1970 + (n % 30)}0${1 + (n % 9)}1${n % 10}${String(100 + n).slice(-3)}`);
        await tx.insert(staff).values({
          unitId: unit!.id,
          departmentId: depts[i % depts.length]!.id,
          name,
          phone,
          employeeNo: `${u.code}${String(i + 1).padStart(3, '0')}`,
          idNumberEnc: crypto.encrypt(idNumber),
          idNumberIdx: crypto.blindIndex(idNumber),
          officeRoom: `${ui + 1}${String(200 + i * 3)}`,
          officePhone: `0577-8${String(8000000 + n * 13).slice(-7)}`,
          position: i === 0 ? '处长' : i < 3 ? '科长' : '科员',
          visitPermission: i % 3 !== 2,
          roles: i === 0 ? ['staff', 'unit_admin', 'personnel_reviewer'] : i === 1 ? ['staff', 'room_approver', 'undertaker'] : ['staff'],
          passwordHash: i < 2 ? passwordHash : null,
        });
        n++;
      }
    }
    const demoVisitors = [
      { name: '陈小春', phone: '13800000001', company: '温州建设集团', position: '项目经理' },
      { name: '林晓燕', phone: '13800000002', company: '浙江大学', position: '研究员' },
      { name: '赵明远', phone: '13800000003', company: null, position: null },
    ];
    for (const [i, v] of demoVisitors.entries()) {
      const idNumber = withIdCheckDigit(`33030219880${i + 1}15${String(231 + i)}`);
      await tx.insert(visitors).values({ ...v, idType: 'prc_id', idNumberEnc: crypto.encrypt(idNumber), idNumberIdx: crypto.blindIndex(idNumber) });
    }
    await tx.insert(settings).values({ key: 'demo_seeded', value: { at: ctx.clock.now().toISOString() } });
  });
  ctx.log.info('demo data loaded: 3 units, 2 buildings, 30 staff, 3 visitors');
  await seedDemoRooms(ctx);
  await seedDemoGates(ctx);
  await seedDemoDoors(ctx);
  await seedDemoReviewers(ctx);
  await seedDemoMeeting(ctx);
  await seedDemoKiosk(ctx);
  return true;
}

// ------------------------------------------------------------------ meeting rooms (A5)

/**
 * Five demo meeting rooms; 大会议室 needs review by the 2nd staff member of the first unit and is
 * undertaken by the 3rd; 发改委小会议室 is 市发展和改革委员会's own (its staff only). Runs once per database (its own marker), also on a database seeded
 * before rooms existed; a room whose name is taken is left alone.
 */
export async function seedDemoRooms(ctx: AppContext): Promise<boolean> {
  const [done] = await ctx.db.select().from(settings).where(eq(settings.key, 'demo_rooms_seeded'));
  if (done) return false;
  await ctx.db.transaction(async (tx) => {
    const building = async (name: string) => (await tx.select({ id: buildings.id }).from(buildings).where(eq(buildings.name, name)))[0]?.id ?? null;
    const staffNo = async (no: string) =>
      (await tx.select({ id: staff.id }).from(staff).where(and(eq(staff.employeeNo, no), isNull(staff.deletedAt))))[0]?.id ?? null;
    const unitNamed = async (name: string) => (await tx.select({ id: units.id }).from(units).where(eq(units.name, name)))[0]?.id ?? null;
    const b1 = await building('行政中心1号楼');
    const b2 = await building('行政中心2号楼');
    const approver = await staffNo(`${UNITS[0]!.code}002`);
    const undertaker = await staffNo(`${UNITS[0]!.code}003`);
    const rooms: Array<typeof meetingRooms.$inferInsert> = [
      { name: '第一会议室', buildingId: b1, floor: '3楼', location: '301室', capacity: 20, seatingStyles: ['课桌式', '回字形', 'U形'], services: ['电视/投影', '茶水', '矿泉水', '白板'], sort: 1 },
      { name: '第二会议室', buildingId: b1, floor: '3楼', location: '305室', capacity: 12, seatingStyles: ['回字形', 'U形'], services: ['电视/投影', '茶水'], sort: 2 },
      {
        name: '大会议室',
        buildingId: b1,
        floor: '1楼',
        location: '东侧101室',
        capacity: 80,
        seatingStyles: ['剧院式', '课桌式', '回字形'],
        services: ['电视/投影', '电脑', '席签', '茶水', '矿泉水', '话筒'],
        reviewRequired: Boolean(approver),
        approverIds: approver ? [approver] : [],
        undertakerIds: undertaker ? [undertaker] : [],
        sort: 3,
      },
      { name: '发改委小会议室', unitId: await unitNamed('市发展和改革委员会'), buildingId: b2, floor: '5楼', location: '508室', capacity: 10, seatingStyles: ['回字形'], services: ['电视/投影', '茶水'], sort: 5 },
      { name: '培训室', buildingId: b2, floor: '2楼', location: '201室', capacity: 40, seatingStyles: ['课桌式', '剧院式', '岛屿式'], services: ['电视/投影', '电脑', '话筒', '白板', '矿泉水'], openFrom: 480, openTo: 1260, sort: 4 },
    ];
    for (const r of rooms) {
      const [taken] = await tx.select({ id: meetingRooms.id }).from(meetingRooms).where(eq(meetingRooms.name, r.name));
      if (!taken) await tx.insert(meetingRooms).values(r);
    }
    await tx.insert(settings).values({ key: 'demo_rooms_seeded', value: { at: ctx.clock.now().toISOString() } });
  });
  ctx.log.info('demo meeting rooms loaded: 5 rooms');
  return true;
}

// ------------------------------------------------------------------ access devices (A7, X4)

/**
 * One simulator turnstile per demo building, so that issuance and 模拟通行 can be tried without
 * hardware (设备管理). Runs once per database (its own marker); a building that already has a
 * device named like the demo one is left alone.
 */
export async function seedDemoGates(ctx: AppContext): Promise<boolean> {
  const [done] = await ctx.db.select().from(settings).where(eq(settings.key, 'demo_gates_seeded'));
  if (done) return false;
  let n = 0;
  await ctx.db.transaction(async (tx) => {
    for (const b of await tx.select({ id: buildings.id, name: buildings.name }).from(buildings).where(inArray(buildings.name, ['行政中心1号楼', '行政中心2号楼']))) {
      const name = `${b.name}入口闸机（模拟）`;
      const [taken] = await tx.select({ id: accessDevices.id }).from(accessDevices).where(eq(accessDevices.name, name));
      if (taken) continue;
      await tx.insert(accessDevices).values({ name, kind: 'gate', adapter: 'simulator', address: `${b.name}大厅`, buildingIds: [b.id], direction: 'both', health: 'ok' });
      n++;
    }
    await tx.insert(settings).values({ key: 'demo_gates_seeded', value: { at: ctx.clock.now().toISOString() } });
  });
  ctx.log.info(`demo access devices loaded: ${n} simulator gates`);
  return true;
}

/**
 * A6 reviewers: in each demo unit the 1st and 2nd staff members review personnel requests (S8
 * 人员审核 — so 姜柠檬's own change goes to the 2nd, nobody reviews their own) and the 2nd reviews
 * plates (车辆审核). Runs once per database (its own marker); units without such staff are skipped.
 */
export async function seedDemoReviewers(ctx: AppContext): Promise<boolean> {
  const [done] = await ctx.db.select().from(settings).where(eq(settings.key, 'demo_reviewers_seeded'));
  if (done) return false;
  await ctx.db.transaction(async (tx) => {
    for (const u of UNITS) {
      const nos = [`${u.code}001`, `${u.code}002`];
      const people = await tx.select({ id: staff.id, unitId: staff.unitId, no: staff.employeeNo }).from(staff).where(and(inArray(staff.employeeNo, nos), isNull(staff.deletedAt)));
      const first = people.find((p) => p.no === nos[0]);
      const second = people.find((p) => p.no === nos[1]);
      if (!first || !second) continue;
      await tx.insert(unitReviewers).values([
        { unitId: first.unitId, kind: 'personnel', staffId: first.id, cc: false },
        { unitId: first.unitId, kind: 'personnel', staffId: second.id, cc: false },
        { unitId: first.unitId, kind: 'vehicle', staffId: second.id, cc: false },
      ]);
    }
    await tx.insert(settings).values({ key: 'demo_reviewers_seeded', value: { at: ctx.clock.now().toISOString() } });
  });
  return true;
}

/**
 * 远程开门 (S3): a simulator door in 1号楼 that the first demo unit (姜柠檬's) and reception may open
 * from the staff app; 设备管理 shows it open. Runs once per database (its own marker).
 */
export async function seedDemoDoors(ctx: AppContext): Promise<boolean> {
  const [done] = await ctx.db.select().from(settings).where(eq(settings.key, 'demo_doors_seeded'));
  if (done) return false;
  let n = 0;
  await ctx.db.transaction(async (tx) => {
    const [b] = await tx.select({ id: buildings.id, name: buildings.name }).from(buildings).where(eq(buildings.name, '行政中心1号楼'));
    const [u] = await tx.select({ id: units.id }).from(units).where(eq(units.name, UNITS[0]!.name));
    const name = '行政中心1号楼 办公区门禁（模拟）';
    const [taken] = await tx.select({ id: accessDevices.id }).from(accessDevices).where(eq(accessDevices.name, name));
    if (b && u && !taken) {
      await tx.insert(accessDevices).values({ name, kind: 'door', adapter: 'simulator', address: `${b.name}办公区`, buildingIds: [b.id], direction: 'in', health: 'ok', remoteOpen: true, doorNo: 1, openUnitIds: [u.id], openRoles: ['reception'] });
      n++;
    }
    await tx.insert(settings).values({ key: 'demo_doors_seeded', value: { at: ctx.clock.now().toISOString() } });
  });
  ctx.log.info(`demo remote doors loaded: ${n}`);
  return true;
}

// ------------------------------------------------------------------ a demo meeting (S5–S8)

/**
 * One booked meeting tomorrow 10:00–11:30 in 第一会议室, booked by the first unit's 2nd staff member
 * (李磊), with 姜柠檬 and a colleague invited (已确认 at once: 我的会议) and one external guest whose
 * SMS link waits in the outbox (已发起). Runs once per database (its own marker).
 */
export async function seedDemoMeeting(ctx: AppContext): Promise<boolean> {
  const [done] = await ctx.db.select().from(settings).where(eq(settings.key, 'demo_meeting_seeded'));
  if (done) return false;
  const staffNo = async (no: string) => (await ctx.db.select({ id: staff.id, unitId: staff.unitId }).from(staff).where(and(eq(staff.employeeNo, no), isNull(staff.deletedAt))))[0];
  const applicant = await staffNo(`${UNITS[0]!.code}002`);
  const jiang = await staffNo(`${UNITS[0]!.code}001`);
  const colleague = await staffNo(`${UNITS[0]!.code}004`);
  const [room] = await ctx.db.select({ id: meetingRooms.id }).from(meetingRooms).where(eq(meetingRooms.name, '第一会议室'));
  if (!applicant || !jiang || !colleague || !room) return false;
  const tomorrow = new Date(ctx.clock.startOfDay().getTime() + 24 * 3600_000);
  const [booking] = await ctx.db
    .insert(meetingBookings)
    .values({
      roomId: room.id,
      title: '季度工作例会',
      applicantId: applicant.id,
      coBookerIds: [jiang.id],
      settlementUnitId: applicant.unitId,
      seating: '回字形',
      headcount: 12,
      services: ['电视/投影', '茶水'],
      startAt: new Date(tomorrow.getTime() + 10 * 3600_000),
      endAt: new Date(tomorrow.getTime() + 11.5 * 3600_000),
      status: 'approved',
      reviewedAt: ctx.clock.now(),
    })
    .returning();
  await new MeetingInvitesService(ctx).invite({ type: 'staff', id: applicant.id }, booking!.id, {
    internal: [jiang.id, colleague.id],
    external: [{ name: '周文华', phone: '13800000009' }],
    meetingType: '工作例会',
    chair: '李磊',
  });
  await ctx.db.insert(settings).values({ key: 'demo_meeting_seeded', value: { at: ctx.clock.now().toISOString(), bookingId: booking!.id } });
  ctx.log.info('demo meeting loaded: 季度工作例会 tomorrow 10:00 in 第一会议室');
  return true;
}
