CREATE TABLE "unit_reviewers" (
	"id" uuid PRIMARY KEY NOT NULL,
	"unit_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"staff_id" uuid NOT NULL,
	"cc" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "visit_orders" ADD COLUMN "vehicle_status" text;--> statement-breakpoint
ALTER TABLE "visit_orders" ADD COLUMN "vehicle_reviewed_by" uuid;--> statement-breakpoint
ALTER TABLE "visit_orders" ADD COLUMN "vehicle_reviewed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "visit_orders" ADD COLUMN "vehicle_comment" text;--> statement-breakpoint
ALTER TABLE "visit_orders" ADD COLUMN "vehicle_in_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "visit_orders" ADD COLUMN "vehicle_out_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "unit_reviewers" ADD CONSTRAINT "unit_reviewers_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "unit_reviewers" ADD CONSTRAINT "unit_reviewers_staff_id_staff_id_fk" FOREIGN KEY ("staff_id") REFERENCES "public"."staff"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "unit_reviewers_unique" ON "unit_reviewers" USING btree ("unit_id","kind","staff_id");--> statement-breakpoint
CREATE INDEX "unit_reviewers_staff" ON "unit_reviewers" USING btree ("staff_id","kind");--> statement-breakpoint
CREATE INDEX "visit_orders_vehicle_pending" ON "visit_orders" USING btree ("unit_id","created_at") WHERE "visit_orders"."vehicle_status" = 'pending';--> statement-breakpoint
UPDATE "visit_orders" SET "vehicle_status" = 'pending' WHERE "plate" IS NOT NULL AND "plate" <> '' AND "status" <> 'initiated';
