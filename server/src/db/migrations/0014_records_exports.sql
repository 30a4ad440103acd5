CREATE TABLE "exports" (
	"id" uuid PRIMARY KEY NOT NULL,
	"requested_by" uuid NOT NULL,
	"kind" text NOT NULL,
	"filter" jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"rows" integer DEFAULT 0 NOT NULL,
	"total" integer,
	"pages" integer DEFAULT 0 NOT NULL,
	"storage_key" text,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "exports_status" CHECK ("exports"."status" in ('pending', 'running', 'done', 'failed', 'expired'))
);
--> statement-breakpoint
ALTER TABLE "exports" ADD CONSTRAINT "exports_requested_by_admins_id_fk" FOREIGN KEY ("requested_by") REFERENCES "public"."admins"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "exports_requested_by" ON "exports" USING btree ("requested_by","created_at");--> statement-breakpoint
CREATE INDEX "exports_done_finished" ON "exports" USING btree ("finished_at") WHERE "exports"."status" = 'done';--> statement-breakpoint
CREATE INDEX "visit_orders_start" ON "visit_orders" USING btree ("start_at","id");--> statement-breakpoint
CREATE INDEX "visit_orders_unit_start" ON "visit_orders" USING btree ("unit_id","start_at");