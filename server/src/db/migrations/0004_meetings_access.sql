CREATE TABLE "meeting_bookings" (
	"id" uuid PRIMARY KEY NOT NULL,
	"room_id" uuid NOT NULL,
	"title" text NOT NULL,
	"applicant_id" uuid NOT NULL,
	"co_booker_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"settlement_unit_id" uuid NOT NULL,
	"seating" text NOT NULL,
	"headcount" integer NOT NULL,
	"services" text[] DEFAULT '{}'::text[] NOT NULL,
	"remark" text,
	"start_at" timestamp with time zone NOT NULL,
	"end_at" timestamp with time zone NOT NULL,
	"status" text NOT NULL,
	"reviewed_by" uuid,
	"reviewed_at" timestamp with time zone,
	"review_comment" text,
	"undertaken_by" uuid,
	"undertaken_at" timestamp with time zone,
	"cancelled_at" timestamp with time zone,
	"meeting_type" text,
	"chair" text,
	"devices" text,
	"invite_remark" text,
	"idempotency_key" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "meeting_bookings_window" CHECK ("meeting_bookings"."end_at" > "meeting_bookings"."start_at"),
	CONSTRAINT "meeting_bookings_headcount" CHECK ("meeting_bookings"."headcount" > 0)
);
--> statement-breakpoint
CREATE TABLE "meeting_rooms" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"building_id" uuid,
	"floor" text,
	"location" text,
	"capacity" integer NOT NULL,
	"photo_key" text,
	"seating_styles" text[] DEFAULT '{}'::text[] NOT NULL,
	"services" text[] DEFAULT '{}'::text[] NOT NULL,
	"open_from" integer DEFAULT 480 NOT NULL,
	"open_to" integer DEFAULT 1440 NOT NULL,
	"slot_minutes" integer DEFAULT 15 NOT NULL,
	"review_required" boolean DEFAULT false NOT NULL,
	"approver_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"undertaker_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"sort" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "meeting_rooms_capacity" CHECK ("meeting_rooms"."capacity" > 0),
	CONSTRAINT "meeting_rooms_hours" CHECK ("meeting_rooms"."open_from" >= 0 and "meeting_rooms"."open_to" <= 1440 and "meeting_rooms"."open_from" < "meeting_rooms"."open_to")
);
--> statement-breakpoint
CREATE TABLE "access_credentials" (
	"id" uuid PRIMARY KEY NOT NULL,
	"order_id" uuid NOT NULL,
	"device_id" uuid NOT NULL,
	"kinds" text[] DEFAULT '{}'::text[] NOT NULL,
	"status" text NOT NULL,
	"last_error" text,
	"issued_at" timestamp with time zone,
	"removed_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "access_devices" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"kind" text DEFAULT 'gate' NOT NULL,
	"adapter" text NOT NULL,
	"address" text DEFAULT '' NOT NULL,
	"username" text,
	"password_enc" text,
	"building_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"direction" text DEFAULT 'in' NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"health" text DEFAULT 'unknown' NOT NULL,
	"health_detail" text,
	"last_seen_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "access_events" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"device_id" uuid,
	"at" timestamp with time zone NOT NULL,
	"method" text NOT NULL,
	"direction" text DEFAULT 'in' NOT NULL,
	"order_id" uuid,
	"result" text NOT NULL,
	"detail" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "visit_orders" ADD COLUMN "meeting_id" uuid;--> statement-breakpoint
ALTER TABLE "visit_orders" ADD COLUMN "attendee_staff_id" uuid;--> statement-breakpoint
ALTER TABLE "meeting_bookings" ADD CONSTRAINT "meeting_bookings_room_id_meeting_rooms_id_fk" FOREIGN KEY ("room_id") REFERENCES "public"."meeting_rooms"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "meeting_bookings" ADD CONSTRAINT "meeting_bookings_applicant_id_staff_id_fk" FOREIGN KEY ("applicant_id") REFERENCES "public"."staff"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "meeting_bookings" ADD CONSTRAINT "meeting_bookings_settlement_unit_id_units_id_fk" FOREIGN KEY ("settlement_unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "meeting_rooms" ADD CONSTRAINT "meeting_rooms_building_id_buildings_id_fk" FOREIGN KEY ("building_id") REFERENCES "public"."buildings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "access_credentials" ADD CONSTRAINT "access_credentials_order_id_visit_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."visit_orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "access_credentials" ADD CONSTRAINT "access_credentials_device_id_access_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."access_devices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "access_events" ADD CONSTRAINT "access_events_device_id_access_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."access_devices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "meeting_bookings_room" ON "meeting_bookings" USING btree ("room_id","start_at");--> statement-breakpoint
CREATE INDEX "meeting_bookings_applicant" ON "meeting_bookings" USING btree ("applicant_id","start_at");--> statement-breakpoint
CREATE UNIQUE INDEX "access_credentials_order_device" ON "access_credentials" USING btree ("order_id","device_id");--> statement-breakpoint
CREATE INDEX "access_credentials_device" ON "access_credentials" USING btree ("device_id","status");--> statement-breakpoint
CREATE INDEX "access_events_at" ON "access_events" USING btree ("at");--> statement-breakpoint
CREATE INDEX "access_events_order" ON "access_events" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "visit_orders_meeting" ON "visit_orders" USING btree ("meeting_id") WHERE "visit_orders"."meeting_id" is not null;--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS btree_gist;--> statement-breakpoint
ALTER TABLE "meeting_bookings" ADD CONSTRAINT "meeting_bookings_no_overlap" EXCLUDE USING gist ("room_id" WITH =, tstzrange("start_at", "end_at", '[)') WITH &&) WHERE ("status" IN ('pending', 'approved'));
