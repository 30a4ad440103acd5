CREATE TABLE "kiosk_checks" (
	"id" uuid PRIMARY KEY NOT NULL,
	"device_id" uuid NOT NULL,
	"idempotency_key" text NOT NULL,
	"kind" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"occurred_at" timestamp with time zone,
	"temperature" text,
	"health_code" text,
	"results" jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "visit_orders" ADD COLUMN "arrived_via" text;--> statement-breakpoint
ALTER TABLE "visit_orders" ADD COLUMN "arrived_where" text;--> statement-breakpoint
ALTER TABLE "visit_orders" ADD COLUMN "left_via" text;--> statement-breakpoint
ALTER TABLE "visit_orders" ADD COLUMN "left_where" text;--> statement-breakpoint
ALTER TABLE "visit_orders" ADD COLUMN "overstay_notified_at" timestamp with time zone;--> statement-breakpoint
CREATE UNIQUE INDEX "kiosk_checks_key" ON "kiosk_checks" USING btree ("device_id","idempotency_key");--> statement-breakpoint
CREATE INDEX "visit_orders_on_site" ON "visit_orders" USING btree ("end_at") WHERE "visit_orders"."status" = 'arrived' and "visit_orders"."left_at" is null;--> statement-breakpoint
UPDATE "visit_orders" SET "arrived_via" = 'gate' WHERE "arrived_at" IS NOT NULL AND "arrived_via" IS NULL;--> statement-breakpoint
UPDATE "visit_orders" SET "left_via" = 'gate' WHERE "left_at" IS NOT NULL AND "left_via" IS NULL;
