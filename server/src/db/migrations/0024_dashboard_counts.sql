CREATE TABLE "dashboard_counts" (
	"metric" text NOT NULL,
	"day" date,
	"hour" smallint,
	"unit_id" uuid,
	"n" integer NOT NULL,
	"folded" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE INDEX "dashboard_counts_metric_day" ON "dashboard_counts" USING btree ("metric","day");--> statement-breakpoint
CREATE INDEX "dashboard_counts_unfolded" ON "dashboard_counts" USING btree ("metric") WHERE not "dashboard_counts"."folded";--> statement-breakpoint
-- 首页 figures kept by the database (decision 0019; schema/dashboard.ts). Written by hand below the generated table.
-- The center's time zone, written by the app at start (TZ_CENTER); until then the default. (plpgsql: its plan is kept.)
CREATE FUNCTION "dashboard_time_zone"() RETURNS text LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN coalesce((SELECT "value" #>> '{}' FROM "settings" WHERE "key" = 'center_time_zone'), 'Asia/Shanghai');
END $$;--> statement-breakpoint
-- What one order counts for on 首页 (schema/dashboard.ts lists the metrics); nothing for nulls. Plain
-- arguments and one SELECT, so that PostgreSQL inlines it into the trigger's and the recount's plans
-- (with a whole-row argument it is planned again on every call: a millisecond per written order).
CREATE FUNCTION "visit_count_rows"("status" text, "start_at" timestamptz, "end_at" timestamptz, "arrived_at" timestamptz, "left_at" timestamptz, tz text)
RETURNS TABLE ("metric" text, "day" date, "hour" smallint) LANGUAGE sql STABLE AS $$
  SELECT c.* FROM (
    SELECT ("start_at" AT TIME ZONE tz)::date AS "first", (("end_at" - interval '1 microsecond') AT TIME ZONE tz)::date AS "last",
           ("arrived_at" AT TIME ZONE tz) AS "arrival"
  ) w
  CROSS JOIN LATERAL (
    SELECT 'expected' AS "metric", d::date AS "day", NULL::smallint AS "hour" FROM generate_series(w."first", w."last", interval '1 day') d WHERE "status" IN ('confirmed', 'arrived')
    UNION ALL SELECT 'cancelled', d::date, NULL FROM generate_series(w."first", w."last", interval '1 day') d WHERE "status" = 'cancelled'
    UNION ALL SELECT 'arrived', w."arrival"::date, extract(hour FROM w."arrival")::smallint WHERE "status" = 'arrived' AND w."arrival"::date BETWEEN w."first" AND w."last"
    UNION ALL SELECT 'left', w."arrival"::date, NULL WHERE "status" = 'arrived' AND "left_at" IS NOT NULL AND w."arrival"::date BETWEEN w."first" AND w."last"
    UNION ALL SELECT 'start_expected', w."first", NULL WHERE "status" IN ('confirmed', 'arrived')
    UNION ALL SELECT 'start_arrived', w."first", NULL WHERE "arrived_at" IS NOT NULL
    UNION ALL SELECT 'pending', NULL, NULL WHERE "status" = 'pending'
  ) c
$$;--> statement-breakpoint
CREATE FUNCTION "visitor_count_rows"("id" uuid, "deleted_at" timestamptz, "photo_key" text)
RETURNS TABLE ("metric" text) LANGUAGE sql IMMUTABLE AS $$
  SELECT 'visitors' WHERE "id" IS NOT NULL AND "deleted_at" IS NULL
  UNION ALL SELECT 'visitor_faces' WHERE "photo_key" IS NOT NULL
$$;--> statement-breakpoint
-- A changed order: what it counts for now, less what it counted for before (nothing written when equal).
CREATE FUNCTION "visit_orders_dashboard_counts"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE tz text := "dashboard_time_zone"();
BEGIN
  INSERT INTO "dashboard_counts" ("metric", "day", "hour", "unit_id", "n")
  SELECT c."metric", c."day", c."hour", o."unit_id", sum(o."n")::int
  FROM (VALUES (1, NEW."status", NEW."unit_id", NEW."start_at", NEW."end_at", NEW."arrived_at", NEW."left_at"),
               (-1, OLD."status", OLD."unit_id", OLD."start_at", OLD."end_at", OLD."arrived_at", OLD."left_at"))
       AS o("n", "status", "unit_id", "start_at", "end_at", "arrived_at", "left_at")
  CROSS JOIN LATERAL "visit_count_rows"(o."status", o."start_at", o."end_at", o."arrived_at", o."left_at", tz) c
  GROUP BY 1, 2, 3, 4 HAVING sum(o."n") <> 0;
  RETURN NULL;
END $$;--> statement-breakpoint
-- Orders inserted or deleted: once per statement over its rows (a bulk insert counts in one pass).
CREATE FUNCTION "visit_orders_dashboard_counts_rows"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE tz text := "dashboard_time_zone"();
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO "dashboard_counts" ("metric", "day", "hour", "unit_id", "n")
    SELECT c."metric", c."day", c."hour", o."unit_id", count(*)::int
    FROM "changed" o CROSS JOIN LATERAL "visit_count_rows"(o."status", o."start_at", o."end_at", o."arrived_at", o."left_at", tz) c
    GROUP BY 1, 2, 3, 4;
  ELSE
    INSERT INTO "dashboard_counts" ("metric", "day", "hour", "unit_id", "n")
    SELECT c."metric", c."day", c."hour", o."unit_id", -count(*)::int
    FROM "changed" o CROSS JOIN LATERAL "visit_count_rows"(o."status", o."start_at", o."end_at", o."arrived_at", o."left_at", tz) c
    GROUP BY 1, 2, 3, 4;
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE FUNCTION "visitors_dashboard_counts"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "dashboard_counts" ("metric", "n")
  SELECT c."metric", sum(v."n")::int
  FROM (VALUES (1, NEW."id", NEW."deleted_at", NEW."photo_key"), (-1, OLD."id", OLD."deleted_at", OLD."photo_key")) AS v("n", "id", "deleted_at", "photo_key")
  CROSS JOIN LATERAL "visitor_count_rows"(v."id", v."deleted_at", v."photo_key") c
  GROUP BY 1 HAVING sum(v."n") <> 0;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE FUNCTION "visitors_dashboard_counts_rows"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "dashboard_counts" ("metric", "n")
  SELECT c."metric", (CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE -1 END) * count(*)::int
  FROM "changed" v CROSS JOIN LATERAL "visitor_count_rows"(v."id", v."deleted_at", v."photo_key") c
  GROUP BY 1;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "visit_orders_dashboard_counts_insert" AFTER INSERT ON "visit_orders" REFERENCING NEW TABLE AS "changed" FOR EACH STATEMENT EXECUTE FUNCTION "visit_orders_dashboard_counts_rows"();--> statement-breakpoint
CREATE TRIGGER "visit_orders_dashboard_counts_delete" AFTER DELETE ON "visit_orders" REFERENCING OLD TABLE AS "changed" FOR EACH STATEMENT EXECUTE FUNCTION "visit_orders_dashboard_counts_rows"();--> statement-breakpoint
CREATE TRIGGER "visit_orders_dashboard_counts_update" AFTER UPDATE OF "status", "unit_id", "start_at", "end_at", "arrived_at", "left_at" ON "visit_orders" FOR EACH ROW
  WHEN (OLD."status" IS DISTINCT FROM NEW."status" OR OLD."unit_id" IS DISTINCT FROM NEW."unit_id" OR OLD."start_at" IS DISTINCT FROM NEW."start_at"
     OR OLD."end_at" IS DISTINCT FROM NEW."end_at" OR OLD."arrived_at" IS DISTINCT FROM NEW."arrived_at" OR OLD."left_at" IS DISTINCT FROM NEW."left_at")
  EXECUTE FUNCTION "visit_orders_dashboard_counts"();--> statement-breakpoint
CREATE TRIGGER "visitors_dashboard_counts_insert" AFTER INSERT ON "visitors" REFERENCING NEW TABLE AS "changed" FOR EACH STATEMENT EXECUTE FUNCTION "visitors_dashboard_counts_rows"();--> statement-breakpoint
CREATE TRIGGER "visitors_dashboard_counts_delete" AFTER DELETE ON "visitors" REFERENCING OLD TABLE AS "changed" FOR EACH STATEMENT EXECUTE FUNCTION "visitors_dashboard_counts_rows"();--> statement-breakpoint
CREATE TRIGGER "visitors_dashboard_counts_update" AFTER UPDATE OF "deleted_at", "photo_key" ON "visitors" FOR EACH ROW
  WHEN (OLD."deleted_at" IS DISTINCT FROM NEW."deleted_at" OR OLD."photo_key" IS DISTINCT FROM NEW."photo_key")
  EXECUTE FUNCTION "visitors_dashboard_counts"();--> statement-breakpoint
-- Recount from the tables (a new time zone; a bulk load with the triggers off): the orders that can
-- still show on 首页 — ending after `since`, or pending — and every visitor. Folded rows, one per key.
CREATE FUNCTION "dashboard_counts_rebuild"(since timestamptz) RETURNS void LANGUAGE plpgsql AS $$
DECLARE tz text := "dashboard_time_zone"();
BEGIN
  LOCK TABLE "dashboard_counts" IN EXCLUSIVE MODE;
  DELETE FROM "dashboard_counts";
  INSERT INTO "dashboard_counts" ("metric", "day", "hour", "unit_id", "n", "folded")
  SELECT c."metric", c."day", c."hour", o."unit_id", count(*)::int, true
  FROM "visit_orders" o CROSS JOIN LATERAL "visit_count_rows"(o."status", o."start_at", o."end_at", o."arrived_at", o."left_at", tz) c
  WHERE o."end_at" > since OR o."status" = 'pending'
  GROUP BY 1, 2, 3, 4;
  INSERT INTO "dashboard_counts" ("metric", "n", "folded")
  SELECT c."metric", count(*)::int, true
  FROM "visitors" v CROSS JOIN LATERAL "visitor_count_rows"(v."id", v."deleted_at", v."photo_key") c
  GROUP BY 1;
END $$;--> statement-breakpoint
-- One folded row per key (NULLS NOT DISTINCT: drizzle's index builder cannot say it, so by hand).
CREATE UNIQUE INDEX "dashboard_counts_key" ON "dashboard_counts" ("metric", "day", "hour", "unit_id") NULLS NOT DISTINCT WHERE "folded";--> statement-breakpoint
-- The minute fold: the appended rows summed into their key's folded row, days before keep_from dropped.
-- Two folds at once are safe: each takes the rows it deleted, and adds them under the key's row lock.
CREATE FUNCTION "dashboard_counts_fold"(keep_from date) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE written integer;
BEGIN
  WITH taken AS (DELETE FROM "dashboard_counts" WHERE NOT "folded" RETURNING "metric", "day", "hour", "unit_id", "n")
  INSERT INTO "dashboard_counts" AS c ("metric", "day", "hour", "unit_id", "n", "folded")
  SELECT "metric", "day", "hour", "unit_id", sum("n")::int, true FROM taken GROUP BY 1, 2, 3, 4
  ON CONFLICT ("metric", "day", "hour", "unit_id") WHERE "folded" DO UPDATE SET "n" = c."n" + excluded."n";
  GET DIAGNOSTICS written = ROW_COUNT;
  DELETE FROM "dashboard_counts" WHERE "day" < keep_from OR ("folded" AND "n" = 0);
  RETURN written;
END $$;--> statement-breakpoint
SELECT "dashboard_counts_rebuild"(now() - interval '40 days');
