CREATE TABLE "security_alerts" (
	"id" uuid PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"source" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"device_id" uuid,
	"device_name" text,
	"order_id" uuid,
	"visitor_id" uuid,
	"event_seq" bigint,
	"reason" text,
	"handled_at" timestamp with time zone,
	"handled_by" uuid,
	"comment" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "access_events" ADD COLUMN "device_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "access_events" ADD COLUMN "dedupe_key" text;--> statement-breakpoint
CREATE INDEX "security_alerts_open" ON "security_alerts" USING btree ("at") WHERE "security_alerts"."handled_at" is null;--> statement-breakpoint
CREATE INDEX "security_alerts_at" ON "security_alerts" USING btree ("at");--> statement-breakpoint
CREATE UNIQUE INDEX "access_events_dedupe" ON "access_events" USING btree ("device_id","dedupe_key") WHERE "access_events"."dedupe_key" is not null;